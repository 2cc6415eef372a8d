#include "checks/tls_checks.h"

#include <catch2/catch.hpp>

#include <chrono>

namespace probity {
namespace {

constexpr std::int64_t kDay = 24 * 3600;
// 2026-12-06T12:00:00Z, the "now" of these tests.
constexpr std::int64_t kNow = 1796558400;
const WallTime kWallNow = WallTime(std::chrono::seconds(kNow));
const char kUrl[] = "https://127.0.0.1:8443/";
const char kOtherUrl[] = "https://127.0.0.1:9443/";

TlsFacts GoodFacts() {
  TlsFacts f;
  f.protocol = "TLSv1.3";
  f.verified_name = "localhost";
  f.chain_length = 1;
  f.leaf_subject = f.earliest_subject = "CN=localhost";
  f.leaf_not_after = f.earliest_not_after = kNow + 90 * kDay;
  return f;
}

TlsSeen One(StatusOr<TlsFacts> facts) { return {{kUrl, std::move(facts)}}; }

}  // namespace

TEST_CASE("Every tls judge skips a target without an HTTPS endpoint", "[tls][checks]") {
  const TlsSeen none;
  for (const Verdict& v : {JudgeCertificateValid(none), JudgeCertificateExpiry(none, kWallNow, 14),
                           JudgeProtocolModern(none)}) {
    CHECK(v.status == CheckStatus::kSkip);
    CHECK(v.detail == "the target has no HTTPS endpoint");
  }
}

TEST_CASE("A chain that verifies passes tls.certificate.valid naming the name it was checked for", "[tls][checks]") {
  const Verdict v = JudgeCertificateValid(One(GoodFacts()));
  CHECK(v.status == CheckStatus::kPass);
  CHECK(v.detail == "https://127.0.0.1:8443/: the certificate chain verifies for localhost (CN=localhost)");
}

TEST_CASE("Each trust problem fails tls.certificate.valid with the probe's detail and its own remedy",
          "[tls][checks]") {
  struct Case {
    TrustProblem problem;
    std::string remedy_part;
  };
  for (const Case& c : {Case{TrustProblem::kExpired, "Renew the certificate"},
                        Case{TrustProblem::kNotYetValid, "clocks"},
                        Case{TrustProblem::kSelfSigned, "issued by a CA the clients trust"},
                        Case{TrustProblem::kUnknownIssuer, "Serve the full chain"},
                        Case{TrustProblem::kWrongName, "subjectAltName"},
                        Case{TrustProblem::kOther, "openssl s_client"}}) {
    TlsFacts f = GoodFacts();
    f.problem = c.problem;
    f.trust_detail = "certificate for CN=localhost expired on 2020-02-01 (6 years ago)";
    const Verdict v = JudgeCertificateValid(One(f));
    INFO(c.remedy_part);
    CHECK(v.status == CheckStatus::kFail);
    CHECK(v.detail == "https://127.0.0.1:8443/: certificate for CN=localhost expired on 2020-02-01 (6 years ago)");
    CHECK(v.remedy.find(c.remedy_part) != std::string::npos);
  }
}

TEST_CASE("With several endpoints a judge fails when one fails and names only the failing URL", "[tls][checks]") {
  TlsFacts bad = GoodFacts();
  bad.problem = TrustProblem::kWrongName;
  bad.trust_detail = "certificate for CN=other.example is not valid for localhost (it names DNS:other.example)";
  bad.legacy_accepted = {"TLSv1.1"};
  bad.leaf_not_after = bad.earliest_not_after = kNow + 3 * kDay;
  const TlsSeen seen = {{kUrl, GoodFacts()}, {kOtherUrl, bad}};

  const Verdict valid = JudgeCertificateValid(seen);
  CHECK(valid.status == CheckStatus::kFail);
  CHECK(valid.detail == "https://127.0.0.1:9443/: certificate for CN=other.example is not valid for localhost (it "
                        "names DNS:other.example)");

  const Verdict expiry = JudgeCertificateExpiry(seen, kWallNow, 14);
  CHECK(expiry.status == CheckStatus::kFail);
  CHECK(expiry.detail == "https://127.0.0.1:9443/: the certificate for CN=localhost expires in 3 days (on "
                         "2026-12-09), under the 14 days asked");

  const Verdict modern = JudgeProtocolModern(seen);
  CHECK(modern.status == CheckStatus::kFail);
  CHECK(modern.detail == "https://127.0.0.1:9443/: accepts TLSv1.1 (negotiates TLSv1.3 when offered)");
}

TEST_CASE("A handshake error is an error unless another endpoint fails", "[tls][checks]") {
  const StatusOr<TlsFacts> timed_out = Status::Error("TLS handshake with 127.0.0.1:9443 timed out after 2s");
  const Verdict alone = JudgeCertificateValid({{kUrl, GoodFacts()}, {kOtherUrl, timed_out}});
  CHECK(alone.status == CheckStatus::kError);
  CHECK(alone.detail == "https://127.0.0.1:9443/: TLS handshake with 127.0.0.1:9443 timed out after 2s");
  CHECK(JudgeCertificateExpiry({{kOtherUrl, timed_out}}, kWallNow, 14).status == CheckStatus::kError);
  CHECK(JudgeProtocolModern({{kOtherUrl, timed_out}}).status == CheckStatus::kError);

  TlsFacts bad = GoodFacts();
  bad.problem = TrustProblem::kSelfSigned;
  bad.trust_detail = "certificate for CN=localhost is self-signed and not trusted";
  const Verdict with_failure = JudgeCertificateValid({{kUrl, bad}, {kOtherUrl, timed_out}});
  CHECK(with_failure.status == CheckStatus::kFail);
  CHECK(with_failure.detail == "https://127.0.0.1:8443/: certificate for CN=localhost is self-signed and not trusted");
}

TEST_CASE("tls.certificate.expiry passes only with more than min_days left", "[tls][checks]") {
  TlsFacts f = GoodFacts();
  f.leaf_not_after = f.earliest_not_after = kNow + 14 * kDay;
  const Verdict at_limit = JudgeCertificateExpiry(One(f), kWallNow, 14);
  CHECK(at_limit.status == CheckStatus::kFail);
  CHECK(at_limit.detail == "https://127.0.0.1:8443/: the certificate for CN=localhost expires in 14 days (on "
                           "2026-12-20), under the 14 days asked");
  CHECK(at_limit.remedy.find("Renew") != std::string::npos);

  f.leaf_not_after = f.earliest_not_after = kNow + 14 * kDay + 1;
  const Verdict past_limit = JudgeCertificateExpiry(One(f), kWallNow, 14);
  CHECK(past_limit.status == CheckStatus::kPass);
  CHECK(past_limit.detail == "https://127.0.0.1:8443/: the certificate for CN=localhost expires in 14 days (on "
                             "2026-12-20)");

  f.leaf_not_after = f.earliest_not_after = kNow + 3 * kDay - 3600;
  CHECK(JudgeCertificateExpiry(One(f), kWallNow, 2).status == CheckStatus::kPass);
  const Verdict soon = JudgeCertificateExpiry(One(f), kWallNow, 14);
  CHECK(soon.detail == "https://127.0.0.1:8443/: the certificate for CN=localhost expires in 2 days 23 hours (on "
                       "2026-12-09), under the 14 days asked");
}

TEST_CASE("tls.certificate.expiry fails an expired certificate and errs when none was presented", "[tls][checks]") {
  TlsFacts f = GoodFacts();
  f.leaf_not_after = f.earliest_not_after = 1580515200;  // 2020-02-01
  const Verdict expired = JudgeCertificateExpiry(One(f), kWallNow, 14);
  CHECK(expired.status == CheckStatus::kFail);
  CHECK(expired.detail == "https://127.0.0.1:8443/: the certificate for CN=localhost expired on 2020-02-01 (6 years "
                          "ago)");

  TlsFacts none = GoodFacts();
  none.chain_length = 0;
  const Verdict no_cert = JudgeCertificateExpiry(One(none), kWallNow, 14);
  CHECK(no_cert.status == CheckStatus::kError);
  CHECK(no_cert.detail == "https://127.0.0.1:8443/: the server presented no certificate");
}

TEST_CASE("tls.certificate.expiry names a chain certificate that expires before the leaf", "[tls][checks]") {
  TlsFacts f = GoodFacts();
  f.chain_length = 2;
  f.earliest_subject = "CN=Old Intermediate";
  f.earliest_not_after = kNow + 5 * kDay;
  const Verdict v = JudgeCertificateExpiry(One(f), kWallNow, 14);
  CHECK(v.status == CheckStatus::kFail);
  CHECK(v.detail == "https://127.0.0.1:8443/: the chain's certificate CN=Old Intermediate expires in 5 days (on "
                    "2026-12-11), under the 14 days asked");
}

TEST_CASE("tls.protocol.modern fails legacy versions accepted or an old best version and passes 1.2 and 1.3",
          "[tls][checks]") {
  TlsFacts f = GoodFacts();
  const Verdict modern = JudgeProtocolModern(One(f));
  CHECK(modern.status == CheckStatus::kPass);
  CHECK(modern.detail == "https://127.0.0.1:8443/: negotiates TLSv1.3 and refuses TLSv1 and TLSv1.1");

  f.protocol = "TLSv1.2";
  f.legacy_accepted = {"TLSv1", "TLSv1.1"};
  const Verdict legacy = JudgeProtocolModern(One(f));
  CHECK(legacy.status == CheckStatus::kFail);
  CHECK(legacy.detail == "https://127.0.0.1:8443/: accepts TLSv1 and TLSv1.1 (negotiates TLSv1.2 when offered)");
  CHECK(legacy.remedy.find("ssl_protocols TLSv1.2 TLSv1.3;") != std::string::npos);

  f.protocol = "TLSv1.1";
  const Verdict only_legacy = JudgeProtocolModern(One(f));
  CHECK(only_legacy.status == CheckStatus::kFail);
  CHECK(only_legacy.detail == "https://127.0.0.1:8443/: accepts TLSv1 and TLSv1.1 (and nothing newer than TLSv1.1)");

  f.legacy_accepted.clear();
  const Verdict old_best = JudgeProtocolModern(One(f));
  CHECK(old_best.status == CheckStatus::kFail);
  CHECK(old_best.detail == "https://127.0.0.1:8443/: negotiates TLSv1.1 at best");
}

TEST_CASE("tls.protocol.modern counts an unanswered legacy probe as refused and says so", "[tls][checks]") {
  TlsFacts f = GoodFacts();
  f.legacy_unanswered = {"TLSv1"};
  const Verdict one = JudgeProtocolModern(One(f));
  CHECK(one.status == CheckStatus::kPass);
  CHECK(one.detail == "https://127.0.0.1:8443/: negotiates TLSv1.3 and refuses TLSv1.1, its TLSv1 handshake got no "
                      "answer before the timeout (counted as refused)");
  f.legacy_unanswered = {"TLSv1", "TLSv1.1"};
  CHECK(JudgeProtocolModern(One(f)).detail ==
        "https://127.0.0.1:8443/: negotiates TLSv1.3; its TLSv1 and TLSv1.1 handshakes got no answer before the "
        "timeout (counted as refused)");
}

}  // namespace probity

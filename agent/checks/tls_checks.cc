#include "checks/tls_checks.h"

#include <chrono>
#include <cstdint>
#include <set>

#include "checks/context.h"
#include "http/url.h"

namespace probity {
namespace {

constexpr std::int64_t kSecondsPerDay = 24 * 3600;
constexpr char kNoHttps[] = "the target has no HTTPS endpoint";

// What each endpoint gave, sorted into the three outcomes of a judge.
struct Tally {
  std::vector<std::string> failures;
  std::vector<std::string> errors;
  std::vector<std::string> passes;
  std::string remedy;  // the first failure's
};

std::string Join(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : "; ") + p;
  return out;
}

Verdict Conclude(const Tally& tally) {
  if (!tally.failures.empty()) return Verdict::Fail(Join(tally.failures), tally.remedy);
  if (!tally.errors.empty()) return Verdict::Error(Join(tally.errors));
  return Verdict::Pass(Join(tally.passes));
}

void AddFailure(Tally& tally, const std::string& url, const std::string& detail, const std::string& remedy) {
  tally.failures.push_back(url + ": " + detail);
  if (tally.remedy.empty()) tally.remedy = remedy;
}

std::string TrustRemedy(TrustProblem problem) {
  switch (problem) {
    case TrustProblem::kExpired:
      return "Renew the certificate and reload the server; automate renewal (ACME, cert-manager)";
    case TrustProblem::kNotYetValid:
      return "Check the clocks of the server and of the CA, or serve a certificate whose start date has passed";
    case TrustProblem::kSelfSigned:
      return "Serve a certificate issued by a CA the clients trust (for a private CA, give Probity its certificate "
             "as the target's CA file)";
    case TrustProblem::kUnknownIssuer:
      return "Serve the full chain (the leaf, then its intermediates), issued by a CA the clients trust (for a "
             "private CA, give Probity its certificate as the target's CA file)";
    case TrustProblem::kWrongName:
      return "Reissue the certificate with this host name in its subjectAltName, or probe the name it was issued for";
    default:
      return "Fix the chain until `openssl s_client -connect HOST:PORT -servername NAME -verify_return_error` "
             "accepts it";
  }
}

bool IsModern(const std::string& protocol) { return protocol == "TLSv1.2" || protocol == "TLSv1.3"; }

std::string AndList(const std::vector<std::string>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    out += (i == 0 ? "" : i + 1 == items.size() ? " and " : ", ") + items[i];
  }
  return out;
}

}  // namespace

Verdict JudgeCertificateValid(const TlsSeen& seen) {
  if (seen.empty()) return Verdict::Skip(kNoHttps);
  Tally tally;
  for (const auto& [url, facts] : seen) {
    if (!facts.ok()) {
      tally.errors.push_back(url + ": " + facts.status().message());
    } else if (facts->problem != TrustProblem::kNone) {
      AddFailure(tally, url, facts->trust_detail, TrustRemedy(facts->problem));
    } else {
      tally.passes.push_back(url + ": the certificate chain verifies for " + facts->verified_name + " (" +
                             facts->leaf_subject + ")");
    }
  }
  return Conclude(tally);
}

Verdict JudgeCertificateExpiry(const TlsSeen& seen, WallTime now, long min_days) {
  if (seen.empty()) return Verdict::Skip(kNoHttps);
  const std::int64_t now_seconds =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  const std::string remedy =
      "Renew the certificate now and automate renewal well before expiry (ACME clients renew 30 days ahead)";
  Tally tally;
  for (const auto& [url, facts] : seen) {
    if (!facts.ok()) {
      tally.errors.push_back(url + ": " + facts.status().message());
      continue;
    }
    if (facts->chain_length == 0) {
      tally.errors.push_back(url + ": the server presented no certificate");
      continue;
    }
    const bool is_leaf =
        facts->earliest_subject == facts->leaf_subject && facts->earliest_not_after == facts->leaf_not_after;
    const std::string which =
        (is_leaf ? "the certificate for " : "the chain's certificate ") + facts->earliest_subject;
    const std::int64_t left = facts->earliest_not_after - now_seconds;
    const std::string date = FormatDate(facts->earliest_not_after);
    if (left <= 0) {
      AddFailure(tally, url, which + " expired on " + date + " (" + DescribeSpan(left) + " ago)", remedy);
    } else if (left <= static_cast<std::int64_t>(min_days) * kSecondsPerDay) {
      AddFailure(tally, url,
                 which + " expires in " + DescribeSpan(left) + " (on " + date + "), under the " +
                     std::to_string(min_days) + (min_days == 1 ? " day" : " days") + " asked",
                 remedy);
    } else {
      tally.passes.push_back(url + ": " + which + " expires in " + DescribeSpan(left) + " (on " + date + ")");
    }
  }
  return Conclude(tally);
}

Verdict JudgeProtocolModern(const TlsSeen& seen) {
  if (seen.empty()) return Verdict::Skip(kNoHttps);
  const std::string remedy =
      "Allow only TLS 1.2 and 1.3 (nginx: `ssl_protocols TLSv1.2 TLSv1.3;`, Apache: "
      "`SSLProtocol -all +TLSv1.2 +TLSv1.3`)";
  Tally tally;
  for (const auto& [url, facts] : seen) {
    if (!facts.ok()) {
      tally.errors.push_back(url + ": " + facts.status().message());
      continue;
    }
    const bool modern = IsModern(facts->protocol);
    if (!facts->legacy_accepted.empty()) {
      AddFailure(tally, url,
                 "accepts " + AndList(facts->legacy_accepted) + " (" +
                     (modern ? "negotiates " + facts->protocol + " when offered" : "and nothing newer than " +
                                                                                   facts->protocol) +
                     ")",
                 remedy);
    } else if (!modern) {
      AddFailure(tally, url, "negotiates " + facts->protocol + " at best", remedy);
    } else {
      std::vector<std::string> refused;
      for (const char* version : {"TLSv1", "TLSv1.1"}) {
        bool unanswered = false;
        for (const std::string& v : facts->legacy_unanswered) unanswered |= v == version;
        if (!unanswered) refused.push_back(version);
      }
      std::string detail = "negotiates " + facts->protocol;
      if (!refused.empty()) detail += " and refuses " + AndList(refused);
      if (!facts->legacy_unanswered.empty()) {
        detail += std::string(refused.empty() ? "; " : ", ") + "its " + AndList(facts->legacy_unanswered) +
                  (facts->legacy_unanswered.size() == 1 ? " handshake" : " handshakes") +
                  " got no answer before the timeout (counted as refused)";
      }
      tally.passes.push_back(url + ": " + detail);
    }
  }
  return Conclude(tally);
}

namespace {

using K = ParamSpec::Kind;

// What InspectTls saw at each HTTPS origin of the target (its URL and every
// endpoint discovery found), once per run for the three checks.
struct TlsHandshakes {
  TlsSeen seen;

  static TlsHandshakes Compute(ProbeContext& ctx) {
    TlsHandshakes out;
    std::set<std::string> origins;
    const Endpoints& e = ctx.endpoints();
    for (const std::string* url :
         {&ctx.target().url, &e.liveness.url, &e.readiness.url, &e.metrics.url, &e.openapi.url}) {
      StatusOr<Url> u = ParseUrl(*url);
      if (!u.ok() || !u->is_tls() || !origins.insert(u->Origin()).second) continue;
      TlsEndpoint endpoint;
      endpoint.host = u->host;
      endpoint.port = u->port;
      endpoint.ca_file = ctx.options().ca_file;
      endpoint.timeout = ctx.options().timeout;
      out.seen.emplace_back(u->Origin() + "/", InspectTls(endpoint));
    }
    return out;
  }
};

Verdict CertificateValid(ProbeContext& ctx, const CheckParams&) {
  return JudgeCertificateValid(ctx.Fact<TlsHandshakes>().seen);
}

Verdict CertificateExpiry(ProbeContext& ctx, const CheckParams& params) {
  return JudgeCertificateExpiry(ctx.Fact<TlsHandshakes>().seen, ctx.clock().WallNow(), params.GetInt("min_days"));
}

Verdict ProtocolModern(ProbeContext& ctx, const CheckParams&) {
  return JudgeProtocolModern(ctx.Fact<TlsHandshakes>().seen);
}

}  // namespace

const std::vector<CheckInfo>& TlsChecks() {
  static const std::vector<CheckInfo> checks = {
      {"tls.certificate.valid", Severity::kCritical, Level::kBronze,
       "the chain of every HTTPS endpoint verifies for its host name (the detail says which: expired, not yet "
       "valid, self-signed, unknown issuer, wrong name)",
       "A certificate that does not verify makes every verifying client refuse the connection, and pushes callers to "
       "turn verification off, which leaves them open to interception.",
       "serve a certificate for this host name from a CA your clients trust (ACME/Let's Encrypt, or your internal "
       "CA with its chain), and renew it before it expires",
       {}, {.tls = true}, CertificateValid},
      {"tls.certificate.expiry", Severity::kWarning, Level::kSilver,
       "the earliest-expiring certificate of each presented chain expires in more than 14 days",
       "An expired certificate breaks every client at once, at a moment no deploy caused; 14 days leaves time to "
       "notice an automated renewal that failed silently and to fix it by hand.",
       "renew the certificate, and automate renewal (certbot, cert-manager) with an alert well before expiry",
       {{"min_days", K::kInt, "14", "days of validity that must remain"}}, {.tls = true}, CertificateExpiry},
      {"tls.protocol.modern", Severity::kWarning, Level::kGold,
       "every HTTPS endpoint refuses TLS 1.0 and 1.1 and negotiates TLS 1.2 or 1.3",
       "TLS 1.0 and 1.1 are deprecated (RFC 8996) and lack modern cipher suites: an endpoint that still accepts them "
       "lets old or misconfigured clients connect with weak cryptography and fails PCI DSS and most compliance scans.",
       "allow only TLS 1.2 and 1.3 (nginx: ssl_protocols TLSv1.2 TLSv1.3;)", {}, {.tls = true}, ProtocolModern},
  };
  return checks;
}

}  // namespace probity

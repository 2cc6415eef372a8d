#include "tls/tls_probe.h"

#include <sys/socket.h>
#include <unistd.h>
#include <netinet/in.h>
#include <poll.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "checks/tls_checks.h"
#include "support/certs.h"
#include "support/process.h"
#include "support/test_servers.h"
#include "support/tls.h"

namespace probity {
namespace {

using namespace std::chrono_literals;
using testing::CertFiles;
using testing::ChildProcess;
using testing::RawServer;
using testing::TempDir;
using testing::TestCa;

std::int64_t UnixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

bool Accepting(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<std::uint16_t>(port));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0;
  close(fd);
  return ok;
}

// One real nginx for the whole suite, with a server block per case, each on
// its own loopback port, serving certificates made here with openssl.
class NginxTls {
 public:
  NginxTls() : ca_(dir_.path()), other_ca_(dir_.path(), "Some Other CA") {
    const auto now = std::chrono::system_clock::now();
    const auto day = 24h;
    const std::vector<std::string> local = {"localhost", "127.0.0.1"};
    const CertFiles valid = ca_.Issue("valid", local);
    Add("valid", valid, "TLSv1.2 TLSv1.3");
    // Half an hour short of 3 days, so that the time the checks take never
    // moves the remaining span across a whole hour ("2 days 23 hours").
    Add("soon", ca_.Issue("soon", local, now - 1h, now + 3 * day - 30min), "TLSv1.2 TLSv1.3");
    Add("expired", ca_.Issue("expired", local, std::chrono::sys_days{std::chrono::year{2020} / 1 / 1},
                             std::chrono::sys_days{std::chrono::year{2020} / 2 / 1}),
        "TLSv1.2 TLSv1.3");
    Add("future", ca_.Issue("future", local, now + 200 * day - 12h, now + 400 * day), "TLSv1.2 TLSv1.3");
    Add("wrong_name", ca_.Issue("wrong_name", {"other.example"}), "TLSv1.2 TLSv1.3");
    Add("self_signed", testing::SelfSigned(dir_.path(), "self_signed", local), "TLSv1.2 TLSv1.3");
    // The leaf outlives its CA, and the server sends both: the CA is the
    // earliest certificate of the presented chain.
    CertFiles chain = ca_.Issue("long_leaf", local, 20 * 365);
    testing::ConcatenatePem({chain.cert, ca_.cert_file()}, chain.cert);
    Add("full_chain", chain, "TLSv1.2 TLSv1.3");
    Add("legacy", valid, "TLSv1 TLSv1.1 TLSv1.2", "DEFAULT@SECLEVEL=0");
    Add("legacy_only", valid, "TLSv1 TLSv1.1", "DEFAULT@SECLEVEL=0");

    const std::string d = dir_.path();
    const std::string conf = dir_.Write(
        "nginx.conf", "daemon off;\nmaster_process off;\nworker_processes 1;\npid " + d + "/nginx.pid;\n"
                      "error_log stderr;\nevents { worker_connections 64; }\nhttp {\n  access_log off;\n"
                      "  client_body_temp_path " + d + "/body;\n  proxy_temp_path " + d + "/proxy;\n"
                      "  fastcgi_temp_path " + d + "/fastcgi;\n  uwsgi_temp_path " + d + "/uwsgi;\n"
                      "  scgi_temp_path " + d + "/scgi;\n" + servers_ + "}\n");
    nginx_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{"/usr/sbin/nginx", "-p", d, "-c", conf, "-e", "stderr"});
    for (const auto& [name, port] : ports_) {
      bool up = false;
      for (int i = 0; i < 400 && !up && nginx_->Running(); ++i) {
        up = Accepting(port);
        if (!up) std::this_thread::sleep_for(25ms);
      }
      if (!up) throw std::runtime_error("nginx does not listen on " + name + ": " + nginx_->Stderr());
    }
  }

  int port(const std::string& name) const { return ports_.at(name); }
  const TestCa& ca() const { return ca_; }
  const TestCa& other_ca() const { return other_ca_; }
  std::string Url(const std::string& name) const { return "https://127.0.0.1:" + std::to_string(port(name)) + "/"; }

  // An endpoint of case `name`, trusting this suite's CA unless told.
  TlsEndpoint Endpoint(const std::string& name, const std::string& server_name = "") const {
    TlsEndpoint e;
    e.host = "127.0.0.1";
    e.port = port(name);
    e.server_name = server_name;
    e.ca_file = ca_.cert_file();
    e.timeout = 10s;
    return e;
  }

 private:
  void Add(const std::string& name, const CertFiles& files, const std::string& protocols,
           const std::string& ciphers = "") {
    const int port = testing::FreePort();
    ports_[name] = port;
    servers_ += "  server {\n    listen 127.0.0.1:" + std::to_string(port) + " ssl;\n    ssl_certificate " +
                files.cert + ";\n    ssl_certificate_key " + files.key + ";\n    ssl_protocols " + protocols + ";\n" +
                (ciphers.empty() ? "" : "    ssl_ciphers " + ciphers + ";\n") +
                "    location / { return 200 \"ok\\n\"; }\n  }\n";
  }

  TempDir dir_;
  TestCa ca_;
  TestCa other_ca_;
  std::map<std::string, int> ports_;
  std::string servers_;
  std::unique_ptr<ChildProcess> nginx_;
};

const NginxTls& Nginx() {
  static const NginxTls nginx;
  return nginx;
}

TlsFacts Inspect(const TlsEndpoint& endpoint) {
  StatusOr<TlsFacts> facts = InspectTls(endpoint);
  INFO(facts.status().message());
  REQUIRE(facts.ok());
  return *facts;
}

}  // namespace

TEST_CASE("A certificate from the trusted CA for the name asked verifies and every tls check passes",
          "[tls][integration]") {
  const NginxTls& nginx = Nginx();
  for (const char* server_name : {"", "localhost", "127.0.0.1"}) {
    const std::string name = server_name;
    INFO("server name: \"" << name << "\"");
    const TlsFacts f = Inspect(nginx.Endpoint("valid", name));
    CHECK(f.problem == TrustProblem::kNone);
    CHECK(f.trust_detail.empty());
    CHECK(f.verified_name == (name.empty() ? "127.0.0.1" : name));
    CHECK(f.protocol == "TLSv1.3");
    CHECK(f.chain_length == 1);
    CHECK(f.leaf_subject == "CN=localhost");
    CHECK(f.earliest_subject == "CN=localhost");
    CHECK(f.earliest_not_after == f.leaf_not_after);
    CHECK(f.leaf_not_after > UnixNow() + 89 * 86400);
    CHECK(f.leaf_not_after < UnixNow() + 91 * 86400);
    CHECK(f.legacy_accepted.empty());
    CHECK(f.legacy_unanswered.empty());
  }
  const TlsSeen seen = {{nginx.Url("valid"), InspectTls(nginx.Endpoint("valid"))}};
  const Verdict valid = JudgeCertificateValid(seen);
  CHECK(valid.status == CheckStatus::kPass);
  CHECK(valid.detail == nginx.Url("valid") + ": the certificate chain verifies for 127.0.0.1 (CN=localhost)");
  CHECK(JudgeCertificateExpiry(seen, std::chrono::system_clock::now(), 14).status == CheckStatus::kPass);
  const Verdict modern = JudgeProtocolModern(seen);
  CHECK(modern.status == CheckStatus::kPass);
  CHECK(modern.detail == nginx.Url("valid") + ": negotiates TLSv1.3 and refuses TLSv1 and TLSv1.1");
}

TEST_CASE("A host name is resolved and is the name the certificate is verified for", "[tls][integration]") {
  TlsEndpoint e = Nginx().Endpoint("valid");
  e.host = "localhost";  // where it also resolves to ::1 (nothing listens there), that address is tried in turn
  const TlsFacts f = Inspect(e);
  CHECK(f.problem == TrustProblem::kNone);
  CHECK(f.verified_name == "localhost");
}

TEST_CASE("A leaf expiring in 3 days fails tls.certificate.expiry at 14 days and passes at 2", "[tls][integration]") {
  const NginxTls& nginx = Nginx();
  const TlsSeen seen = {{nginx.Url("soon"), InspectTls(nginx.Endpoint("soon"))}};
  REQUIRE(seen[0].second.ok());
  const TlsFacts& f = *seen[0].second;
  CHECK(f.problem == TrustProblem::kNone);
  const auto now = std::chrono::system_clock::now();
  const Verdict at_14 = JudgeCertificateExpiry(seen, now, 14);
  CHECK(at_14.status == CheckStatus::kFail);
  CHECK(at_14.detail == nginx.Url("soon") + ": the certificate for CN=localhost expires in 2 days 23 hours (on " +
                            FormatDate(f.leaf_not_after) + "), under the 14 days asked");
  CHECK_FALSE(at_14.remedy.empty());
  CHECK(JudgeCertificateExpiry(seen, now, 2).status == CheckStatus::kPass);
  CHECK(JudgeCertificateValid(seen).status == CheckStatus::kPass);
}

TEST_CASE("An expired leaf is reported as expired with its date", "[tls][integration]") {
  const NginxTls& nginx = Nginx();
  const TlsFacts f = Inspect(nginx.Endpoint("expired"));
  CHECK(f.problem == TrustProblem::kExpired);
  CHECK(f.trust_detail ==
        "certificate for CN=localhost expired on 2020-02-01 (" + DescribeSpan(UnixNow() - 1580515200) + " ago)");
  CHECK(f.leaf_not_after == 1580515200);
  const TlsSeen seen = {{nginx.Url("expired"), f}};
  const Verdict valid = JudgeCertificateValid(seen);
  CHECK(valid.status == CheckStatus::kFail);
  CHECK(valid.detail == nginx.Url("expired") + ": " + f.trust_detail);
  CHECK(valid.remedy.find("Renew") != std::string::npos);
  const Verdict expiry = JudgeCertificateExpiry(seen, std::chrono::system_clock::now(), 14);
  CHECK(expiry.status == CheckStatus::kFail);
  CHECK(expiry.detail.find(": the certificate for CN=localhost expired on 2020-02-01 (") != std::string::npos);
}

TEST_CASE("A certificate whose start date is ahead is reported as not yet valid", "[tls][integration]") {
  const TlsFacts f = Inspect(Nginx().Endpoint("future"));
  CHECK(f.problem == TrustProblem::kNotYetValid);
  CHECK(f.trust_detail.rfind("certificate for CN=localhost is not valid before ", 0) == 0);
  CHECK(f.trust_detail.find(" (in 199 days") != std::string::npos);
}

TEST_CASE("A certificate for another name is the wrong name, and the detail lists the names it has",
          "[tls][integration]") {
  const NginxTls& nginx = Nginx();
  const TlsFacts by_ip = Inspect(nginx.Endpoint("wrong_name"));
  CHECK(by_ip.problem == TrustProblem::kWrongName);
  CHECK(by_ip.trust_detail ==
        "certificate for CN=other.example is not valid for 127.0.0.1 (it names DNS:other.example)");
  const TlsFacts by_name = Inspect(nginx.Endpoint("wrong_name", "localhost"));
  CHECK(by_name.problem == TrustProblem::kWrongName);
  CHECK(by_name.trust_detail ==
        "certificate for CN=other.example is not valid for localhost (it names DNS:other.example)");
  CHECK(Inspect(nginx.Endpoint("wrong_name", "other.example")).problem == TrustProblem::kNone);
  const Verdict valid = JudgeCertificateValid({{nginx.Url("wrong_name"), by_name}});
  CHECK(valid.status == CheckStatus::kFail);
  CHECK(valid.remedy.find("subjectAltName") != std::string::npos);
}

TEST_CASE("A self-signed leaf is self-signed whatever CA file is given", "[tls][integration]") {
  TlsEndpoint e = Nginx().Endpoint("self_signed");
  for (const std::string& ca_file : {e.ca_file, std::string()}) {
    e.ca_file = ca_file;
    const TlsFacts f = Inspect(e);
    CHECK(f.problem == TrustProblem::kSelfSigned);
    CHECK(f.trust_detail == "certificate for CN=localhost is self-signed and not trusted");
  }
}

TEST_CASE("A chain from a CA that is not trusted is an unknown issuer, with the system store or another CA's file",
          "[tls][integration]") {
  const NginxTls& nginx = Nginx();
  TlsEndpoint e = nginx.Endpoint("valid");
  for (const std::string& ca_file : {std::string(), nginx.other_ca().cert_file()}) {
    INFO("CA file: \"" << ca_file << "\"");
    e.ca_file = ca_file;
    const TlsFacts f = Inspect(e);
    CHECK(f.problem == TrustProblem::kUnknownIssuer);
    CHECK(f.trust_detail ==
          "certificate for CN=localhost is issued by CN=Probity Test CA, which is not a trusted CA (unknown issuer)");
    const Verdict valid = JudgeCertificateValid({{nginx.Url("valid"), f}});
    CHECK(valid.status == CheckStatus::kFail);
    CHECK(valid.remedy.find("full chain") != std::string::npos);
  }
}

TEST_CASE("The earliest certificate of the presented chain is the one whose expiry counts", "[tls][integration]") {
  const NginxTls& nginx = Nginx();
  const TlsFacts f = Inspect(nginx.Endpoint("full_chain"));
  CHECK(f.problem == TrustProblem::kNone);
  CHECK(f.chain_length == 2);
  CHECK(f.leaf_subject == "CN=localhost");
  CHECK(f.earliest_subject == "CN=Probity Test CA");
  CHECK(f.earliest_not_after < f.leaf_not_after);
  const Verdict v = JudgeCertificateExpiry({{nginx.Url("full_chain"), f}}, std::chrono::system_clock::now(), 14);
  CHECK(v.status == CheckStatus::kPass);
  // The CA is 10 years long from about now: "9 years" or "10 years" depending on the second it was made in.
  CHECK(v.detail.rfind(nginx.Url("full_chain") + ": the chain's certificate CN=Probity Test CA expires in ", 0) == 0);
  CHECK(v.detail.find("years (on " + FormatDate(f.earliest_not_after) + ")") != std::string::npos);
}

TEST_CASE("A chain that ends in a root the client does not trust is self-signed in the chain", "[tls][integration]") {
  TlsEndpoint e = Nginx().Endpoint("full_chain");
  e.ca_file.clear();
  const TlsFacts f = Inspect(e);
  CHECK(f.problem == TrustProblem::kSelfSigned);
  CHECK(f.trust_detail == "the chain ends in the self-signed CA certificate CN=Probity Test CA, which is not trusted");
}

TEST_CASE("With several problems the first OpenSSL meets is the problem and the detail names each",
          "[tls][integration]") {
  const NginxTls& nginx = Nginx();
  const std::string expired = "certificate for CN=localhost expired on 2020-02-01 (";
  {
    INFO("expired, for another name: the name comes first");
    const TlsFacts f = Inspect(nginx.Endpoint("expired", "other.example"));
    CHECK(f.problem == TrustProblem::kWrongName);
    CHECK(f.trust_detail.rfind("certificate for CN=localhost is not valid for other.example (it names DNS:localhost, "
                               "IP:127.0.0.1); " + expired, 0) == 0);
  }
  {
    INFO("expired, from an unknown issuer: the issuer comes first");
    TlsEndpoint e = nginx.Endpoint("expired");
    e.ca_file.clear();
    const TlsFacts f = Inspect(e);
    CHECK(f.problem == TrustProblem::kUnknownIssuer);
    CHECK(f.trust_detail.rfind("certificate for CN=localhost is issued by CN=Probity Test CA, which is not a trusted "
                               "CA (unknown issuer); " + expired, 0) == 0);
  }
  {
    INFO("self-signed, for another name: self-signed comes first");
    const TlsFacts f = Inspect(nginx.Endpoint("self_signed", "other.example"));
    CHECK(f.problem == TrustProblem::kSelfSigned);
    CHECK(f.trust_detail == "certificate for CN=localhost is self-signed and not trusted; certificate for "
                            "CN=localhost is not valid for other.example (it names DNS:localhost, IP:127.0.0.1)");
  }
}

TEST_CASE("A server that accepts TLS 1.0 and 1.1 fails tls.protocol.modern and one limited to 1.2 and 1.3 passes",
          "[tls][integration]") {
  const NginxTls& nginx = Nginx();
  const TlsFacts legacy = Inspect(nginx.Endpoint("legacy"));
  CHECK(legacy.protocol == "TLSv1.2");
  CHECK(legacy.problem == TrustProblem::kNone);
  CHECK(legacy.legacy_accepted == std::vector<std::string>{"TLSv1", "TLSv1.1"});
  const Verdict fails = JudgeProtocolModern({{nginx.Url("legacy"), legacy}});
  CHECK(fails.status == CheckStatus::kFail);
  CHECK(fails.detail == nginx.Url("legacy") + ": accepts TLSv1 and TLSv1.1 (negotiates TLSv1.2 when offered)");

  const TlsFacts modern = Inspect(nginx.Endpoint("valid"));
  CHECK(modern.legacy_accepted.empty());
  CHECK(JudgeProtocolModern({{nginx.Url("valid"), modern}}).status == CheckStatus::kPass);
}

TEST_CASE("A server that speaks only TLS 1.0 and 1.1 is described from its newest legacy handshake",
          "[tls][integration]") {
  const NginxTls& nginx = Nginx();
  const TlsFacts f = Inspect(nginx.Endpoint("legacy_only", "localhost"));
  CHECK(f.protocol == "TLSv1.1");
  CHECK(f.problem == TrustProblem::kNone);
  CHECK(f.leaf_subject == "CN=localhost");
  CHECK(f.legacy_accepted == std::vector<std::string>{"TLSv1", "TLSv1.1"});
  const Verdict v = JudgeProtocolModern({{nginx.Url("legacy_only"), f}});
  CHECK(v.status == CheckStatus::kFail);
  CHECK(v.detail == nginx.Url("legacy_only") + ": accepts TLSv1 and TLSv1.1 (and nothing newer than TLSv1.1)");
}

TEST_CASE("A closed port (IPv4 or IPv6), a missing or unreadable CA file and a bad port are errors that say so",
          "[tls][integration]") {
  TlsEndpoint e = Nginx().Endpoint("valid");
  e.port = testing::FreePort();
  StatusOr<TlsFacts> closed = InspectTls(e);
  REQUIRE_FALSE(closed.ok());
  CHECK(closed.status().message() ==
        "cannot connect to 127.0.0.1:" + std::to_string(e.port) + ": Connection refused");

  e = Nginx().Endpoint("valid");
  e.ca_file = "/nonexistent/ca.pem";
  StatusOr<TlsFacts> no_ca = InspectTls(e);
  REQUIRE_FALSE(no_ca.ok());
  CHECK(no_ca.status().message() == "cannot read CA certificates from /nonexistent/ca.pem: No such file or directory");
  TempDir dir;
  e.ca_file = dir.Write("not-pem.crt", "this is not a certificate\n");
  StatusOr<TlsFacts> not_pem = InspectTls(e);
  REQUIRE_FALSE(not_pem.ok());
  CHECK(not_pem.status().message() ==
        "cannot read CA certificates from " + e.ca_file + ": no certificate or crl found");

  e = Nginx().Endpoint("valid");
  e.host = "::1";  // refused, or unreachable where the machine has no IPv6: an error either way
  e.port = testing::FreePort();
  StatusOr<TlsFacts> v6 = InspectTls(e);
  REQUIRE_FALSE(v6.ok());
  CHECK(v6.status().message().rfind("cannot connect to [::1]:" + std::to_string(e.port) + ": ", 0) == 0);

  e = Nginx().Endpoint("valid");
  e.port = 70000;
  StatusOr<TlsFacts> bad_port = InspectTls(e);
  REQUIRE_FALSE(bad_port.ok());
  CHECK(bad_port.status().message() == "invalid port 70000 for 127.0.0.1");
}

TEST_CASE("probity scan judges every HTTPS origin of real nginx servers with the three tls checks",
          "[tls][integration]") {
  const NginxTls& nginx = Nginx();
  TempDir dir;
  std::string yaml = "global: {timeout: 5s}\ntargets:\n";
  for (const char* name : {"valid", "soon", "expired", "wrong_name", "legacy"}) {
    yaml += std::string("  - {name: ") + name + ", url: \"" + nginx.Url(name) + "\", http: {tls: {ca_file: \"" +
            nginx.ca().cert_file() + "\"}}}\n";
  }
  // A plain-HTTP target has no TLS to judge.
  yaml += "  - {name: plain, url: \"http://127.0.0.1:9/\"}\n";
  const testing::CommandResult scan =
      testing::RunCommand({PROBITY_BINARY, "scan", "--config", dir.Write("scan.yaml", yaml), "--format", "json"});
  INFO(scan.out << scan.err);
  REQUIRE(!scan.out.empty());
  const nlohmann::json report = nlohmann::json::parse(scan.out);
  std::map<std::string, std::map<std::string, std::pair<std::string, std::string>>> seen;
  for (const auto& target : report["targets"]) {
    for (const auto& c : target["checks"]) {
      if (c["category"] == "tls") seen[target["name"]][c["id"]] = {c["status"], c["detail"]};
    }
  }
  auto status = [&](const std::string& target, const std::string& id) { return seen[target][id].first; };
  auto detail = [&](const std::string& target, const std::string& id) { return seen[target][id].second; };
  for (const char* id : {"tls.certificate.valid", "tls.certificate.expiry", "tls.protocol.modern"}) {
    INFO(id << ": " << detail("valid", id));
    CHECK(status("valid", id) == "pass");
    CHECK(status("plain", id) == "skip");
  }
  CHECK(status("soon", "tls.certificate.valid") == "pass");
  CHECK(status("soon", "tls.certificate.expiry") == "fail");
  CHECK(detail("soon", "tls.certificate.expiry").find("under the 14 days asked") != std::string::npos);
  CHECK(status("expired", "tls.certificate.valid") == "fail");
  CHECK(detail("expired", "tls.certificate.valid").find("expired on 2020-02-01") != std::string::npos);
  CHECK(status("expired", "tls.certificate.expiry") == "fail");
  CHECK(status("wrong_name", "tls.certificate.valid") == "fail");
  CHECK(detail("wrong_name", "tls.certificate.valid").find("not valid for 127.0.0.1") != std::string::npos);
  CHECK(status("legacy", "tls.certificate.valid") == "pass");
  CHECK(status("legacy", "tls.protocol.modern") == "fail");
  CHECK(detail("legacy", "tls.protocol.modern").find("TLSv1") != std::string::npos);
}

namespace {

TlsEndpoint RawEndpoint(const RawServer& server, Duration timeout) {
  TlsEndpoint e;
  e.host = "127.0.0.1";
  e.port = server.port();
  e.timeout = timeout;
  return e;
}

// Holds the connection open, reading nothing and saying nothing.
void Silent(int, const std::atomic<bool>& stopping) {
  while (!stopping) std::this_thread::sleep_for(10ms);
}

// Waits (bounded: 2 s) for the client's first `want` bytes and returns what
// came. With `peek` they stay to be read; without, they are consumed, so
// that closing the socket sends a FIN, not a reset.
std::string FirstBytes(int fd, const std::atomic<bool>& stopping, std::size_t want, bool peek = true) {
  std::string got;
  char buf[4096];
  for (int i = 0; i < 200 && !stopping && got.size() < want; ++i) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 10) <= 0) continue;
    const ssize_t n = recv(fd, buf, sizeof buf, peek ? MSG_PEEK : 0);
    if (n <= 0) break;
    if (peek) got.clear();
    got.append(buf, static_cast<std::size_t>(n));
  }
  return got;
}

// Consumes the client's first TLS record (its ClientHello), bounded by FirstBytes.
void ReadHello(int fd, const std::atomic<bool>& stopping) {
  std::string got = FirstBytes(fd, stopping, 5, false);
  if (got.size() < 5) return;
  const std::size_t length = 5 + (static_cast<unsigned char>(got[3]) << 8 | static_cast<unsigned char>(got[4]));
  if (got.size() < length) FirstBytes(fd, stopping, length - got.size(), false);
}

}  // namespace

TEST_CASE("A peer that accepts and never speaks gives a timeout error, not a hang", "[tls][integration]") {
  RawServer silent(Silent);
  StatusOr<TlsFacts> f = InspectTls(RawEndpoint(silent, 300ms));
  REQUIRE_FALSE(f.ok());
  CHECK(f.status().message() == "TLS handshake with 127.0.0.1:" + std::to_string(silent.port()) +
                                    " timed out after 300ms");
}

TEST_CASE("A peer that answers with HTTP or other garbage is not TLS, and the error shows what it sent",
          "[tls][integration]") {
  RawServer http([](int fd, const std::atomic<bool>& stopping) {
    FirstBytes(fd, stopping, 1);
    testing::WriteAll(fd, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
    Silent(fd, stopping);
  });
  StatusOr<TlsFacts> f = InspectTls(RawEndpoint(http, 5s));
  REQUIRE_FALSE(f.ok());
  CHECK(f.status().message() == "127.0.0.1:" + std::to_string(http.port()) +
                                    " is not TLS (received \"HTTP/1.1 400 Bad Request…\")");

  RawServer binary([](int fd, const std::atomic<bool>& stopping) {
    FirstBytes(fd, stopping, 1);
    testing::WriteAll(fd, std::string("\x00\x01\xff", 3));
    Silent(fd, stopping);
  });
  f = InspectTls(RawEndpoint(binary, 5s));
  REQUIRE_FALSE(f.ok());
  CHECK(f.status().message() ==
        "127.0.0.1:" + std::to_string(binary.port()) + " is not TLS (received \"\\x00\\x01\xEF\xBF\xBD\")");
}

TEST_CASE("A peer that sends a broken TLS record, resets or closes gives an error naming what happened",
          "[tls][integration]") {
  RawServer broken([](int fd, const std::atomic<bool>& stopping) {
    FirstBytes(fd, stopping, 5);
    testing::WriteAll(fd, std::string("\x16\x03\x03\x00\x04\x02\x00\x00\x00", 9));  // an empty ServerHello
    while (!stopping) std::this_thread::sleep_for(10ms);
  });
  StatusOr<TlsFacts> f = InspectTls(RawEndpoint(broken, 5s));
  REQUIRE_FALSE(f.ok());
  CHECK(f.status().message().rfind("TLS handshake with 127.0.0.1:" + std::to_string(broken.port()) + " failed: ", 0) ==
        0);

  RawServer reset([](int fd, const std::atomic<bool>& stopping) {
    FirstBytes(fd, stopping, 5);
    linger now{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &now, sizeof now);
  });
  f = InspectTls(RawEndpoint(reset, 5s));
  REQUIRE_FALSE(f.ok());
  CHECK(f.status().message() == "127.0.0.1:" + std::to_string(reset.port()) +
                                    " reset the connection during the TLS handshake");

  RawServer closes(ReadHello);
  f = InspectTls(RawEndpoint(closes, 5s));
  REQUIRE_FALSE(f.ok());
  CHECK(f.status().message() == "127.0.0.1:" + std::to_string(closes.port()) +
                                    " closed the connection without answering the TLS handshake");
}

TEST_CASE("Legacy probes a server ignores are unanswered, not accepted, and the modern handshake still counts",
          "[tls][integration]") {
  std::shared_ptr<SSL_CTX> ctx = testing::SelfSignedServerContext();
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  RawServer picky([&](int fd, const std::atomic<bool>& stopping) {
    // A ClientHello's own version is at bytes 9-10 of the record: 3,1 for a
    // TLS 1.0 probe, 3,2 for TLS 1.1, 3,3 for a modern client.
    const std::string hello = FirstBytes(fd, stopping, 11);
    if (hello.size() < 11 || hello[10] != '\x03') return Silent(fd, stopping);
    testing::AcceptTls(ctx.get(), fd);
  });
  // Long enough for the main handshake on a loaded machine; the legacy probes then wait it out.
  const StatusOr<TlsFacts> f = InspectTls(RawEndpoint(picky, 2s));
  INFO(f.status().message());
  REQUIRE(f.ok());
  CHECK(f->protocol == "TLSv1.3");
  CHECK(f->problem == TrustProblem::kSelfSigned);
  CHECK(f->legacy_accepted.empty());
  CHECK(f->legacy_unanswered == std::vector<std::string>{"TLSv1", "TLSv1.1"});
  CHECK(JudgeProtocolModern({{"https://127.0.0.1/", *f}}).status == CheckStatus::kPass);
}

TEST_CASE("Dates and spans read the same in every locale and round down", "[tls]") {
  CHECK(FormatDate(0) == "1970-01-01");
  CHECK(FormatDate(1580515200) == "2020-02-01");
  CHECK(FormatDate(1580515199) == "2020-01-31");
  CHECK(FormatDate(253402300799) == "9999-12-31");
  CHECK(DescribeSpan(0) == "less than a minute");
  CHECK(DescribeSpan(60) == "1 minute");
  CHECK(DescribeSpan(3599) == "59 minutes");
  CHECK(DescribeSpan(3600) == "1 hour");
  CHECK(DescribeSpan(47 * 3600 + 3599) == "47 hours");
  CHECK(DescribeSpan(48 * 3600) == "2 days");
  CHECK(DescribeSpan(3 * 86400 - 1) == "2 days 23 hours");
  CHECK(DescribeSpan(-3 * 86400) == "3 days");
  CHECK(DescribeSpan(89 * 86400 + 7200) == "89 days");
  CHECK(DescribeSpan(2 * 365 * 86400 + 86400) == "2 years");
}

}  // namespace probity

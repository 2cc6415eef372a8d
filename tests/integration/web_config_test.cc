#include <catch2/catch.hpp>

#include <csignal>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "support/process.h"

using namespace probity::testing;
using namespace std::chrono_literals;

namespace {

// "s3cret", cost 10, made with libxcrypt's crypt_gensalt and crypt.
constexpr char kHash[] = "$2y$10$n5odXtLwgVfnB0mtygNu1OlTvOosIp4qjxdGcAdZNMXObK9ewrX.y";

void Openssl(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"openssl"};
  argv.insert(argv.end(), args.begin(), args.end());
  const CommandResult r = RunCommand(argv);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
}

// A CA, a server certificate for 127.0.0.1 it signed, a client certificate
// it signed, and a self-signed client certificate it did not.
void MakePki(const TempDir& dir) {
  const std::string d = dir.path() + "/";
  Openssl({"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=probity-test-ca", "-keyout",
           d + "ca.key", "-out", d + "ca.crt"});
  dir.Write("san.ext", "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  for (const std::string name : {"server", "client"}) {
    Openssl({"req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=" + name, "-keyout", d + name + ".key", "-out",
             d + name + ".csr"});
    std::vector<std::string> sign = {"x509", "-req", "-in", d + name + ".csr", "-CA", d + "ca.crt", "-CAkey",
                                     d + "ca.key", "-CAcreateserial", "-days", "2", "-out", d + name + ".crt"};
    if (name == "server") sign.insert(sign.end(), {"-extfile", d + "san.ext"});
    Openssl(sign);
  }
  Openssl({"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=intruder", "-keyout",
           d + "intruder.key", "-out", d + "intruder.crt"});
}

struct Curl {
  int exit_code;
  std::string status;   // "401", or "000" when no HTTP answer came
  std::string headers;
};

Curl CurlGet(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"curl", "-sS", "--max-time", "10", "-o", "/dev/null", "-D", "-", "-w", "%{http_code}"};
  argv.insert(argv.end(), args.begin(), args.end());
  const CommandResult r = RunCommand(argv);
  const std::string status = r.out.size() >= 3 ? r.out.substr(r.out.size() - 3) : "";
  return {r.exit_code, status, r.out};
}

}  // namespace

TEST_CASE("A web config protects every endpoint with TLS, client certificates and bcrypt users, and Prometheus scrapes "
          "through them",
          "[integration][web]") {
  REQUIRE(RunCommand({"sh", "-c", "command -v openssl && command -v curl && command -v prometheus"}).exit_code == 0);
  TempDir dir;
  MakePki(dir);
  const std::string d = dir.path() + "/";
  const std::string web = dir.Write("web.yml", std::string("tls_server_config:\n"
                                                           "  cert_file: server.crt\n"
                                                           "  key_file: server.key\n"
                                                           "  client_auth_type: RequireAndVerifyClientCert\n"
                                                           "  client_ca_file: ca.crt\n"
                                                           "basic_auth_users:\n"
                                                           "  prometheus: ") +
                                                   kHash +
                                                   "\nhttp_server_config:\n"
                                                   "  headers: {Strict-Transport-Security: max-age=31536000}\n");
  const CommandResult checked = RunCommand({PROBITY_BINARY, "check-web-config", web});
  CHECK(checked.exit_code == 0);
  CHECK(checked.out == web + ": valid: TLS TLS12..TLS13 with client certificates, 1 basic-auth user, 1 response header\n");
  const CommandResult broken = RunCommand({PROBITY_BINARY, "check-web-config", dir.Write("bad.yml", "tls_server_config: {}\n")});
  CHECK(broken.exit_code == 2);
  CHECK(broken.err.find("bad.yml:1:20: tls_server_config needs cert_file and key_file") != std::string::npos);
  const std::string config = dir.Write("probity.yaml", "global: {interval: 1h, log_level: warn}\ntargets: []\n");
  ChildProcess agent({PROBITY_BINARY, "run", "--config.file", config, "--web.listen-address", "127.0.0.1:0",
                      "--web.config.file", web, "--log.level", "info"});
  const int port = AgentPort(agent);
  REQUIRE(port > 0);
  const std::string base = "https://127.0.0.1:" + std::to_string(port);
  const std::vector<std::string> tls = {"--cacert", d + "ca.crt", "--cert", d + "client.crt", "--key", d + "client.key"};
  auto with = [](std::vector<std::string> a, const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  };

  // Every endpoint wants credentials: none, or a wrong password, is 401.
  for (const char* path : {"/metrics", "/", "/api/v1/report", "/probe?target=x", "/-/healthy", "/-/ready", "/nowhere"}) {
    INFO(path);
    const Curl none = CurlGet(with(tls, {base + path}));
    CHECK(none.status == "401");
    CHECK(none.headers.find("WWW-Authenticate: Basic realm=\"probity\"") != std::string::npos);
  }
  CHECK(CurlGet(with(tls, {"-u", "prometheus:wrong", base + "/metrics"})).status == "401");
  CHECK(CurlGet(with(tls, {"-u", "nobody:s3cret", base + "/metrics"})).status == "401");
  // The right password over TLS with the CA: 200, with the configured header.
  const Curl right = CurlGet(with(tls, {"-u", "prometheus:s3cret", base + "/metrics"}));
  CHECK(right.status == "200");
  CHECK(right.headers.find("Strict-Transport-Security: max-age=31536000") != std::string::npos);
  CHECK(CurlGet(with(tls, {"-u", "prometheus:s3cret", base + "/-/healthy"})).status == "200");
  CHECK(CurlGet(with(tls, {"-u", "prometheus:s3cret", "-X", "POST", base + "/-/reload"})).status == "403");
  // No client certificate, or one the CA did not sign: the handshake is
  // refused and no HTTP answer comes (TLS 1.2 fails in the handshake; TLS 1.3
  // learns of it at the first read).
  for (const char* max : {"1.2", "1.3"}) {
    INFO("TLS " << max);
    const Curl no_cert = CurlGet({"--tls-max", max, "--cacert", d + "ca.crt", "-u", "prometheus:s3cret", base + "/metrics"});
    CHECK(no_cert.exit_code != 0);
    CHECK(no_cert.status == "000");
    const Curl intruder = CurlGet({"--tls-max", max, "--cacert", d + "ca.crt", "--cert", d + "intruder.crt", "--key",
                                   d + "intruder.key", "-u", "prometheus:s3cret", base + "/metrics"});
    CHECK(intruder.exit_code != 0);
    CHECK(intruder.status == "000");
  }
  // Plain HTTP gets nothing.
  CHECK(CurlGet({"http://127.0.0.1:" + std::to_string(port) + "/metrics"}).status == "000");

  // A real Prometheus scrapes /metrics through TLS, its client certificate and basic auth.
  const int prom_port = FreePort();
  const std::string prom_config = dir.Write(
      "prometheus.yml", "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
                        "scrape_configs:\n"
                        "  - job_name: probity\n"
                        "    scheme: https\n"
                        "    tls_config: {ca_file: " + d + "ca.crt, cert_file: " + d + "client.crt, key_file: " + d +
                            "client.key}\n"
                        "    basic_auth: {username: prometheus, password: s3cret}\n"
                        "    static_configs: [{targets: ['127.0.0.1:" + std::to_string(port) + "']}]\n"
                        "  - job_name: probity-no-auth\n"
                        "    scheme: https\n"
                        "    tls_config: {ca_file: " + d + "ca.crt, cert_file: " + d + "client.crt, key_file: " + d +
                            "client.key}\n"
                        "    static_configs: [{targets: ['127.0.0.1:" + std::to_string(port) + "']}]\n");
  ChildProcess prometheus({"prometheus", "--config.file=" + prom_config, "--storage.tsdb.path=" + d + "data",
                           "--web.listen-address=127.0.0.1:" + std::to_string(prom_port)});
  REQUIRE_FALSE(prometheus.WaitForLine("Server is ready to receive web requests", true, 60s).empty());
  std::string up, up_no_auth;
  for (int i = 0; i < 300 && (up.empty() || up_no_auth.empty()); ++i) {
    std::this_thread::sleep_for(100ms);
    SimpleResponse r = HttpGet(prom_port, "/api/v1/query?query=up");
    if (r.status != 200) continue;
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (j.is_discarded()) continue;
    for (const auto& series : j["data"]["result"]) {
      if (series["metric"]["job"] == "probity") up = series["value"][1];
      if (series["metric"]["job"] == "probity-no-auth") up_no_auth = series["value"][1];
    }
  }
  CHECK(up == "1");
  CHECK(up_no_auth == "0");
}

TEST_CASE("Basic auth without TLS can leave the health endpoints open for kubelet probes", "[integration][web]") {
  TempDir dir;
  const std::string web = dir.Write("web.yml", std::string("basic_auth_users:\n  prometheus: ") + kHash + "\n");
  const std::string config = dir.Write("probity.yaml", "global: {interval: 1h, log_level: warn}\ntargets: []\n");
  ChildProcess agent({PROBITY_BINARY, "run", "--config", config, "--listen", "127.0.0.1:0", "--web.config.file", web,
                      "--web.health-without-auth", "--log.level", "info"});
  const int port = AgentPort(agent);
  REQUIRE(port > 0);
  CHECK(HttpGet(port, "/-/healthy").status == 200);
  CHECK(HttpGet(port, "/-/ready").status == 200);
  CHECK(HttpGet(port, "/metrics").status == 401);
  CHECK(HttpGet(port, "/").status == 401);
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  CHECK(CurlGet({"-u", "prometheus:s3cret", base + "/metrics"}).status == "200");
  // The refusals are counted like any answer.
  const CommandResult body = RunCommand({"curl", "-sS", "-u", "prometheus:s3cret", base + "/metrics"});
  bool counted = false;
  std::istringstream lines(body.out);
  for (std::string line; std::getline(lines, line);) {
    counted |= line.rfind("probity_http_requests_total{", 0) == 0 && line.find("code=\"401\"") != std::string::npos &&
               line.find("handler=\"/metrics\"") != std::string::npos;
  }
  CHECK(counted);
}

TEST_CASE("POST /-/reload answers 403 without --web.enable-lifecycle and reloads with it, and SIGHUP always reloads",
          "[integration][web]") {
  TempDir dir;
  const std::string config = dir.Write("probity.yaml", "global: {interval: 1h, log_level: warn}\ntargets: []\n");
  {
    ChildProcess agent({PROBITY_BINARY, "run", "--config", config, "--listen", "127.0.0.1:0", "--log.level", "info"});
    const int port = AgentPort(agent);
    REQUIRE(port > 0);
    const CommandResult r = RunCommand({"curl", "-sS", "-X", "POST", "-w", "\n%{http_code}",
                                        "http://127.0.0.1:" + std::to_string(port) + "/-/reload"});
    CHECK(r.out.find("--web.enable-lifecycle") != std::string::npos);
    CHECK(r.out.substr(r.out.size() - 3) == "403");
    agent.Signal(SIGHUP, 0ms);
    CHECK_FALSE(agent.WaitForLine("configuration reloaded", true, 10s).empty());
    CHECK(agent.Running());
  }
  ChildProcess agent({PROBITY_BINARY, "run", "--config", config, "--listen", "127.0.0.1:0", "--web.enable-lifecycle",
                      "--log.level", "info"});
  const int port = AgentPort(agent);
  REQUIRE(port > 0);
  const CommandResult r = RunCommand({"curl", "-sS", "-X", "POST", "-w", "\n%{http_code}",
                                      "http://127.0.0.1:" + std::to_string(port) + "/-/reload"});
  CHECK(r.out.substr(r.out.size() - 3) == "200");
  CHECK(r.out.find("configuration reloaded") != std::string::npos);
}

#include <catch2/catch.hpp>

#include "config/config.h"
#include "support/process.h"

using namespace probity;
using probity::testing::RunCommand;
using probity::testing::TempDir;

namespace {

constexpr char kHash[] = "$2y$10$n5odXtLwgVfnB0mtygNu1OlTvOosIp4qjxdGcAdZNMXObK9ewrX.y";

std::string Joined(const std::vector<ConfigError>& errors) {
  std::string out;
  for (const auto& e : errors) out += e.ToString() + "\n";
  return out;
}

std::string ErrorsOf(const std::string& yaml) {
  std::vector<ConfigError> errors;
  ParseWebConfig(yaml, "web.yml", &errors);
  return Joined(errors);
}

// A self-signed certificate and its key, made by openssl in `dir`.
void MakeCertificate(const TempDir& dir) {
  REQUIRE(RunCommand({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                      "-keyout", dir.path() + "/key.pem", "-out", dir.path() + "/cert.pem"})
              .exit_code == 0);
}

}  // namespace

TEST_CASE("A web config in exporter-toolkit's format loads, its files read beside it", "[config][web]") {
  TempDir dir;
  MakeCertificate(dir);
  const std::string path = dir.Write("web.yml", std::string("tls_server_config:\n"
                                                            "  cert_file: cert.pem\n"
                                                            "  key_file: key.pem\n"
                                                            "  client_auth_type: RequireAndVerifyClientCert\n"
                                                            "  client_ca_file: cert.pem\n"
                                                            "  min_version: TLS13\n"
                                                            "basic_auth_users:\n"
                                                            "  prometheus: ") +
                                                    kHash +
                                                    "\nhttp_server_config:\n"
                                                    "  headers: {Strict-Transport-Security: max-age=31536000, "
                                                    "X-Frame-Options: deny}\n");
  std::vector<ConfigError> errors;
  const WebConfig web = LoadWebConfigFile(path, &errors);
  INFO(Joined(errors));
  REQUIRE(errors.empty());
  CHECK(web.tls);
  CHECK(web.cert_pem.find("-----BEGIN CERTIFICATE-----") == 0);
  CHECK(web.key_pem.find("-----BEGIN PRIVATE KEY-----") == 0);
  CHECK(web.client_ca_pem == web.cert_pem);
  CHECK(web.require_client_cert);
  CHECK(web.min_version == "TLS13");
  CHECK(web.max_version == "TLS13");
  CHECK(web.basic_auth_users.at("prometheus") == kHash);
  REQUIRE(web.headers.size() == 2);
  CHECK(web.headers[0].first == "Strict-Transport-Security");
}

TEST_CASE("A web config's mistakes and unsupported keys are errors at their line and column", "[config][web]") {
  // An exporter-toolkit key Probity does not implement says so.
  CHECK(ErrorsOf("tls_server_config:\n  cert_file: /x\n  key_file: /y\n  cipher_suites: [TLS_AES_128_GCM_SHA256]\n")
            .find("web.yml:4:3: tls_server_config.cipher_suites is not supported by Probity") != std::string::npos);
  CHECK(ErrorsOf("http_server_config:\n  http2: false\n").find("web.yml:2:3: http_server_config.http2 is not supported") !=
        std::string::npos);
  // A typo is an unknown key.
  CHECK(ErrorsOf("basic_auth_user:\n  a: b\n").find("web.yml:1:1: unknown key \"basic_auth_user\"") != std::string::npos);
  // Only bcrypt hashes.
  CHECK(ErrorsOf("basic_auth_users:\n  alice: plaintext\n").find("web.yml:2:10: basic_auth_users.alice: not a bcrypt hash") !=
        std::string::npos);
  CHECK(ErrorsOf("basic_auth_users:\n  alice: $1$abc$abcdefghijklmnopqrstuv\n").find("not a bcrypt hash") !=
        std::string::npos);
  // Client CAs without a policy are refused, as exporter-toolkit refuses them.
  const std::string no_policy = ErrorsOf("tls_server_config:\n  cert_file: /nonexistent.pem\n  key_file: /k\n"
                                         "  client_ca_file: /c\n");
  CHECK(no_policy.find("client_ca_file is set but client_auth_type is NoClientCert") != std::string::npos);
  // A missing file names its path; a policy exporter-toolkit has and Probity does not is named.
  CHECK(no_policy.find("web.yml:2:14: tls_server_config.cert_file: ") != std::string::npos);
  CHECK(no_policy.find("/nonexistent.pem") != std::string::npos);
  CHECK(ErrorsOf("tls_server_config:\n  cert_file: /x\n  key_file: /y\n  client_auth_type: RequireAnyClientCert\n")
            .find("RequireAnyClientCert is not supported by Probity") != std::string::npos);
  CHECK(ErrorsOf("tls_server_config:\n  client_auth_type: RequireAndVerifyClientCert\n")
            .find("needs client_ca_file") != std::string::npos);
  CHECK(ErrorsOf("tls_server_config:\n  min_version: TLS13\n  max_version: TLS12\n").find("min_version is above max_version") !=
        std::string::npos);
  CHECK(ErrorsOf("tls_server_config:\n  min_version: SSL3\n").find("web.yml:2:16: tls_server_config.min_version must be") !=
        std::string::npos);
  // Only the response headers exporter-toolkit admits, with valid values.
  CHECK(ErrorsOf("http_server_config:\n  headers: {Set-Cookie: a}\n").find("\"Set-Cookie\" is not one of") !=
        std::string::npos);
  CHECK(ErrorsOf("http_server_config:\n  headers: {X-Content-Type-Options: sniff}\n").find("invalid value") !=
        std::string::npos);
  CHECK(ErrorsOf("basic_auth_users: [a]\n").find("web.yml:1:19: basic_auth_users must be a mapping") !=
        std::string::npos);
}

TEST_CASE("A web config that is a FIFO or not a file is refused at once", "[config][web]") {
  TempDir dir;
  const std::string fifo = dir.path() + "/web.yml";
  REQUIRE(RunCommand({"mkfifo", fifo}).exit_code == 0);
  std::vector<ConfigError> errors;
  LoadWebConfigFile(fifo, &errors);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].ToString().find(fifo + ": ") == 0);
  errors.clear();
  LoadWebConfigFile("/dev/zero", &errors);
  CHECK(errors.size() == 1);
}

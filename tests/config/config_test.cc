#include <catch2/catch.hpp>

#include <cstdlib>
#include <map>

#include "checks/catalogue.h"
#include "config/config.h"
#include "support/process.h"

using namespace probity;
using namespace std::chrono_literals;

namespace {

std::vector<ConfigError> ErrorsOf(const std::string& yaml) {
  std::vector<ConfigError> errors;
  Config config = ParseConfig(yaml, "test.yaml", &errors);
  ResolvePlans(config, &errors);
  return errors;
}

std::string Joined(const std::vector<ConfigError>& errors) {
  std::string out;
  for (const auto& e : errors) out += e.ToString() + "\n";
  return out;
}

}  // namespace

TEST_CASE("A valid configuration loads with its settings", "[config]") {
  std::vector<ConfigError> errors;
  Config c = ParseConfig(R"(
global: {interval: 1m, timeout: 2s, listen: "127.0.0.1:9999", max_concurrent_probes: 8}
targets:
  - name: orders
    url: http://127.0.0.1:8080
    labels: {team: payments}
    interval: 15s
    endpoints: {liveness: /livez, readiness: /readyz}
    http:
      headers: {X-Probe: "yes"}
      max_body_size: 1MiB
      max_redirects: 3
    checklist: strict
    checks:
      health.latency.budget: {params: {budget: 100ms}}
checklists:
  strict:
    extends: default
    overrides:
      health.format.recognized: {severity: critical}
    disable: [health.details.safe]
)", "c.yaml", &errors);
  auto plans = ResolvePlans(c, &errors);
  INFO(Joined(errors));
  REQUIRE(errors.empty());
  CHECK(c.global.interval == 1min);
  REQUIRE(c.targets.size() == 1);
  const TargetConfig& t = c.targets[0];
  CHECK(t.interval == 15s);
  CHECK(t.http.timeout == 2s);
  CHECK(t.http.max_body_bytes == 1u << 20);
  CHECK(t.labels.at("team") == "payments");
  const CheckPlan& plan = plans.at("orders");
  CHECK(plan.size() == Catalogue().size() - 1);
  for (const PlannedCheck& p : plan) {
    CHECK(p.info->id != "health.details.safe");
    if (p.info->id == "health.format.recognized") CHECK(p.severity == Severity::kCritical);
    if (p.info->id == "health.latency.budget") CHECK(p.params.GetDuration("budget") == 100ms);
  }
}

TEST_CASE("Three different mistakes give three positioned errors at once", "[config]") {
  const std::string yaml =
      "global:\n"
      "  interval: 30x\n"                      // line 2: bad duration
      "targets:\n"
      "  - name: a\n"
      "    url: http://127.0.0.1:1\n"
      "    colour: blue\n"                     // line 6: unknown key
      "checklists:\n"
      "  mine:\n"
      "    disable: [health.no.such.check]\n";  // line 9: unknown check id
  auto errors = ErrorsOf(yaml);
  INFO(Joined(errors));
  REQUIRE(errors.size() == 3);
  CHECK(errors[0].ToString().rfind("test.yaml:2:13: global.interval: invalid duration", 0) == 0);
  CHECK(errors[1].ToString().rfind("test.yaml:6:5: unknown key \"colour\"", 0) == 0);
  CHECK(errors[2].ToString().rfind("test.yaml:9:15: unknown check id \"health.no.such.check\"", 0) == 0);
}

TEST_CASE("Wrong types, duplicate names and bad values are all reported", "[config]") {
  auto errors = ErrorsOf(R"(targets:
  - name: a
    url: http://127.0.0.1:1
    discover: maybe
  - name: a
    url: not-a-url
    timeout: [1s]
  - url: http://127.0.0.1:2
)");
  const std::string all = Joined(errors);
  INFO(all);
  CHECK(all.find("test.yaml:4:15: target \"a\".discover must be true or false") != std::string::npos);
  CHECK(all.find("test.yaml:5:11: duplicate target name \"a\" (first defined at line 2)") != std::string::npos);
  CHECK(all.find("test.yaml:6:10: target \"a\".url: invalid URL") != std::string::npos);
  CHECK(all.find("test.yaml:7:14: target \"a\".timeout must be a single value") != std::string::npos);
  CHECK(all.find("a target needs a name") != std::string::npos);
}

TEST_CASE("Check overrides are validated against the catalogue", "[config]") {
  auto errors = ErrorsOf(R"(checklists:
  strict:
    extends: missing
    overrides:
      health.latency.budget: {severity: fatal, params: {budget: fast, colour: red}}
      metrics.not.yet: {severity: critical}
targets:
  - {name: x, url: "http://127.0.0.1:1", checklist: nope}
)");
  const std::string all = Joined(errors);
  INFO(all);
  CHECK(all.find("test.yaml:3:14: unknown checklist \"missing\"") != std::string::npos);
  CHECK(all.find("test.yaml:5:41: severity of health.latency.budget must be critical, warning or info") != std::string::npos);
  CHECK(all.find("health.latency.budget parameter budget: invalid duration \"fast\"") != std::string::npos);
  CHECK(all.find("has no parameter \"colour\" (known: budget, requests)") != std::string::npos);
  CHECK(all.find("test.yaml:6:7: unknown check id \"metrics.not.yet\"") != std::string::npos);
  CHECK(all.find("test.yaml:8:53: unknown checklist \"nope\"") != std::string::npos);
}

TEST_CASE("Checklist cycles and a redefined default are errors", "[config]") {
  auto errors = ErrorsOf(R"(checklists:
  default: {}
  a: {extends: b}
  b: {extends: a}
)");
  const std::string all = Joined(errors);
  INFO(all);
  CHECK(all.find("checklist \"default\" is built in") != std::string::npos);
  CHECK(all.find("which is a cycle") != std::string::npos);
}

TEST_CASE("YAML syntax errors carry the parser's position", "[config]") {
  auto errors = ErrorsOf("targets:\n  - name: [unclosed\n");
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].ToString().rfind("test.yaml:", 0) == 0);
  CHECK(errors[0].message.find("YAML syntax error") != std::string::npos);
}

TEST_CASE("Secrets come from files or the environment and are never echoed", "[config]") {
  testing::TempDir dir;
  const std::string token_file = dir.Write("token", "file-token-value\n");
  setenv("PROBITY_TEST_PASSWORD", "env-password-value", 1);
  std::vector<ConfigError> errors;
  Config c = ParseConfig("targets:\n"
                         "  - name: a\n    url: http://127.0.0.1:1\n    http: {bearer_token_file: " + token_file + "}\n"
                         "  - name: b\n    url: http://127.0.0.1:1\n"
                         "    http: {basic_auth: {username: u, password: \"${PROBITY_TEST_PASSWORD}\"}}\n"
                         "  - name: c\n    url: http://127.0.0.1:1\n"
                         "    http: {basic_auth: {username: u, password: \"${PROBITY_TEST_UNSET_VAR}\"}}\n",
                         "s.yaml", &errors);
  REQUIRE(c.targets.size() == 3);
  CHECK(c.targets[0].http.bearer_token.Reveal() == "file-token-value");
  CHECK(c.targets[1].http.basic_auth_password.Reveal() == "env-password-value");
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].message.find("PROBITY_TEST_UNSET_VAR\" is not set") != std::string::npos);
  for (const auto& e : errors) CHECK(e.message.find("env-password-value") == std::string::npos);
}

TEST_CASE("An Authorization header must be configured as a secret", "[config]") {
  auto errors = ErrorsOf("targets:\n  - {name: a, url: \"http://127.0.0.1:1\", http: {headers: {Authorization: Bearer x}}}\n");
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].message.find("bearer_token_file") != std::string::npos);
  CHECK(errors[0].message.find("Bearer x") == std::string::npos);
}

TEST_CASE("The embedded default configuration is valid", "[config]") {
  std::vector<ConfigError> errors;
  Config c = ParseConfig(DefaultConfigYaml(), "<embedded default>", &errors);
  ResolvePlans(c, &errors);
  CHECK(errors.empty());
  CHECK(c.global.listen == ":9465");
  CHECK(c.global.timeout == kDefaultTimeout);
}

TEST_CASE("The shipped example configuration is valid", "[config]") {
  std::vector<ConfigError> errors;
  Config c = LoadConfigFile(std::string(PROBITY_SOURCE_DIR) + "/config/probity.yaml", &errors);
  ResolvePlans(c, &errors);
  INFO(Joined(errors));
  CHECK(errors.empty());
  CHECK(c.targets.size() == 2);
}

TEST_CASE("A timeout longer than the interval is rejected", "[config]") {
  auto errors = ErrorsOf("targets:\n  - {name: a, url: \"http://127.0.0.1:1\", interval: 1s, timeout: 5s}\n");
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].message.find("must not exceed interval") != std::string::npos);
}

TEST_CASE("The built-in exporter checklist is default without the RED, tracing and api checks", "[config]") {
  std::vector<ConfigError> errors;
  Config c = ParseConfig(R"(targets:
  - {name: node, url: "http://127.0.0.1:9100", checklist: exporter}
  - {name: strict-node, url: "http://127.0.0.1:9101", checklist: strict-exporter}
checklists:
  strict-exporter:
    extends: exporter
    overrides: {metrics.lint.help: {severity: critical}}
)",
                         "test.yaml", &errors);
  auto plans = ResolvePlans(c, &errors);
  INFO(Joined(errors));
  REQUIRE(errors.empty());
  const CheckPlan& plan = plans.at("node");
  CHECK(plan.size() < DefaultPlan().size());
  bool has_metrics_valid = false;
  for (const PlannedCheck& p : plan) {
    INFO(p.info->id);
    CHECK(p.info->id.rfind("metrics.red.", 0) != 0);
    CHECK(p.info->category() != "tracing");
    CHECK(p.info->category() != "api");
    has_metrics_valid |= p.info->id == "metrics.exposition.valid";
  }
  CHECK(has_metrics_valid);
  CHECK(plans.at("strict-node").size() == plan.size());

  CHECK(Joined(ErrorsOf("checklists:\n  exporter: {}\n")).find("checklist \"exporter\" is built in") !=
        std::string::npos);
}

TEST_CASE("Service-discovery sources and their target templates are checked like targets", "[config][sd]") {
  std::vector<ConfigError> errors;
  Config config = ParseConfig("global: {shard: 1/3}\n"
                              "file_sd_configs:\n"
                              "  - files: [/etc/probity/targets/*.json]\n"
                              "    refresh_interval: 30s\n"
                              "    target: {checklist: exporter, labels: {team: a}, endpoints: {metrics: /m}}\n"
                              "http_sd_configs:\n"
                              "  - url: http://sd.example/targets\n"
                              "    http: {bearer_token: abc}\n",
                              "test.yaml", &errors);
  ResolvePlans(config, &errors);
  INFO(Joined(errors));
  REQUIRE(errors.empty());
  REQUIRE(config.service_discovery.size() == 2);
  CHECK(config.global.shard->ToString() == "1/3");
  const SdConfig& file = config.service_discovery[0];
  CHECK(file.kind == SdConfig::Kind::kFile);
  CHECK(file.refresh_interval == 30s);
  CHECK(file.target.checklist.name == "exporter");
  CHECK(file.target.labels.at("team") == "a");
  const SdConfig& http = config.service_discovery[1];
  CHECK(http.kind == SdConfig::Kind::kHttp);
  CHECK(http.refresh_interval == 60s);  // Prometheus' defaults: 5m for files, 60s for URLs
  CHECK(config.service_discovery[1].target.checklist.name == "default");

  const std::string mistakes = Joined(ErrorsOf("file_sd_configs:\n"
                                               "  - files: [targets.txt]\n"
                                               "    target: {checklist: nope, name: x}\n"
                                               "  - refresh_interval: 0s\n"
                                               "http_sd_configs:\n"
                                               "  - url: ftp://x\n"
                                               "global: {shard: 3/3}\n"));
  CHECK(mistakes.find("test.yaml:2:13: file_sd_configs[0].files: \"targets.txt\" must end in .json, .yml or .yaml") !=
        std::string::npos);
  CHECK(mistakes.find("test.yaml:3:31: unknown key \"name\" in target template") != std::string::npos);
  CHECK(mistakes.find("test.yaml:3:25: unknown checklist \"nope\"") != std::string::npos);
  CHECK(mistakes.find("file_sd_configs[1] needs files") != std::string::npos);
  CHECK(mistakes.find("file_sd_configs[1].refresh_interval must be greater than zero") != std::string::npos);
  CHECK(mistakes.find("test.yaml:6:10: http_sd_configs[0].url: ") != std::string::npos);
  CHECK(mistakes.find("test.yaml:7:17: global.shard: shard 3/3: I must be below N") != std::string::npos);
}

namespace {

// Files that exist only in memory: what the configuration reads goes
// through the FileSystem seam.
class MemoryFileSystem final : public FileSystem {
 public:
  std::map<std::string, std::string> files;
  mutable std::vector<std::string> reads;
  StatusOr<std::string> ReadFile(const std::string& path, std::uint64_t max_bytes) const override {
    reads.push_back(path);
    auto it = files.find(path);
    if (it == files.end()) return Status::Error(path + ": No such file or directory");
    if (it->second.size() > max_bytes) return Status::Error(path + ": larger than the limit");
    return it->second;
  }
};

}  // namespace

TEST_CASE("The configuration and the files it names are read through the file-system seam", "[config]") {
  MemoryFileSystem fs;
  fs.files["/etc/probity/probity.yml"] =
      "targets:\n  - name: api\n    url: http://api:8080\n"
      "    http: {basic_auth: {username: u, password_file: /run/secrets/pw}}\n";
  fs.files["/run/secrets/pw"] = "from-memory\n";
  std::vector<ConfigError> errors;
  Config config = LoadConfigFile("/etc/probity/probity.yml", &errors, fs);
  REQUIRE(errors.empty());
  CHECK(config.targets.at(0).http.basic_auth_password.Reveal() == "from-memory");
  CHECK(fs.reads == std::vector<std::string>{"/etc/probity/probity.yml", "/run/secrets/pw"});

  fs.files.erase("/run/secrets/pw");
  errors.clear();
  LoadConfigFile("/etc/probity/probity.yml", &errors, fs);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].ToString().find("password_file: /run/secrets/pw: No such file or directory") != std::string::npos);
}

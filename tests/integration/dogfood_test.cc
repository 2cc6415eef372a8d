#include <catch2/catch.hpp>

#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/certs.h"
#include "support/process.h"

using namespace probity::testing;
using namespace std::chrono_literals;

// Dogfood, whole: a `probity run` serving TLS through its web configuration,
// scraped by a real Prometheus with an alerting rule on it and a real
// Alertmanager attached, is scanned by `probity scan` with every category
// checked (api through its own /openapi.json, tls, monitoring, logs through
// its log file). Every check must pass, and the level is gold.

TEST_CASE("probity scan of a probity run serving TLS, watched by a real Prometheus, is gold with every check passing",
          "[integration][server][dogfood]") {
  REQUIRE(RunCommand({"sh", "-c", "command -v prometheus && command -v prometheus-alertmanager"}).exit_code == 0);
  SampleBackend backend;
  TempDir dir;
  TestCa ca(dir.path());
  const CertFiles cert = ca.Issue("agent", {"localhost", "127.0.0.1"});
  const std::string web = dir.Write("web.yml", "tls_server_config:\n  cert_file: " + cert.cert +
                                                   "\n  key_file: " + cert.key + "\n");
  const std::string log_file = dir.path() + "/probity.log";
  const std::string agent_config = dir.Write(
      "probity.yaml", "global: {interval: 1s, timeout: 1s}\ntargets:\n  - {name: backend, url: \"" + backend.url() +
                          "\", labels: {team: a}}\n");
  ChildProcess agent({PROBITY_BINARY, "run", "--config", agent_config, "--listen", "127.0.0.1:0", "--web.config.file",
                      web, "--log-file", log_file});
  const int agent_port = AgentPort(agent);
  REQUIRE(agent_port > 0);
  const std::string agent_address = "127.0.0.1:" + std::to_string(agent_port);

  const int am_port = FreePort();
  dir.Write("alertmanager.yml", "route: {receiver: oncall}\nreceivers: [{name: oncall}]\n");
  ChildProcess alertmanager({"prometheus-alertmanager", "--config.file=" + dir.path() + "/alertmanager.yml",
                             "--storage.path=" + dir.path() + "/am",
                             "--web.listen-address=127.0.0.1:" + std::to_string(am_port), "--cluster.listen-address="});
  dir.Write("rules.yml",
            "groups:\n  - name: probity\n    rules:\n"
            "      - alert: ProbityDown\n        expr: up{job=\"probity\"} == 0\n        for: 5m\n"
            "        labels: {severity: page}\n"
            "        annotations: {runbook_url: \"https://example.org/runbooks#probitydown\"}\n");
  const int prom_port = FreePort();
  const std::string prom_config = dir.Write(
      "prometheus.yml", "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
                        "rule_files: [\"" + dir.path() + "/rules.yml\"]\n"
                        "alerting:\n  alertmanagers:\n    - static_configs: [{targets: ['127.0.0.1:" +
                            std::to_string(am_port) + "']}]\n"
                        "scrape_configs:\n  - job_name: probity\n    scheme: https\n"
                        "    tls_config: {ca_file: \"" + ca.cert_file() + "\"}\n"
                        "    static_configs: [{targets: ['" + agent_address + "']}]\n");
  ChildProcess prometheus({"prometheus", "--config.file=" + prom_config, "--storage.tsdb.path=" + dir.path() + "/data",
                           "--web.listen-address=127.0.0.1:" + std::to_string(prom_port)});
  REQUIRE_FALSE(prometheus.WaitForLine("Server is ready to receive web requests", true, 60s).empty());
  REQUIRE(WaitForBody(prom_port, "/api/v1/targets?state=active", {"\"health\":\"up\""}));
  REQUIRE(WaitForBody(prom_port, "/api/v1/rules?type=alert", {"ProbityDown", "\"health\":\"ok\""}));
  REQUIRE(WaitForBody(prom_port, "/api/v1/alertmanagers", {std::to_string(am_port)}));

  const std::string scan_config = dir.Write(
      "scan.yaml", "targets:\n  - name: probity\n    url: \"https://" + agent_address + "\"\n"
                   "    labels: {job: probity}\n"
                   "    http: {tls: {ca_file: \"" + ca.cert_file() + "\"}}\n"
                   "    logs: {file: \"" + log_file + "\"}\n"
                   "    prometheus: {url: \"http://127.0.0.1:" + std::to_string(prom_port) + "\"}\n");
  CommandResult scan = RunCommand({PROBITY_BINARY, "scan", "--config", scan_config, "--format", "json"});
  INFO(scan.out << scan.err);
  REQUIRE(scan.exit_code == 0);
  const nlohmann::json report = nlohmann::json::parse(scan.out);
  const nlohmann::json& target = report["targets"][0];
  CHECK(target["level"] == "gold");
  CHECK(target["ready"] == true);
  std::map<std::string, int> passed;
  for (const auto& check : target["checks"]) {
    INFO(check["id"] << ": " << check["detail"]);
    CHECK(check["status"] == "pass");
    passed[check["category"]] += check["status"] == "pass";
  }
  CHECK(passed["api"] == 3);
  CHECK(passed["tls"] == 3);
  CHECK(passed["monitoring"] == 4);
  CHECK(passed["logs"] == 10);
}

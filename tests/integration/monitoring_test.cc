#include <catch2/catch.hpp>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/process.h"

using namespace probity::testing;
using namespace std::chrono_literals;

// The monitoring category end to end: `probity scan --prometheus` against a
// real Prometheus (Debian) that scrapes a sample backend with rule files, and
// a real Alertmanager attached, then stopped.

namespace {

using Verdicts = std::map<std::string, std::map<std::string, std::pair<std::string, std::string>>>;

Verdicts Scan(const std::string& config, int prometheus_port) {
  CommandResult scan = RunCommand({PROBITY_BINARY, "scan", "--config", config, "--format", "json", "--prometheus",
                                   "http://127.0.0.1:" + std::to_string(prometheus_port)});
  INFO(scan.out << scan.err);
  REQUIRE(!scan.out.empty());
  Verdicts out;
  const nlohmann::json report = nlohmann::json::parse(scan.out);
  for (const auto& target : report["targets"]) {
    for (const auto& c : target["checks"]) {
      if (c["category"] == "monitoring") out[target["name"]][c["id"]] = {c["status"], c["detail"]};
    }
  }
  return out;
}

}  // namespace

TEST_CASE("Against a real Prometheus and Alertmanager, every monitoring check passes and fails where it should",
          "[integration][monitoring]") {
  REQUIRE(RunCommand({"sh", "-c", "command -v prometheus && command -v prometheus-alertmanager"}).exit_code == 0);
  SampleBackend backend;  // scraped as job "backend", with an alert that has a runbook
  SampleBackend other;    // not scraped; an alert on its job has no runbook
  TempDir dir;

  const int am_port = FreePort();
  dir.Write("alertmanager.yml", "route: {receiver: blackhole}\nreceivers: [{name: blackhole}]\n");
  auto alertmanager = std::make_unique<ChildProcess>(std::vector<std::string>{
      "prometheus-alertmanager", "--config.file=" + dir.path() + "/alertmanager.yml",
      "--storage.path=" + dir.path() + "/am", "--web.listen-address=127.0.0.1:" + std::to_string(am_port),
      "--cluster.listen-address="});
  REQUIRE(WaitForBody(am_port, "/-/ready", {}));

  dir.Write("rules.yml",
            "groups:\n"
            "  - name: backend\n    rules:\n"
            "      - alert: BackendErrors\n"
            "        expr: sum(rate(http_requests_total{job=\"backend\",code=~\"5..\"}[5m])) > 1\n"
            "        labels: {severity: page}\n"
            "        annotations: {runbook_url: \"https://runbooks.example/backend-errors\"}\n"
            "  - name: other\n    rules:\n"
            "      - alert: OtherDown\n        expr: up{job=\"other\"} == 0\n");
  const std::string backend_address = backend.url().substr(std::string("http://").size());
  const int port = FreePort();
  const std::string prom_config = dir.Write(
      "prometheus.yml", "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
                        "rule_files: [\"" + dir.path() + "/rules.yml\"]\n"
                        "alerting:\n  alertmanagers:\n    - static_configs: [{targets: ['127.0.0.1:" +
                            std::to_string(am_port) + "']}]\n"
                        "scrape_configs:\n  - job_name: backend\n    static_configs: [{targets: ['" +
                            backend_address + "']}]\n");
  ChildProcess prometheus({"prometheus", "--config.file=" + prom_config, "--storage.tsdb.path=" + dir.path() + "/data",
                           "--web.listen-address=127.0.0.1:" + std::to_string(port)});
  REQUIRE_FALSE(prometheus.WaitForLine("Server is ready to receive web requests", true, 60s).empty());
  REQUIRE(WaitForBody(port, "/api/v1/targets?state=active", {"\"health\":\"up\""}));
  REQUIRE(WaitForBody(port, "/api/v1/rules?type=alert", {"BackendErrors", "OtherDown", "\"health\":\"ok\""}));
  REQUIRE(WaitForBody(port, "/api/v1/alertmanagers", {std::to_string(am_port)}));

  const std::string config = dir.Write(
      "scan.yaml", "global: {timeout: 5s}\ntargets:\n"
                   "  - {name: backend, url: \"" + backend.url() + "\", tracing: {wait: 100ms}}\n"
                   "  - {name: other, url: \"" + other.url() + "\", tracing: {wait: 100ms}}\n"
                   "  - {name: lonely, url: \"http://127.0.0.1:" + std::to_string(FreePort()) + "\"}\n");
  Verdicts v = Scan(config, port);
  auto status = [&](const std::string& target, const std::string& id) {
    INFO(target << " " << id << ": " << v[target][id].second);
    return v[target][id].first;
  };
  for (const char* id : {"monitoring.scraped", "monitoring.alerts.defined", "monitoring.alerts.runbook",
                         "monitoring.alerts.routed"}) {
    CHECK(status("backend", id) == "pass");
  }
  CHECK(v["backend"]["monitoring.scraped"].second.find("job backend") != std::string::npos);
  CHECK(status("other", "monitoring.scraped") == "fail");
  CHECK(v["other"]["monitoring.scraped"].second.find("Prometheus scrapes: backend") != std::string::npos);
  CHECK(status("other", "monitoring.alerts.defined") == "pass");
  CHECK(status("other", "monitoring.alerts.runbook") == "fail");
  CHECK(v["other"]["monitoring.alerts.runbook"].second.find("OtherDown") != std::string::npos);
  CHECK(status("lonely", "monitoring.scraped") == "fail");
  CHECK(status("lonely", "monitoring.alerts.defined") == "fail");
  CHECK(status("lonely", "monitoring.alerts.runbook") == "skip");

  // Prometheus keeps listing the stopped Alertmanager; routed asks it and fails.
  alertmanager.reset();
  v = Scan(config, port);
  CHECK(status("backend", "monitoring.alerts.routed") == "fail");
  CHECK(v["backend"]["monitoring.alerts.routed"].second.find("none answers") != std::string::npos);
  CHECK(status("backend", "monitoring.scraped") == "pass");

  // A Prometheus that is down, and something that is not Prometheus, are errors with the reason.
  v = Scan(config, FreePort());
  CHECK(status("backend", "monitoring.scraped") == "error");
  CHECK(status("backend", "monitoring.alerts.routed") == "error");
  v = Scan(config, std::stoi(backend.url().substr(backend.url().rfind(':') + 1)));
  CHECK(status("backend", "monitoring.scraped") == "error");
  CHECK(v["backend"]["monitoring.scraped"].second.find("cannot read") != std::string::npos);
}

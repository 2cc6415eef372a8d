#include <catch2/catch.hpp>

#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/process.h"

using namespace probity::testing;
using namespace std::chrono_literals;

// Real Prometheus from Debian: Probity scans it with zero configuration, and
// it scrapes Probity's own /metrics.
TEST_CASE("Zero-config scan of a real Prometheus, which scrapes Probity in turn", "[integration][prometheus]") {
  REQUIRE(RunCommand({"sh", "-c", "command -v prometheus"}).exit_code == 0);
  SampleBackend backend;
  TempDir dir;
  const std::string probity_config =
      dir.Write("probity.yaml", "global: {interval: 1s, timeout: 1s}\ntargets:\n  - {name: backend, url: \"" +
                                    backend.url() + "\"}\n");
  ChildProcess agent({PROBITY_BINARY, "run", "--config", probity_config, "--listen", "127.0.0.1:0"});
  const int agent_port = AgentPort(agent);
  REQUIRE(agent_port > 0);

  const int port = FreePort();
  const std::string prom_config = dir.Write(
      "prometheus.yml", "global: {scrape_interval: 1s, evaluation_interval: 1s}\nscrape_configs:\n"
                        "  - job_name: probity\n    static_configs: [{targets: ['127.0.0.1:" +
                            std::to_string(agent_port) + "']}]\n");
  ChildProcess prometheus({"prometheus", "--config.file=" + prom_config, "--storage.tsdb.path=" + dir.path() + "/data",
                           "--web.listen-address=127.0.0.1:" + std::to_string(port)});
  REQUIRE_FALSE(prometheus.WaitForLine("Server is ready to receive web requests", true, 60s).empty());

  const std::string url = "http://127.0.0.1:" + std::to_string(port);
  CommandResult scan = RunCommand({PROBITY_BINARY, "scan", url, "--format", "json"});
  INFO(scan.out << scan.err);
  REQUIRE((scan.exit_code == 0 || scan.exit_code == 3));
  auto report = nlohmann::json::parse(scan.out);
  for (const char* key : {"probity_version", "started_at", "duration_seconds", "targets"}) CHECK(report.contains(key));
  const auto& target = report["targets"][0];
  for (const char* key : {"name", "url", "score", "level", "ready", "critical_failures", "categories", "checks"}) {
    CHECK(target.contains(key));
  }
  std::map<std::string, nlohmann::json> checks;
  for (const auto& c : target["checks"]) checks[c["id"]] = c;
  // Prometheus serves /-/healthy and /-/ready; discovery finds them.
  CHECK(checks["health.liveness.reachable"]["status"] == "pass");
  CHECK(checks["health.liveness.reachable"]["detail"].get<std::string>().find("/-/healthy") != std::string::npos);
  CHECK(checks["health.readiness.reachable"]["status"] == "pass");
  CHECK(checks["health.readiness.reachable"]["detail"].get<std::string>().find("/-/ready") != std::string::npos);
  // Its plain-text health bodies follow no machine-readable convention.
  CHECK(checks["health.format.recognized"]["status"] == "fail");
  CHECK(target["ready"] == true);
  CHECK(scan.exit_code == 0);

  // Prometheus scrapes Probity's /metrics without complaint.
  bool up = false;
  for (int i = 0; i < 300 && !up; ++i) {
    std::this_thread::sleep_for(100ms);
    SimpleResponse r = HttpGet(port, "/api/v1/query?query=probity_score_ratio%7Btarget%3D%22backend%22%7D%20%2A%20on%28instance%29%20group_left%20up");
    if (r.status != 200) continue;
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    up = !j.is_discarded() && !j["data"]["result"].empty() && j["data"]["result"][0]["value"][1] == "1";
  }
  CHECK(up);
}

#include <catch2/catch.hpp>

#include <httplib.h>
#include <signal.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "checks/catalogue.h"
#include "core/logger.h"
#include "server/agent_server.h"
#include "support/fake_http_client.h"
#include "support/process.h"
#include "support/test_servers.h"

using namespace probity::testing;
using namespace std::chrono_literals;

namespace {

// A running `probity run` on an ephemeral port.
struct RunningAgent {
  TempDir dir;
  std::string config;
  std::unique_ptr<ChildProcess> process;
  int port = 0;

  std::string log_file;

  explicit RunningAgent(const std::string& yaml) {
    config = dir.Write("probity.yaml", yaml);
    log_file = dir.path() + "/probity.log";
    process = std::make_unique<ChildProcess>(std::vector<std::string>{
        PROBITY_BINARY, "run", "--config", config, "--listen", "127.0.0.1:0", "--log-file", log_file,
        "--web.enable-lifecycle"});
    port = AgentPort(*process);
    if (port == 0) throw std::runtime_error("probity run did not start: " + process->Stderr());
  }

  bool WaitReady() {
    for (int i = 0; i < 600; ++i) {
      if (HttpGet(port, "/-/ready").status == 200) return true;
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }

  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port); }

  // `probity scan` of this agent, its own log file the log source (so logs
  // and tracing are checked too): the report's one target.
  nlohmann::json ScanItself() {
    const std::string scan_config = dir.Write(
        "scan.yaml", "targets:\n  - name: probity\n    url: \"" + Url() + "\"\n    logs: {file: \"" + log_file + "\"}\n");
    CommandResult scan = RunCommand({PROBITY_BINARY, "scan", "--config", scan_config, "--format", "json"});
    INFO(scan.out << scan.err);
    REQUIRE(scan.exit_code == 0);
    return nlohmann::json::parse(scan.out)["targets"][0];
  }
};

std::string Targets(const std::string& url) {
  return "global: {interval: 1s, timeout: 1s}\ntargets:\n  - {name: backend, url: \"" + url + "\", labels: {team: a}}\n";
}

}  // namespace

TEST_CASE("The agent's /metrics passes promtool check metrics", "[integration][server]") {
  SampleBackend backend({"--fault", "not-ready"});
  RunningAgent agent(Targets(backend.url()));
  REQUIRE(agent.WaitReady());
  HttpGet(agent.port, "/nonexistent");  // so that the 404 series exist too
  SimpleResponse metrics = HttpGet(agent.port, "/metrics");
  REQUIRE(metrics.status == 200);
  CHECK(metrics.content_type == "text/plain; version=0.0.4; charset=utf-8");
  CommandResult lint = RunCommand({"promtool", "check", "metrics"}, metrics.body);
  INFO(lint.out << lint.err);
  CHECK(lint.exit_code == 0);
  CHECK(lint.out.empty());
  CHECK(lint.err.empty());
  for (const char* name :
       {"probity_check_passed{", "probity_check_status{", "probity_check_duration_seconds{", "probity_score_ratio{",
        "probity_category_score_ratio{", "probity_level{", "probity_critical_failures{",
        "probity_last_run_timestamp_seconds{", "probity_runs_total{", "probity_config_last_reload_successful ",
        "probity_config_last_reload_success_timestamp_seconds ", "probity_build_info{", "probity_http_requests_total{",
        "probity_http_request_duration_seconds_bucket{", "process_cpu_seconds_total ",
        "process_resident_memory_bytes ", "process_start_time_seconds ", "process_open_fds "}) {
    INFO(name);
    CHECK(metrics.body.find(name) != std::string::npos);
  }
  CHECK(metrics.body.find("probity_check_passed{target=\"backend\",team=\"a\",check=\"health.readiness.reachable\",category=\"health\",severity=\"critical\"} 0") != std::string::npos);
  CHECK(metrics.body.find("probity_level{target=\"backend\",team=\"a\",level=\"bronze\"} 0") != std::string::npos);
  CHECK(metrics.body.find("probity_critical_failures{target=\"backend\",team=\"a\"} 1") != std::string::npos);

  // Asked for OpenMetrics, it answers valid OpenMetrics.
  httplib::Client client("127.0.0.1", agent.port);
  auto om = client.Get("/metrics", {{"Accept", "application/openmetrics-text;version=1.0.0"}});
  REQUIRE(om);
  CHECK(om->get_header_value("Content-Type") == "application/openmetrics-text; version=1.0.0; charset=utf-8");
  CHECK(om->body.find("# TYPE probity_runs counter\n") != std::string::npos);
  CommandResult parsed = RunCommand({PROBITY_BINARY, "lint-metrics", "--openmetrics", "-"}, om->body);
  INFO(parsed.out << parsed.err);
  CHECK(parsed.exit_code == 0);
}

TEST_CASE("probity scan of a running probity run is level gold with every check that applies passing", "[integration][server]") {
  SampleBackend backend;
  RunningAgent agent(Targets(backend.url()));
  REQUIRE(agent.WaitReady());
  const nlohmann::json target = agent.ScanItself();
  CHECK(target["level"] == "gold");
  CHECK(target["ready"] == true);
  std::size_t logs = 0, api = 0;
  for (const auto& check : target["checks"]) {
    INFO(check["id"] << ": " << check["detail"]);
    // Plain HTTP and no Prometheus here: tests/integration/dogfood_test.cc
    // scans the agent over TLS, watched by a real Prometheus.
    const bool elsewhere = check["category"] == "tls" || check["category"] == "monitoring";
    CHECK(check["status"] == (elsewhere ? "skip" : "pass"));
    logs += check["category"] == "logs";
    api += check["category"] == "api";
  }
  CHECK(logs == 10);
  CHECK(api == 3);
}

TEST_CASE("The agent is ready only after every target ran, and reports them", "[integration][server]") {
  RawServer hanging(AcceptAndHang());
  RunningAgent agent("global: {interval: 10s, timeout: 1500ms}\ntargets:\n  - {name: slow, url: \"" + hanging.Url() +
                     "\"}\n");
  SimpleResponse early = HttpGet(agent.port, "/-/ready");
  CHECK(early.status == 503);
  CHECK(early.content_type == "application/health+json");
  CHECK(HttpGet(agent.port, "/-/healthy").status == 200);
  REQUIRE(agent.WaitReady());
  auto report = nlohmann::json::parse(HttpGet(agent.port, "/api/v1/report").body);
  CHECK(report["targets"][0]["name"] == "slow");
  CHECK(report["targets"][0]["checks"][0]["status"] == "error");
  SimpleResponse page = HttpGet(agent.port, "/");
  CHECK(page.status == 200);
  CHECK(page.content_type == "text/html; charset=utf-8");
  CHECK(page.body.find("data-name=\"slow\"") != std::string::npos);
  CHECK(page.body.find("<body data-refresh=\"10\">") != std::string::npos);
}

TEST_CASE("The agent serves every check's documentation where the status page links", "[integration][server]") {
  RunningAgent agent("global: {interval: 1h}\ntargets: []\n");
  SimpleResponse index = HttpGet(agent.port, "/checks");
  CHECK(index.status == 200);
  CHECK(index.content_type == "text/html; charset=utf-8");
  for (const probity::CheckInfo& check : probity::Catalogue()) {
    INFO(check.id);
    CHECK(index.body.find("href=\"checks/" + check.id + "\"") != std::string::npos);
    SimpleResponse page = HttpGet(agent.port, "/checks/" + check.id);
    CHECK(page.status == 200);
    CHECK(page.body.find("<dt>Why it matters</dt><dd>") != std::string::npos);
  }
  CHECK(HttpGet(agent.port, "/checks/health.nope").status == 404);
  // One handler label for all of them: the agent's own metrics stay bounded.
  const std::string metrics = HttpGet(agent.port, "/metrics").body;
  CHECK(metrics.find("handler=\"/checks/{id}\"") != std::string::npos);
  CHECK(metrics.find("handler=\"/checks/health") == std::string::npos);
}

TEST_CASE("/probe runs only configured targets by name", "[integration][server]") {
  SampleBackend backend;
  RunningAgent agent(Targets(backend.url()));
  SimpleResponse ok = HttpGet(agent.port, "/probe?target=backend");
  CHECK(ok.status == 200);
  CHECK(ok.body.find("probity_score_ratio{target=\"backend\",team=\"a\"} 1") != std::string::npos);
  CHECK(HttpGet(agent.port, "/probe?target=" + backend.url()).status == 404);
  CHECK(HttpGet(agent.port, "/probe").status == 400);
  SimpleResponse missing = HttpGet(agent.port, "/nope");
  CHECK(missing.status == 404);
  CHECK(missing.content_type == "application/problem+json");
}

TEST_CASE("A reload with an invalid config keeps the running one", "[integration][server]") {
  SampleBackend backend;
  RunningAgent agent(Targets(backend.url()));
  REQUIRE(agent.WaitReady());
  std::ofstream(agent.config) << "global: {interval: nonsense}\n";
  httplib::Client client("127.0.0.1", agent.port);
  auto res = client.Post("/-/reload");
  REQUIRE(res);
  CHECK(res->status == 500);
  CHECK(res->body.find(":1:20: global.interval: invalid duration") != std::string::npos);
  CHECK(HttpGet(agent.port, "/-/ready").status == 200);
  SimpleResponse metrics = HttpGet(agent.port, "/metrics");
  CHECK(metrics.body.find("probity_config_last_reload_successful 0") != std::string::npos);
  CHECK(metrics.body.find("target=\"backend\"") != std::string::npos);

  // A valid config through SIGHUP replaces the targets.
  std::ofstream(agent.config) << "global: {interval: 1s, timeout: 1s}\ntargets:\n  - {name: renamed, url: \"" +
                                     backend.url() + "\"}\n";
  kill(agent.process->pid(), SIGHUP);
  bool renamed = false;
  for (int i = 0; i < 200 && !renamed; ++i) {
    std::this_thread::sleep_for(50ms);
    const std::string body = HttpGet(agent.port, "/metrics").body;
    renamed = body.find("probity_config_last_reload_successful 1") != std::string::npos &&
              body.find("target=\"renamed\"") != std::string::npos &&
              body.find("target=\"backend\"") == std::string::npos;
  }
  CHECK(renamed);
}

TEST_CASE("SIGTERM stops the agent cleanly while a probe is stuck", "[integration][server]") {
  RawServer hanging(AcceptAndHang());
  RunningAgent agent("global: {interval: 1m, timeout: 50s}\ntargets:\n  - {name: stuck, url: \"" + hanging.Url() +
                     "\"}\n");
  for (int i = 0; i < 200 && hanging.connections() == 0; ++i) std::this_thread::sleep_for(20ms);
  REQUIRE(hanging.connections() > 0);
  const auto start = std::chrono::steady_clock::now();
  const int code = agent.process->Signal(SIGTERM, 30s);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(code == 0);
  CHECK(elapsed < 20s);  // far below the 50 s probe timeout: the probe was cancelled, not waited for
  CHECK(agent.process->Stderr().find("\"probity stopped\"") != std::string::npos);
}

TEST_CASE("The agent logs JSON lines with the fields PRODUCT.md names", "[integration][server]") {
  SampleBackend backend;
  RunningAgent agent(Targets(backend.url()));
  REQUIRE(agent.WaitReady());
  httplib::Client client("127.0.0.1", agent.port);
  client.Get("/-/healthy", {{"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}});
  const std::string line = agent.process->WaitForLine("4bf92f3577b34da6a3ce929d0e0e4736", true, 10s);
  REQUIRE_FALSE(line.empty());
  std::istringstream lines(agent.process->Stderr());
  std::string l;
  int count = 0;
  while (std::getline(lines, l)) {
    auto j = nlohmann::json::parse(l);
    CHECK(j["timestamp"].get<std::string>().back() == 'Z');
    CHECK(j.contains("level"));
    CHECK(j.contains("message"));
    CHECK(j["service.name"] == "probity");
    ++count;
  }
  CHECK(count >= 2);
  CHECK(nlohmann::json::parse(line)["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736");
}

TEST_CASE("No endpoint or log line of the agent shows a secret found in a health body", "[integration][server]") {
  SampleBackend backend({"--fault", "secret-in-health"});
  RunningAgent agent(Targets(backend.url()));
  REQUIRE(agent.WaitReady());
  for (const char* path : {"/metrics", "/api/v1/report", "/", "/probe?target=backend"}) {
    SimpleResponse r = HttpGet(agent.port, path);
    INFO(path);
    CHECK(r.status == 200);
    CHECK(r.body.find("s3cr3tPassw0rd") == std::string::npos);
  }
  CHECK(HttpGet(agent.port, "/api/v1/report").body.find("url-credentials") != std::string::npos);
  CHECK(agent.process->Stderr().find("s3cr3tPassw0rd") == std::string::npos);
}

TEST_CASE("An agent that probes itself is ready on its own first run", "[integration][server]") {
  // The sidecar dogfood setup: the agent's own target is the agent. Its first
  // run probes /-/ready while that very run is under way.
  const int port = FreePort();
  TempDir dir;
  const std::string config = dir.Write(
      "probity.yaml", "global: {interval: 30s, timeout: 2s}\ntargets:\n  - {name: self, url: \"http://127.0.0.1:" +
                          std::to_string(port) + "\"}\n");
  ChildProcess agent({PROBITY_BINARY, "run", "--config", config, "--listen", "127.0.0.1:" + std::to_string(port)});
  REQUIRE(AgentPort(agent) == port);
  nlohmann::json self;
  for (int i = 0; i < 300 && self.is_null(); ++i) {
    auto report = nlohmann::json::parse(HttpGet(port, "/api/v1/report").body, nullptr, false);
    if (report.is_object() && !report["targets"].empty()) self = report["targets"][0];
    if (self.is_null()) std::this_thread::sleep_for(50ms);
  }
  REQUIRE_FALSE(self.is_null());
  for (const auto& check : self["checks"]) {
    if (check["id"] != "health.readiness.reachable") continue;
    INFO(check["detail"]);
    CHECK(check["status"] == "pass");
  }
  // Anyone else still sees the truth: ready now that the run is done.
  CHECK(HttpGet(port, "/-/ready").status == 200);
}

TEST_CASE("The agent's server keeps connections alive, answers HEAD, and names the allowed methods",
          "[integration][server]") {
  RunningAgent agent("global: {interval: 1m, timeout: 1s}\ntargets: []\n");
  httplib::Client client("127.0.0.1", agent.port);
  client.set_keep_alive(true);
  for (int i = 0; i < 3; ++i) {
    auto res = client.Get("/-/healthy");
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->get_header_value("Connection") != "close");
  }
  auto head = client.Head("/metrics");
  REQUIRE(head);
  CHECK(head->status == 200);
  CHECK(head->body.empty());
  CHECK(head->get_header_value("Content-Type") == "text/plain; version=0.0.4; charset=utf-8");
  CHECK(head->has_header("X-Request-ID"));
  auto wrong = client.Get("/-/reload");
  REQUIRE(wrong);
  CHECK(wrong->status == 405);
  CHECK(wrong->get_header_value("Allow") == "POST");
  CHECK(wrong->get_header_value("Content-Type") == "application/problem+json");
}

TEST_CASE("At 1000 targets the agent's /metrics keeps within its budget and stays gold, and /probe has the detail",
          "[integration][server]") {
  // Every target is a closed port: runs are quick, and every check has a series to export.
  std::string yaml = "global: {interval: 1h, timeout: 1s, max_concurrent_probes: 16}\ntargets:\n";
  for (int i = 1; i <= 1000; ++i) {
    yaml += "  - {name: fleet-" + std::to_string(i) + ", url: \"http://127.0.0.1:1\", labels: {team: t" +
            std::to_string(i % 7) + "}}\n";
  }
  RunningAgent agent(yaml);
  REQUIRE(agent.WaitReady());
  SimpleResponse metrics = HttpGet(agent.port, "/metrics");
  REQUIRE(metrics.status == 200);
  // Per target: the score, the level it has, critical failures, the last run and the runs.
  for (const char* line : {"probity_score_ratio{target=\"fleet-1000\",team=\"t6\"} 0",
                           "probity_level{target=\"fleet-1000\",team=\"t6\",level=\"none\"} 1",
                           "probity_critical_failures{target=\"fleet-1000\",team=\"t6\"} ",
                           "probity_last_run_timestamp_seconds{target=\"fleet-1000\"} ",
                           "probity_runs_total{target=\"fleet-1000\",result=\"error\"} 1"}) {
    INFO(line);
    CHECK(metrics.body.find(line) != std::string::npos);
  }
  // Per check and per category, they would pass the 2000 series of one family: left to /probe.
  CHECK(metrics.body.find("probity_check_status{") == std::string::npos);
  CHECK(metrics.body.find("probity_category_score_ratio{") == std::string::npos);
  CHECK(metrics.body.find("level=\"gold\"} 0") == std::string::npos);
  SimpleResponse one = HttpGet(agent.port, "/probe?target=fleet-7");
  REQUIRE(one.status == 200);
  CHECK(one.body.find("probity_check_status{target=\"fleet-7\",team=\"t0\",check=\"health.liveness.reachable\",status=\"error\"} 1") != std::string::npos);
  CHECK(one.body.find("probity_level{target=\"fleet-7\",team=\"t0\",level=\"gold\"} 0") != std::string::npos);

  const nlohmann::json target = agent.ScanItself();
  CHECK(target["level"] == "gold");
  for (const auto& check : target["checks"]) {
    INFO(check["id"] << ": " << check["detail"]);
    const bool elsewhere = check["category"] == "tls" || check["category"] == "monitoring";
    CHECK(check["status"] == (elsewhere ? "skip" : "pass"));
  }
}

// The agent takes its HTTP client and its clock: here a FakeHttpClient for
// the target and a FakeClock that the test moves, in-process.
TEST_CASE("The agent probes through the HTTP client and clock it is given", "[server]") {
  using namespace probity;
  FakeClock clock;
  FakeHttpClient http(clock);
  http.On("http://svc.test:80/livez", 200, "application/health+json", R"({"status":"pass"})");
  http.On("http://svc.test:80/readyz", 503, "application/health+json", R"({"status":"fail"})");
  TempDir dir;
  AgentOptions options;
  options.config_path = dir.Write("probity.yaml",
                                  "global: {interval: 1h}\n"
                                  "checklists:\n  health:\n    disable: [" +
                                      [] {
                                        std::string ids;
                                        for (const CheckInfo& c : Catalogue()) {
                                          if (c.category() != "health") ids += (ids.empty() ? "" : ", ") + c.id;
                                        }
                                        return ids;
                                      }() +
                                      "]\ntargets:\n  - {name: svc, url: \"http://svc.test\", checklist: health}\n");
  options.listen_override = "127.0.0.1:0";
  std::FILE* sink = std::tmpfile();
  Logger logger(sink, LogLevel::kInfo);
  Agent agent(options, logger, http, clock);
  const Status started = agent.Start();
  INFO(started.message());
  REQUIRE(started.ok());
  // The first run is due within 2 s of the fake clock, and no real second passes.
  nlohmann::json report;
  for (int i = 0; i < 2000; ++i) {
    clock.Advance(10ms);
    const SimpleResponse r = HttpGet(agent.port(), "/api/v1/report");
    if (r.status == 200) {
      report = nlohmann::json::parse(r.body);
      if (!report["targets"].empty() && report["targets"][0].contains("checks") &&
          !report["targets"][0]["checks"].empty()) {
        break;
      }
    }
  }
  agent.Stop();
  std::fclose(sink);
  REQUIRE(!report["targets"].empty());
  const auto& target = report["targets"][0];
  INFO(target.dump());
  // FakeClock's wall time starts at 1 700 000 000 s: 2023-11-14.
  CHECK(report["started_at"].get<std::string>().rfind("2023-11-14", 0) == 0);
  std::map<std::string, std::string> status;
  for (const auto& c : target["checks"]) status[c["id"]] = c["status"];
  CHECK(status["health.liveness.reachable"] == "pass");
  CHECK(status["health.readiness.reachable"] == "fail");
  CHECK(http.CountFor("http://svc.test:80/livez") >= 3);
}

#include <catch2/catch.hpp>

#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "support/process.h"

using namespace probity::testing;
using namespace std::chrono_literals;

namespace {

// The targets a running agent has results for, from its /metrics.
std::set<std::string> TargetsOf(int port) {
  std::set<std::string> names;
  const SimpleResponse r = HttpGet(port, "/metrics");
  std::istringstream lines(r.body);
  const std::string prefix = "probity_last_run_timestamp_seconds{target=\"";
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(prefix, 0) == 0) names.insert(line.substr(prefix.size(), line.find('"', prefix.size()) - prefix.size()));
  }
  return names;
}

// Waits (bounded) until the agent's targets are `want`.
bool WaitForTargets(int port, const std::set<std::string>& want, std::set<std::string>* seen) {
  for (int i = 0; i < 300; ++i) {
    *seen = TargetsOf(port);
    if (*seen == want) return true;
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

double MetricValue(int port, const std::string& series) {
  const SimpleResponse r = HttpGet(port, "/metrics");
  std::istringstream lines(r.body);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return -1;
}

// Writes a file whole, then renames it into place, as careful writers (and
// configuration management) do.
void WriteAtomically(const std::string& path, const std::string& content) {
  std::ofstream(path + ".tmp", std::ios::binary | std::ios::trunc) << content;
  REQUIRE(std::rename((path + ".tmp").c_str(), path.c_str()) == 0);
}

}  // namespace

TEST_CASE("A running agent follows its file_sd files: added, changed, broken (last good kept) and mended",
          "[integration][sd]") {
  TempDir dir;
  const std::string sd_dir = dir.path() + "/sd";
  REQUIRE(RunCommand({"mkdir", "-p", sd_dir}).exit_code == 0);
  // Port 9 (discard) on loopback: nothing answers, so runs end at once.
  WriteAtomically(sd_dir + "/a.json", R"([{"targets": ["127.0.0.1:9", "127.0.0.2:9"], "labels": {"team": "a"}}])");
  const std::string config = dir.Write(
      "probity.yaml", "global: {interval: 1s, timeout: 1s, log_level: info}\n"
                      "file_sd_configs:\n"
                      "  - files: ['" + sd_dir + "/*.json', '" + sd_dir + "/*.yml']\n"
                      "    refresh_interval: 1h\n"   // changes are seen without waiting for it
                      "    target: {checklist: default, endpoints: {liveness: /livez}}\n");
  REQUIRE(RunCommand({PROBITY_BINARY, "check-config", config}).exit_code == 0);
  ChildProcess agent({PROBITY_BINARY, "run", "--config.file", config, "--web.listen-address", "127.0.0.1:0"});
  const int port = AgentPort(agent);
  REQUIRE(port > 0);
  std::set<std::string> seen;
  CHECK(WaitForTargets(port, {"127.0.0.1:9", "127.0.0.2:9"}, &seen));
  CHECK(MetricValue(port, "probity_sd_discovered_targets{mechanism=\"file\"}") == 2);

  // Changed.
  WriteAtomically(sd_dir + "/a.json", R"([{"targets": ["127.0.0.1:9", "127.0.0.3:9"]}])");
  CHECK(WaitForTargets(port, {"127.0.0.1:9", "127.0.0.3:9"}, &seen));
  // Another file, YAML, added.
  WriteAtomically(sd_dir + "/b.yml", "- targets: ['127.0.0.4:9']\n");
  CHECK(WaitForTargets(port, {"127.0.0.1:9", "127.0.0.3:9", "127.0.0.4:9"}, &seen));

  // Broken: said in the log and counted; the last good targets stay.
  WriteAtomically(sd_dir + "/a.json", R"([{"targets": ["127.0.0.1:9"]})");
  const std::string line = agent.WaitForLine("service discovery source failed", true, 20s);
  CHECK(line.find("a.json: not valid JSON") != std::string::npos);
  CHECK(MetricValue(port, "probity_sd_refresh_failures_total{mechanism=\"file\"}") >= 1);
  std::this_thread::sleep_for(2s);  // a few refreshes later, nothing was dropped
  CHECK(TargetsOf(port) == std::set<std::string>{"127.0.0.1:9", "127.0.0.3:9", "127.0.0.4:9"});

  // Mended; then a file removed takes its targets with it.
  WriteAtomically(sd_dir + "/a.json", R"([{"targets": ["127.0.0.5:9"]}])");
  CHECK(WaitForTargets(port, {"127.0.0.4:9", "127.0.0.5:9"}, &seen));
  REQUIRE(std::remove((sd_dir + "/b.yml").c_str()) == 0);
  CHECK(WaitForTargets(port, {"127.0.0.5:9"}, &seen));
  INFO(agent.Stderr());
}

TEST_CASE("Three shards over 300 file_sd targets probe exactly what a real Prometheus' hashmod assigns them",
          "[integration][sd][prometheus]") {
  REQUIRE(RunCommand({"sh", "-c", "command -v prometheus"}).exit_code == 0);
  TempDir dir;
  nlohmann::json groups = nlohmann::json::array();
  std::set<std::string> all;
  for (int i = 0; i < 300; ++i) {
    const std::string address = "127.0." + std::to_string(1 + i / 200) + "." + std::to_string(1 + i % 200) + ":9";
    all.insert(address);
    groups.push_back({{"targets", {address}}, {"labels", {{"env", "test"}}}});
  }
  const std::string targets = dir.Write("targets.json", groups.dump());

  // Prometheus: one job per shard, each keeping hashmod(__address__, 3) == I.
  std::string prom = "global: {scrape_interval: 1h, evaluation_interval: 1h}\nscrape_configs:\n";
  for (int shard = 0; shard < 3; ++shard) {
    prom += "  - job_name: shard" + std::to_string(shard) + "\n"
            "    file_sd_configs: [{files: ['" + targets + "']}]\n"
            "    relabel_configs:\n"
            "      - {source_labels: [__address__], modulus: 3, target_label: __tmp_shard, action: hashmod}\n"
            "      - {source_labels: [__tmp_shard], regex: '" + std::to_string(shard) + "', action: keep}\n";
  }
  const int prom_port = FreePort();
  ChildProcess prometheus({"prometheus", "--config.file=" + dir.Write("prometheus.yml", prom),
                           "--storage.tsdb.path=" + dir.path() + "/data",
                           "--web.listen-address=127.0.0.1:" + std::to_string(prom_port)});
  REQUIRE_FALSE(prometheus.WaitForLine("Server is ready to receive web requests", true, 60s).empty());
  std::map<std::string, std::set<std::string>> assigned;
  for (int i = 0; i < 300; ++i) {
    assigned.clear();
    const SimpleResponse r = HttpGet(prom_port, "/api/v1/targets?state=active");
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (!j.is_discarded()) {
      for (const auto& t : j["data"]["activeTargets"]) {
        assigned[t["scrapePool"].get<std::string>()].insert(t["discoveredLabels"]["__address__"].get<std::string>());
      }
    }
    std::size_t count = 0;
    for (const auto& [pool, addresses] : assigned) count += addresses.size();
    if (count == 300) break;
    std::this_thread::sleep_for(100ms);
  }

  // Probity: three agents, one per shard, over the same file.
  const std::string config = dir.Write(
      "probity.yaml", "global: {interval: 1h, timeout: 1s, log_level: warn, max_concurrent_probes: 16}\n"
                      "file_sd_configs: [{files: ['" + targets + "']}]\n");
  std::set<std::string> union_of_shards;
  std::size_t total = 0;
  for (int shard = 0; shard < 3; ++shard) {
    const std::string name = "shard" + std::to_string(shard);
    ChildProcess agent({PROBITY_BINARY, "run", "--config.file", config, "--web.listen-address", "127.0.0.1:0",
                        "--shard", std::to_string(shard) + "/3", "--log.level", "info"});
    const int port = AgentPort(agent);
    REQUIRE(port > 0);
    std::set<std::string> seen;
    INFO(name << ": Prometheus assigns " << assigned[name].size() << ", Probity probed " << seen.size());
    CHECK_FALSE(assigned[name].empty());
    CHECK(WaitForTargets(port, assigned[name], &seen));
    union_of_shards.insert(seen.begin(), seen.end());
    total += seen.size();
  }
  // Every target once, none twice.
  CHECK(union_of_shards == all);
  CHECK(total == 300);
}

TEST_CASE("A running agent follows an http_sd URL, and keeps the last good list while it fails", "[integration][sd]") {
  TempDir dir;
  const std::string served = dir.path() + "/www";
  REQUIRE(RunCommand({"mkdir", "-p", served}).exit_code == 0);
  WriteAtomically(served + "/targets.json", R"([{"targets": ["127.0.0.1:9"]}])");
  const int sd_port = FreePort();
  auto server = std::make_unique<ChildProcess>(std::vector<std::string>{
      "python3", "-m", "http.server", std::to_string(sd_port), "--bind", "127.0.0.1", "--directory", served});
  REQUIRE_FALSE(server->WaitForLine("Serving HTTP", false, 20s).empty());
  const std::string config = dir.Write(
      "probity.yaml", "global: {interval: 1s, timeout: 1s, log_level: info}\n"
                      "http_sd_configs:\n"
                      "  - url: http://127.0.0.1:" + std::to_string(sd_port) + "/targets.json\n"
                      "    refresh_interval: 1s\n");
  ChildProcess agent({PROBITY_BINARY, "run", "--config.file", config, "--web.listen-address", "127.0.0.1:0"});
  const int port = AgentPort(agent);
  REQUIRE(port > 0);
  std::set<std::string> seen;
  CHECK(WaitForTargets(port, {"127.0.0.1:9"}, &seen));
  WriteAtomically(served + "/targets.json", R"([{"targets": ["127.0.0.2:9", "127.0.0.3:9"]}])");
  CHECK(WaitForTargets(port, {"127.0.0.2:9", "127.0.0.3:9"}, &seen));
  // The URL stops answering: said, counted, and the last good list kept.
  server.reset();
  const std::string line = agent.WaitForLine("service discovery source failed", true, 20s);
  CHECK(line.find("/targets.json: ") != std::string::npos);
  std::this_thread::sleep_for(2s);
  CHECK(TargetsOf(port) == std::set<std::string>{"127.0.0.2:9", "127.0.0.3:9"});
  CHECK(MetricValue(port, "probity_sd_refresh_failures_total{mechanism=\"http\"}") >= 1);
}

TEST_CASE("scan reads file_sd once, keeps its shard, and fails (exit 1) when a source cannot be read",
          "[integration][sd]") {
  TempDir dir;
  SampleBackend backend;
  const std::string address = backend.url().substr(std::string("http://").size());
  const std::string targets = dir.Write("targets.json", R"([{"targets": [")" + address + R"("]}])");
  const std::string config = dir.Write("probity.yaml", "file_sd_configs: [{files: ['" + targets + "']}]\n");
  CommandResult scan = RunCommand({PROBITY_BINARY, "scan", "--config.file", config, "--format", "json"});
  INFO(scan.err);
  REQUIRE((scan.exit_code == 0 || scan.exit_code == 3));
  auto report = nlohmann::json::parse(scan.out);
  REQUIRE(report["targets"].size() == 1);
  CHECK(report["targets"][0]["name"] == address);
  // The target belongs to exactly one of two shards.
  int kept = 0;
  for (const char* shard : {"0/2", "1/2"}) {
    CommandResult part = RunCommand({PROBITY_BINARY, "scan", "--config.file", config, "--shard", shard, "--format", "json"});
    kept += static_cast<int>(nlohmann::json::parse(part.out)["targets"].size());
  }
  CHECK(kept == 1);
  // A broken source: no report on fewer targets, but exit 1 with the reason.
  WriteAtomically(targets, "[{");
  CommandResult broken = RunCommand({PROBITY_BINARY, "scan", "--config.file", config});
  CHECK(broken.exit_code == 1);
  CHECK(broken.err.find("probity scan: service discovery: " + targets + ": not valid JSON") != std::string::npos);
}

#include <catch2/catch.hpp>

#include <sstream>
#include <thread>

#include "support/process.h"

using namespace probity::testing;
using namespace std::chrono_literals;

namespace {

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// Starts a program that serves /metrics on the given port and returns the body.
std::string ScrapeOf(ChildProcess& program, int port) {
  for (int i = 0; i < 600; ++i) {
    SimpleResponse r = HttpGet(port, "/metrics");
    if (r.status == 200 && !r.body.empty()) return r.body;
    if (!program.Running()) break;
    std::this_thread::sleep_for(50ms);
  }
  FAIL("no /metrics: " << program.Stderr());
  return "";
}

void ExpectParity(const std::string& program, const std::string& body) {
  CommandResult promtool = RunCommand({"promtool", "check", "metrics"}, body);
  CommandResult probity = RunCommand({PROBITY_BINARY, "lint-metrics", "-"}, body);
  INFO(program << "\npromtool (" << promtool.exit_code << "):\n" << promtool.err << "\nprobity (" << probity.exit_code
               << "):\n" << probity.out << probity.err);
  const std::vector<std::string> expected = Lines(promtool.err);
  const std::vector<std::string> ours = Lines(probity.out);
  REQUIRE(ours.size() >= expected.size());
  // promlint's lines come first, in promtool's order and words; Probity's own follow.
  CHECK(std::vector<std::string>(ours.begin(), ours.begin() + static_cast<long>(expected.size())) == expected);
  CHECK(probity.exit_code == (ours.empty() ? 0 : 3));
  CHECK(promtool.exit_code == (expected.empty() ? 0 : 3));
}

}  // namespace

TEST_CASE("lint-metrics prints promtool's problem lines for real Prometheus programs", "[integration][parity]") {
  TempDir dir;
  SECTION("prometheus") {
    const int port = FreePort();
    const std::string config = dir.Write("prometheus.yml", "global: {scrape_interval: 1s}\nscrape_configs:\n"
                                                           "  - job_name: self\n    static_configs: [{targets: ['127.0.0.1:" +
                                                               std::to_string(port) + "']}]\n");
    ChildProcess p({"prometheus", "--config.file=" + config, "--storage.tsdb.path=" + dir.path() + "/data",
                    "--web.listen-address=127.0.0.1:" + std::to_string(port)});
    REQUIRE_FALSE(p.WaitForLine("Server is ready to receive web requests", true, 60s).empty());
    std::this_thread::sleep_for(1500ms);  // one self-scrape, so that scrape metrics exist
    ExpectParity("prometheus", ScrapeOf(p, port));
  }
  SECTION("node exporter") {
    const int port = FreePort();
    ChildProcess p({"prometheus-node-exporter", "--web.listen-address=127.0.0.1:" + std::to_string(port)});
    ExpectParity("node_exporter", ScrapeOf(p, port));
  }
  SECTION("alertmanager") {
    const int port = FreePort();
    const std::string config = dir.Write("alertmanager.yml", "route: {receiver: none}\nreceivers: [{name: none}]\n");
    ChildProcess p({"prometheus-alertmanager", "--config.file=" + config, "--storage.path=" + dir.path() + "/am",
                    "--web.listen-address=127.0.0.1:" + std::to_string(port), "--cluster.listen-address="});
    ExpectParity("alertmanager", ScrapeOf(p, port));
  }
  SECTION("blackbox exporter") {
    const int port = FreePort();
    const std::string config = dir.Write("blackbox.yml", "modules:\n  http_2xx: {prober: http}\n");
    ChildProcess p({"prometheus-blackbox-exporter", "--config.file=" + config,
                    "--web.listen-address=127.0.0.1:" + std::to_string(port)});
    ExpectParity("blackbox_exporter", ScrapeOf(p, port));
  }
}

// Hostile local files: a FIFO nobody writes to, /dev/zero, a file far too
// large. Each must give a precise error at once, never a hang or a read
// without end.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "support/process.h"

using namespace probity::testing;
using namespace std::chrono_literals;

namespace {

// check-config of `yaml`, bounded: a hang is killed and fails the test.
CommandResult CheckConfig(const std::string& path) {
  return RunCommand({PROBITY_BINARY, "check-config", path}, "", 20s);
}

std::string TargetWith(const std::string& http) {
  return "targets:\n  - name: t\n    url: http://127.0.0.1:1\n    http: " + http + "\n";
}

}  // namespace

TEST_CASE("A FIFO or /dev/zero as a secret, CA or config file is a clear error, not a hang",
          "[integration][abuse]") {
  TempDir dir;
  const std::string fifo = dir.path() + "/fifo";
  REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
  for (const std::string& hostile : {fifo, std::string("/dev/zero")}) {
    INFO(hostile);
    const std::string kind = hostile == fifo ? "is a FIFO, not a regular file" : "is a character device, not a regular file";
    struct Case {
      std::string yaml;
      std::string key;
    };
    for (const Case& c : {Case{TargetWith("{basic_auth: {username: u, password_file: " + hostile + "}}"),
                               "basic_auth.password_file"},
                          Case{TargetWith("{bearer_token_file: " + hostile + "}"), "bearer_token_file"},
                          Case{TargetWith("{tls: {ca_file: " + hostile + "}}"), "tls.ca_file"}}) {
      INFO(c.key);
      const std::string config = dir.Write("probity.yaml", c.yaml);
      const auto start = std::chrono::steady_clock::now();
      CommandResult r = CheckConfig(config);
      INFO(r.out << r.err);
      CHECK(r.exit_code == 2);  // -1 would mean it hung and was killed
      CHECK(r.err.find(c.key) != std::string::npos);
      CHECK(r.err.find("\"" + hostile + "\" " + kind) != std::string::npos);
      CHECK(std::chrono::steady_clock::now() - start < 20s);
    }
    // The configuration file itself.
    CommandResult r = CheckConfig(hostile);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(kind) != std::string::npos);
  }
}

TEST_CASE("A configuration file over the size cap is refused without being read", "[integration][abuse]") {
  TempDir dir;
  const std::string big = dir.path() + "/big.yaml";
  {
    std::ofstream out(big);
    out << "targets: []\n";
    const std::string comment = "# " + std::string(1022, 'x') + "\n";
    for (int i = 0; i < 9 * 1024; ++i) out << comment;  // 9 MiB of comments
  }
  CommandResult r = CheckConfig(big);
  INFO(r.err);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("more than the 8MiB limit") != std::string::npos);
}

TEST_CASE("A reload that meets a FIFO keeps the old config, and SIGTERM still stops the agent",
          "[integration][abuse]") {
  TempDir dir;
  const std::string config = dir.Write("probity.yaml", "global: {interval: 30s, timeout: 1s}\ntargets: []\n");
  ChildProcess agent({PROBITY_BINARY, "run", "--config", config, "--listen", "127.0.0.1:0"});
  const int port = AgentPort(agent);
  REQUIRE(port > 0);
  // The config becomes a FIFO nobody writes to, and the agent is told to reload.
  REQUIRE(std::remove(config.c_str()) == 0);
  REQUIRE(mkfifo(config.c_str(), 0600) == 0);
  REQUIRE(kill(agent.pid(), SIGHUP) == 0);
  CHECK_FALSE(agent.WaitForLine("is a FIFO, not a regular file", true, 10s).empty());
  CHECK(HttpGet(port, "/-/healthy").status == 200);
  const auto start = std::chrono::steady_clock::now();
  CHECK(agent.Signal(SIGTERM, 10s) == 0);
  const auto took = std::chrono::steady_clock::now() - start;
  INFO(std::chrono::duration<double>(took).count() << " s to stop");
  CHECK(took < 10s);  // a hang guard; the 2 s is measured by hand in the closing note
}

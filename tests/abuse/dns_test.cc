// Name resolution under the request timeout. The resolver is made to hang
// (or to fail) inside a network and mount namespace of the test's own, whose
// resolv.conf points at 127.0.0.1: no packet leaves the namespace's loopback.
#include <catch2/catch.hpp>

#include <chrono>
#include <nlohmann/json.hpp>

#include "support/process.h"

using namespace probity::testing;
using namespace std::chrono_literals;

namespace {

// Scans a target whose host name must be resolved, inside a fresh namespace;
// `silent` puts a DNS "server" on 127.0.0.1:53 that never answers.
CommandResult ScanInNamespace(const TempDir& dir, bool silent) {
  const std::string resolv = dir.Write("resolv.conf", "nameserver 127.0.0.1\noptions timeout:5 attempts:2\n");
  const std::string config = dir.Write(
      "probity.yaml",
      "global: {interval: 30s, timeout: 2s}\ntargets:\n  - {name: t, url: \"http://probity-dns-test.invalid:8080\"}\n");
  const std::string script = dir.Write(
      "scan.sh",
      "set -e\nip link set lo up\nmount --bind " + resolv + " /etc/resolv.conf\n" +
          (silent ? "/usr/bin/python3 -c 'import socket,time\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n"
                    "s.bind((\"127.0.0.1\",53))\ntime.sleep(12)' </dev/null >/dev/null 2>&1 &\nsleep 0.5\n"
                  : "") +
          "exec " + PROBITY_BINARY + " scan --config " + config + " --format json\n");
  return RunCommand({"unshare", "--net", "--mount", "sh", script}, "", 60s);
}

std::string LivenessDetail(const CommandResult& r) {
  auto report = nlohmann::json::parse(r.out, nullptr, false);
  if (!report.is_object()) return "";
  for (const auto& check : report["targets"][0]["checks"]) {
    if (check["id"] == "health.liveness.reachable") return check["detail"].get<std::string>();
  }
  return "";
}

}  // namespace

TEST_CASE("DNS honours the request timeout and says DNS when a name does not resolve", "[integration][abuse]") {
  if (RunCommand({"unshare", "--net", "--mount", "true"}, "", 10s).exit_code != 0) {
    WARN("SKIP: cannot create a network namespace here (unshare needs root): DNS timeout not tested");
    return;
  }
  TempDir dir;
  SECTION("a resolver that never answers is cut off at the target's timeout") {
    const auto start = std::chrono::steady_clock::now();
    CommandResult r = ScanInNamespace(dir, true);
    const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    INFO(r.out.substr(0, 2000) << r.err << "\ntook " << took << " s");
    CHECK(r.exit_code == 3);
    CHECK(LivenessDetail(r).find("DNS: no answer for probity-dns-test.invalid within the 2s timeout") !=
          std::string::npos);
    // The system resolver alone takes 10 s here (timeout:5 attempts:2): a
    // bound between the two shows the timeout was honoured.
    CHECK(took < 9);
  }
  SECTION("a name that cannot be resolved is a DNS error, not 'refused or unreachable'") {
    CommandResult r = ScanInNamespace(dir, false);
    INFO(r.out.substr(0, 2000) << r.err);
    CHECK(r.exit_code == 3);
    const std::string detail = LivenessDetail(r);
    CHECK(detail.find("DNS: cannot resolve probity-dns-test.invalid: ") != std::string::npos);
    CHECK(detail.find("refused or unreachable") == std::string::npos);
  }
}

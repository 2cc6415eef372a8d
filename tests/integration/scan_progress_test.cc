#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "support/process.h"

using namespace probity::testing;

namespace {

constexpr int kTargets = 30;

// 30 targets, bounded in time: two sample backends (one of them not ready)
// and 28 loopback ports where nothing listens, which refuse at once.
class ThirtyTargets {
 public:
  ThirtyTargets() : healthy_(), broken_({"--fault", "not-ready"}) {
    urls_ = {healthy_.url(), broken_.url()};
    while (urls_.size() < kTargets) urls_.push_back("http://127.0.0.1:" + std::to_string(FreePort()));
  }
  const std::vector<std::string>& urls() const { return urls_; }
  // "host:port", the name scan gives a URL target.
  static std::string NameOf(const std::string& url) { return url.substr(url.find("//") + 2); }

 private:
  SampleBackend healthy_;
  SampleBackend broken_;
  std::vector<std::string> urls_;
};

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::size_t Count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// `scan` under a pseudo-terminal (util-linux script): what the terminal got,
// stdout and stderr together.
CommandResult ScanOnTerminal(const std::vector<std::string>& args, const std::string& env) {
  std::string command = "exec env " + env + " " + PROBITY_BINARY + " scan";
  for (const std::string& a : args) command += " " + a;  // URLs and paths without spaces or quotes
  return RunCommand({"script", "-qfec", command, "/dev/null"});
}

}  // namespace

TEST_CASE("Without a terminal scan writes one line per finished target on stderr and the report alone on stdout",
          "[integration][cli][progress]") {
  ThirtyTargets targets;
  std::vector<std::string> args = {PROBITY_BINARY, "scan", "--format", "json"};
  args.insert(args.end(), targets.urls().begin(), targets.urls().end());
  const CommandResult r = RunCommand(args);
  INFO(r.err);
  CHECK(r.exit_code == 3);  // the broken and unreachable targets fail the gate
  const nlohmann::json report = nlohmann::json::parse(r.out, nullptr, false);
  REQUIRE_FALSE(report.is_discarded());  // stdout is the report and nothing else
  REQUIRE(report["targets"].size() == kTargets);
  std::multimap<std::string, bool> ready;  // by name, from the report
  for (const auto& t : report["targets"]) ready.emplace(t["name"].get<std::string>(), t["ready"].get<bool>());

  const std::vector<std::string> lines = SplitLines(r.err);
  REQUIRE(lines.size() == kTargets);
  CHECK(r.err.find('\r') == std::string::npos);
  CHECK(r.err.find('\x1b') == std::string::npos);
  std::vector<std::string> names;
  for (int i = 0; i < kTargets; ++i) {
    const std::string& line = lines[i];
    INFO(line);
    const std::string counter = (i + 1 < 10 ? "[ " : "[") + std::to_string(i + 1) + "/30] ";
    REQUIRE(line.rfind(counter, 0) == 0);
    const std::size_t score = line.find("  score ");
    REQUIRE(score != std::string::npos);
    const std::string name = line.substr(counter.size(), score - counter.size());
    names.push_back(name);
    // The line tells the readiness the report has for that target.
    const auto [first, last] = ready.equal_range(name);
    REQUIRE(first != last);
    const bool line_ready = line.find("  READY  ") != std::string::npos;
    CHECK(line_ready != (line.find("  NOT READY  ") != std::string::npos));
    CHECK(std::any_of(first, last, [&](const auto& entry) { return entry.second == line_ready; }));
    CHECK(line.find(" failed  ") != std::string::npos);
  }
  std::vector<std::string> expected;
  for (const std::string& url : targets.urls()) expected.push_back(ThirtyTargets::NameOf(url));
  std::sort(names.begin(), names.end());
  std::sort(expected.begin(), expected.end());
  CHECK(names == expected);  // every target once
}

TEST_CASE("On a terminal scan redraws one status line in place until 30/30 and erases it before the report",
          "[integration][cli][progress]") {
  ThirtyTargets targets;
  TempDir dir;
  const std::string report_file = dir.path() + "/report.txt";
  std::vector<std::string> args = targets.urls();
  args.insert(args.end(), {"--output", report_file});

  const CommandResult r = ScanOnTerminal(args, "-u NO_COLOR");
  INFO(r.out << r.err);
  CHECK(r.exit_code == 3);  // script -e passes probity's exit code on
  const std::string& tty = r.out;
  CHECK(tty.rfind("\r\x1b[2Kprobity scan: 0/30 done, ", 0) == 0);  // drawn at once
  CHECK(tty.find("\r\x1b[2Kprobity scan: 30/30 done, 0 running, ") != std::string::npos);
  CHECK(tty.find("\x1b[31m") != std::string::npos);  // targets not ready, in red on a terminal
  CHECK(tty.size() >= 5);
  CHECK(tty.substr(tty.size() - 5) == "\r\x1b[2K");  // the line is erased at the end
  CHECK(tty.find('\n') == std::string::npos);         // redrawn in place: no line per target
  CHECK(tty.find("/30] ") == std::string::npos);
  // The counter only goes up.
  int last = -1;
  for (std::size_t at = tty.find("scan: "); at != std::string::npos; at = tty.find("scan: ", at + 1)) {
    const int done = std::stoi(tty.substr(at + 6));
    CHECK(done >= last);
    last = done;
  }
  CHECK(last == kTargets);
  std::ifstream in(report_file);
  const std::string report((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(report.find("\n30 targets, ") != std::string::npos);
  CHECK(report.find('\x1b') == std::string::npos);  // the report file has neither colour nor progress

  const CommandResult plain = ScanOnTerminal(args, "NO_COLOR=1");
  INFO(plain.out);
  CHECK(plain.out.find("probity scan: 30/30 done, 0 running, ") != std::string::npos);
  CHECK(plain.out.find("\x1b[31m") == std::string::npos);  // NO_COLOR is honoured
}

TEST_CASE("scan --quiet prints the summary only: a line per target and the total, no progress",
          "[integration][cli][progress]") {
  ThirtyTargets targets;
  std::vector<std::string> args = {PROBITY_BINARY, "scan", "--quiet"};
  args.insert(args.end(), targets.urls().begin(), targets.urls().end());
  const CommandResult r = RunCommand(args);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 3);  // the gate is the same
  CHECK(r.err.empty());
  const std::vector<std::string> lines = SplitLines(r.out);
  REQUIRE(lines.size() == kTargets + 1);
  for (int i = 0; i < kTargets; ++i) {
    INFO(lines[i]);
    CHECK(lines[i].rfind(ThirtyTargets::NameOf(targets.urls()[i]) + "  score ", 0) == 0);  // in the order given
  }
  CHECK(lines.back().rfind("30 targets, ", 0) == 0);
  CHECK(Count(r.out, "NOT READY") == 29);  // 28 unreachable and one not ready

  const CommandResult tty = ScanOnTerminal({"--quiet", targets.urls()[0]}, "-u NO_COLOR");
  INFO(tty.out);
  CHECK(tty.out.find("\x1b[2K") == std::string::npos);
  CHECK(tty.out.find("1 target, ") != std::string::npos);
}

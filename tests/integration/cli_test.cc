#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/process.h"

using namespace probity::testing;

namespace {

CommandResult Probity(std::vector<std::string> args, const std::string& input = "") {
  args.insert(args.begin(), PROBITY_BINARY);
  return RunCommand(args, input);
}

int Lines(const std::string& s) { return static_cast<int>(std::count(s.begin(), s.end(), '\n')); }

}  // namespace

TEST_CASE("check-config prints every mistake as FILE:LINE:COL and exits 2", "[integration][cli]") {
  TempDir dir;
  const std::string file = dir.Write("bad.yaml",
                                     "global:\n  timeout: fast\n"
                                     "targets:\n  - name: x\n    url: http://127.0.0.1:1\n    colour: red\n"
                                     "    checks:\n      health.bogus.check: {severity: critical}\n");
  CommandResult r = Probity({"check-config", file});
  INFO(r.err);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find(file + ":2:12: global.timeout: invalid duration \"fast\"") != std::string::npos);
  CHECK(r.err.find(file + ":6:5: unknown key \"colour\"") != std::string::npos);
  CHECK(r.err.find(file + ":8:7: unknown check id \"health.bogus.check\"") != std::string::npos);
  CHECK(Lines(r.err) == 4);  // three errors and the count
}

TEST_CASE("check-config accepts a valid file with a one-line summary", "[integration][cli]") {
  CommandResult r = Probity({"check-config", std::string(PROBITY_SOURCE_DIR) + "/config/probity.yaml"});
  CHECK(r.exit_code == 0);
  CHECK(Lines(r.out) == 1);
  CHECK(r.out.find("valid: 2 targets") != std::string::npos);
}

TEST_CASE("check-config of a missing file exits 2 with the path", "[integration][cli]") {
  CommandResult r = Probity({"check-config", "/nonexistent/probity.yaml"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("/nonexistent/probity.yaml: cannot open \"/nonexistent/probity.yaml\": No such file or directory") !=
        std::string::npos);
}

TEST_CASE("Bad usage exits 2", "[integration][cli]") {
  CHECK(Probity({"scan"}).exit_code == 2);
  CHECK(Probity({"scan", "http://127.0.0.1:1", "--format", "yaml"}).exit_code == 2);
  CHECK(Probity({"scan", "not a url"}).exit_code == 2);
  CHECK(Probity({"frobnicate"}).exit_code == 2);
  CHECK(Probity({"scan", "http://127.0.0.1:1", "--min-score", "2"}).exit_code == 2);
}

TEST_CASE("checks lists the catalogue as text and JSON", "[integration][cli]") {
  CommandResult text = Probity({"checks"});
  CHECK(text.exit_code == 0);
  CHECK(text.out.find("health.liveness.reachable") != std::string::npos);
  CommandResult json = Probity({"checks", "--format", "json"});
  REQUIRE(json.exit_code == 0);
  auto j = nlohmann::json::parse(json.out);
  CHECK(j.size() == 51);
  CHECK(j[0]["id"] == "health.liveness.reachable");
  CHECK(j[0]["level"] == "bronze");
}

TEST_CASE("checks ID documents one check, and an unknown id is a usage error", "[integration][cli]") {
  CommandResult text = Probity({"checks", "metrics.lint.counter_suffix"});
  CHECK(text.exit_code == 0);
  CHECK(text.out.rfind("metrics.lint.counter_suffix\n", 0) == 0);
  CHECK(text.out.find("\nWhy it matters\n") != std::string::npos);
  CommandResult json = Probity({"checks", "metrics.lint.counter_suffix", "--format", "json"});
  REQUIRE(json.exit_code == 0);
  CHECK(nlohmann::json::parse(json.out)["severity"] == "warning");
  CommandResult unknown = Probity({"checks", "metrics.nope\x1b[2J"});
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.out.empty());
  CHECK(unknown.err.find("probity checks: no check \"metrics.nope") == 0);
  CHECK(unknown.err.find('\x1b') == std::string::npos);
}

TEST_CASE("version and help answer", "[integration][cli]") {
  CommandResult v = Probity({"--version"});
  CHECK(v.exit_code == 0);
  CHECK(v.out.rfind("probity, version ", 0) == 0);
  for (const char* line : {"(branch: ", ", revision: ", "\n  build date:       ", "\n  compiler:         ",
                           "\n  platform:         "}) {
    CHECK(v.out.find(line) != std::string::npos);
  }
  CommandResult h = Probity({"help", "scan"});
  CHECK(h.exit_code == 0);
  CHECK(h.out.find("--fail-on") != std::string::npos);
}

TEST_CASE("scan exit codes: 0 ready, 3 failed gate, 4 low score", "[integration][cli]") {
  SampleBackend healthy;
  CHECK(Probity({"scan", healthy.url()}).exit_code == 0);
  SampleBackend slow({"--health-delay", "300"});
  CHECK(Probity({"scan", slow.url()}).exit_code == 0);                          // a warning failed
  CHECK(Probity({"scan", slow.url(), "--fail-on", "warning"}).exit_code == 3);  // …which now gates
  CHECK(Probity({"scan", slow.url(), "--min-score", "0.999"}).exit_code == 4);  // one warning failed
  SampleBackend broken({"--fault", "not-ready"});
  CHECK(Probity({"scan", broken.url()}).exit_code == 3);
}

TEST_CASE("scan writes each format, and --output writes to a file", "[integration][cli]") {
  SampleBackend backend({"--fault", "not-ready"});
  TempDir dir;
  for (const std::string format : {"text", "json", "junit", "markdown", "html"}) {
    const std::string file = dir.path() + "/report." + format;
    CommandResult r = Probity({"scan", backend.url(), "--format", format, "--output", file});
    INFO(format << ": " << r.err);
    CHECK(r.exit_code == 3);
    CHECK(r.out.empty());
    std::ifstream in(file);
    std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(content.find("health.readiness.reachable") != std::string::npos);
    if (format == "json") CHECK_NOTHROW(nlohmann::json::parse(content));
    if (format == "text") CHECK(content.find("\x1b[") == std::string::npos);
  }
}

TEST_CASE("scan of a config file probes every target in it", "[integration][cli]") {
  SampleBackend a;
  SampleBackend b({"--fault", "liveness-lists-db"});
  TempDir dir;
  const std::string config = dir.Write("fleet.yaml", "global: {timeout: 2s}\ntargets:\n"
                                                     "  - {name: a, url: \"" + a.url() + "\"}\n"
                                                     "  - {name: b, url: \"" + b.url() + "\", labels: {team: x}}\n");
  CommandResult r = Probity({"scan", "--config", config, "--format", "json"});
  REQUIRE(r.exit_code == 0);
  auto j = nlohmann::json::parse(r.out);
  REQUIRE(j["targets"].size() == 2);
  CHECK(j["targets"][0]["level"] == "gold");
  CHECK(j["targets"][1]["level"] == "bronze");
  CHECK(j["targets"][1]["labels"]["team"] == "x");
}

TEST_CASE("No report format shows a secret found in a health body", "[integration][cli]") {
  SampleBackend backend({"--fault", "secret-in-health"});
  for (const std::string format : {"text", "json", "junit", "markdown", "html"}) {
    CommandResult r = Probity({"scan", backend.url(), "--format", format, "-v"});
    INFO(format);
    CHECK(r.out.find("health.details.safe") != std::string::npos);
    CHECK(r.out.find("s3cr3tPassw0rd") == std::string::npos);
    CHECK(r.err.find("s3cr3tPassw0rd") == std::string::npos);
  }
}

TEST_CASE("scan exits 1 when it cannot write the report", "[integration][cli]") {
  SampleBackend backend;
  CommandResult r = Probity({"scan", backend.url(), "--output", "/nonexistent-dir/report.txt"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("cannot write /nonexistent-dir/report.txt") != std::string::npos);
}

TEST_CASE("run exits with a clear error when its address is taken", "[integration][cli]") {
  SampleBackend backend;
  const std::string taken = backend.url().substr(std::string("http://").size());
  CommandResult r = Probity({"run", "--listen", taken});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("cannot listen on " + taken) != std::string::npos);
}

TEST_CASE("lint-metrics exits 0 clean, 3 with problems, 1 when unparseable", "[integration][cli]") {
  CommandResult clean = Probity({"lint-metrics", "-"}, "# HELP up_total Ups.\n# TYPE up_total counter\nup_total 1\n");
  CHECK(clean.exit_code == 0);
  CHECK(clean.out.empty());
  CommandResult problems = Probity({"lint-metrics"}, "# TYPE up counter\nup 1\n");
  CHECK(problems.exit_code == 3);
  CHECK(problems.out == "up counter metrics should have \"_total\" suffix\nup no help text\n");
  CommandResult broken = Probity({"lint-metrics", "-"}, "up 1\nup{ 2\n");
  CHECK(broken.exit_code == 1);
  CHECK(broken.err.find("cannot parse: line 2:") != std::string::npos);
  TempDir dir;
  const std::string file = dir.Write("om.txt", "# TYPE c counter\nc_total 1\n# EOF\n");
  CHECK(Probity({"lint-metrics", "--openmetrics", file}).exit_code == 3);  // no HELP
  CHECK(Probity({"lint-metrics", "/nonexistent.prom"}).exit_code == 1);
}

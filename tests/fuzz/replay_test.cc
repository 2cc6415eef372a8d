#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "exposition/analysis.h"
#include "fuzz/config_target.h"
#include "fuzz/log_line_target.h"

// Every seed and regression input of the three fuzzers (tests/fuzz/run),
// replayed the way each fuzzer runs it.

namespace {

// Every file under `dir` (recursively: the seeds and their regressions/), sorted.
std::vector<std::filesystem::path> FilesUnder(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string Contents(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("Exposition fuzzer seeds and regressions replay cleanly as the fuzzer runs them", "[exposition]") {
  // tests/fuzz/run exposition fuzzes from tests/testdata/exposition; every
  // input it found a bug with is kept in regressions/ and must now analyse, in
  // both formats and with the fuzzer's options (tests/fuzz/exposition_fuzzer.cc),
  // without a crash or a sanitizer report.
  const std::filesystem::path dir = std::filesystem::path(PROBITY_TESTDATA) / "exposition";
  REQUIRE(std::filesystem::is_directory(dir / "regressions"));
  const std::vector<std::filesystem::path> files = FilesUnder(dir);
  REQUIRE_FALSE(files.empty());
  probity::exposition::AnalyzeOptions options;
  options.keep_counter_values = true;
  options.keep_label_values = 50;
  for (const std::filesystem::path& file : files) {
    INFO(file.string());
    const std::string text = Contents(file);
    probity::exposition::Analyze(text, probity::exposition::Format::kText, options);
    const probity::exposition::Analysis as_openmetrics =
        probity::exposition::Analyze(text, probity::exposition::Format::kOpenMetrics, options);
    // OpenMetrics demands "# EOF": an input without it is never valid OpenMetrics.
    if (text.find("# EOF") == std::string::npos) CHECK(as_openmetrics.error);
  }
}

TEST_CASE("Log-line fuzzer seeds and regressions replay cleanly through the fuzz target", "[logs]") {
  // tests/fuzz/run log_line fuzzes from tests/testdata/logs; every input it
  // found a bug with is kept in regressions/ and must now parse, unwrap and
  // analyse without a crash or a broken contract (AddBlock the same as Add).
  const std::filesystem::path dir = std::filesystem::path(PROBITY_TESTDATA) / "logs";
  REQUIRE(std::filesystem::is_directory(dir / "regressions"));
  const std::vector<std::filesystem::path> files = FilesUnder(dir);
  REQUIRE_FALSE(files.empty());
  for (const std::filesystem::path& file : files) {
    INFO(file.string());
    CHECK(probity::fuzz::RunLogLineTarget(Contents(file)) == "");
  }
}

TEST_CASE("Config fuzzer seeds and regressions replay cleanly through the fuzz target", "[config]") {
  // tests/fuzz/run config fuzzes from tests/testdata/config; every input it
  // found a bug with is kept in regressions/ and must now load as probity.yaml
  // and as a web config without a crash or an error that echoes a secret file.
  const std::filesystem::path dir = std::filesystem::path(PROBITY_TESTDATA) / "config";
  REQUIRE(std::filesystem::is_directory(dir / "regressions"));
  const std::vector<std::filesystem::path> files = FilesUnder(dir);
  REQUIRE_FALSE(files.empty());
  for (const std::filesystem::path& file : files) {
    INFO(file.string());
    CHECK(probity::fuzz::RunConfigTarget(Contents(file)) == "");
  }
}

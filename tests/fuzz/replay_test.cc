#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/config_target.h"
#include "fuzz/exposition_target.h"
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

// Runs `target` on every seed and regression input of tests/testdata/`seeds`;
// each must come back clean ("").
void ReplayEach(const char* seeds, std::string (*target)(std::string_view)) {
  const std::filesystem::path dir = std::filesystem::path(PROBITY_TESTDATA) / seeds;
  REQUIRE(std::filesystem::is_directory(dir / "regressions"));
  const std::vector<std::filesystem::path> files = FilesUnder(dir);
  REQUIRE_FALSE(files.empty());
  for (const std::filesystem::path& file : files) {
    INFO(file.string());
    CHECK(target(Contents(file)) == "");
  }
}

}  // namespace

TEST_CASE("Exposition fuzzer seeds and regressions replay cleanly through the fuzz target", "[exposition]") {
  // tests/fuzz/run exposition fuzzes from tests/testdata/exposition; every
  // input it found a bug with is kept in regressions/ and must now analyse, in
  // both formats, on one thread and on two, without a crash or a broken contract.
  ReplayEach("exposition", probity::fuzz::RunExpositionTarget);
}

TEST_CASE("Log-line fuzzer seeds and regressions replay cleanly through the fuzz target", "[logs]") {
  // tests/fuzz/run log_line fuzzes from tests/testdata/logs; every input it
  // found a bug with is kept in regressions/ and must now parse, unwrap and
  // analyse without a crash or a broken contract (AddBlock the same as Add).
  ReplayEach("logs", probity::fuzz::RunLogLineTarget);
}

TEST_CASE("Config fuzzer seeds and regressions replay cleanly through the fuzz target", "[config]") {
  // tests/fuzz/run config fuzzes from tests/testdata/config; every input it
  // found a bug with is kept in regressions/ and must now load as probity.yaml
  // and as a web config without a crash or an error that echoes a secret file.
  ReplayEach("config", probity::fuzz::RunConfigTarget);
}

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "fuzz/log_line_target.h"

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

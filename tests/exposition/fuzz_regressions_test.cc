#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "exposition/analysis.h"

using namespace probity::exposition;

TEST_CASE("Exposition fuzzer seeds and regressions replay cleanly as the fuzzer runs them", "[exposition]") {
  // tests/fuzz/run exposition fuzzes from tests/testdata/exposition; every
  // input it found a bug with is kept in regressions/ and must now analyse, in
  // both formats and with the fuzzer's options (tests/fuzz/exposition_fuzzer.cc),
  // without a crash or a sanitizer report.
  const std::filesystem::path dir = std::filesystem::path(PROBITY_TESTDATA) / "exposition";
  REQUIRE(std::filesystem::is_directory(dir / "regressions"));
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  REQUIRE_FALSE(files.empty());
  AnalyzeOptions options;
  options.keep_counter_values = true;
  options.keep_label_values = 50;
  for (const std::filesystem::path& file : files) {
    INFO(file.string());
    std::ifstream in(file, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    const std::string text = s.str();
    Analyze(text, Format::kText, options);
    const Analysis as_openmetrics = Analyze(text, Format::kOpenMetrics, options);
    // OpenMetrics demands "# EOF": an input without it is never valid OpenMetrics.
    if (text.find("# EOF") == std::string::npos) CHECK(as_openmetrics.error);
  }
}

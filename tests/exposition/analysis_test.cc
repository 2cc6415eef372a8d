#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "exposition/analysis.h"

using namespace probity::exposition;

namespace {

std::vector<std::string> Lines(const std::string& text, Format format = Format::kText) {
  Analysis a = Analyze(text, format);
  REQUIRE_FALSE(a.error);
  std::vector<std::string> out;
  for (const Problem& p : a.problems) out.push_back(p.ToString());
  return out;
}

bool Has(const std::vector<std::string>& lines, const std::string& line) {
  return std::find(lines.begin(), lines.end(), line) != lines.end();
}

}  // namespace

TEST_CASE("promlint: every family needs HELP", "[exposition]") {
  CHECK(Lines("# HELP a x\na 1\n").empty());
  CHECK(Lines("a 1\n") == std::vector<std::string>{"a no help text"});
  CHECK(Lines("# HELP a\na 1\n") == std::vector<std::string>{"a no help text"});  // empty HELP is none
}

TEST_CASE("promlint: base units and no abbreviations", "[exposition]") {
  CHECK(Lines("# HELP a_seconds x\na_seconds 1\n").empty());
  CHECK(Has(Lines("# HELP a_milliseconds x\na_milliseconds 1\n"), "a_milliseconds use base unit \"seconds\" instead of \"milliseconds\""));
  CHECK(Has(Lines("# HELP a_ms x\na_ms 1\n"), "a_ms metric names should not contain abbreviated units"));
  CHECK(Lines("# HELP thermometers x\nthermometers 1\n").empty());
}

TEST_CASE("promlint: counters end in _total and nothing else does", "[exposition]") {
  CHECK(Lines("# HELP a_total x\n# TYPE a_total counter\na_total 1\n").empty());
  CHECK(Lines("# HELP a x\n# TYPE a counter\na 1\n") == std::vector<std::string>{"a counter metrics should have \"_total\" suffix"});
  CHECK(Lines("# HELP a_total x\n# TYPE a_total gauge\na_total 1\n") ==
        std::vector<std::string>{"a_total non-counter metrics should not have \"_total\" suffix"});
  CHECK(Lines("# HELP a_total x\na_total 1\n").empty());  // untyped is exempt
}

TEST_CASE("promlint: reserved suffixes and labels stay with their types", "[exposition]") {
  CHECK(Lines("# HELP h x\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n").empty());
  auto lines = Lines("# HELP g_bucket x\n# TYPE g_bucket gauge\ng_bucket{le=\"1\",quantile=\"1\"} 1\n");
  CHECK(Has(lines, "g_bucket non-histogram metrics should not have \"_bucket\" suffix"));
  CHECK(Has(lines, "g_bucket non-histogram metrics should not have \"le\" label"));
  CHECK(Has(lines, "g_bucket non-summary metrics should not have \"quantile\" label"));
  CHECK(Has(Lines("# HELP c_count x\n# TYPE c_count gauge\nc_count 1\n"),
            "c_count non-histogram and non-summary metrics should not have \"_count\" suffix"));
}

TEST_CASE("promlint: a label finding repeats once per metric, as promtool prints it", "[exposition]") {
  auto lines = Lines("# HELP g x\n# TYPE g gauge\ng{le=\"1\"} 1\ng{le=\"2\"} 1\n");
  CHECK(lines == std::vector<std::string>{"g non-histogram metrics should not have \"le\" label",
                                          "g non-histogram metrics should not have \"le\" label"});
}

TEST_CASE("promlint: no type in the name and no colon", "[exposition]") {
  CHECK(Has(Lines("# HELP a_gauge x\na_gauge 1\n"), "a_gauge metric name should not include type 'gauge'"));
  CHECK(Has(Lines("# HELP a:b x\na:b 1\n"), "a:b metric names should not contain ':'"));
  CHECK(Lines("# HELP gauges_info x\ngauges_info 1\n").empty());
}

TEST_CASE("promlint: snake_case metric and label names", "[exposition]") {
  CHECK(Lines("# HELP a_x x\na_x{c_d=\"1\"} 1\n").empty());
  auto lines = Lines("# HELP aB x\naB{cD=\"1\"} 1\n");
  CHECK(Has(lines, "aB metric names should be written in 'snake_case' not 'camelCase'"));
  CHECK(Has(lines, "aB label names should be written in 'snake_case' not 'camelCase'"));
}

TEST_CASE("Findings are sorted as promtool sorts them, Probity's after", "[exposition]") {
  auto lines = Lines("b 1\na 1\n# HELP d x\nd{__x=\"1\"} 1\n");
  CHECK(lines == std::vector<std::string>{"a no help text", "b no help text",
                                          "d label name \"__x\" is reserved for internal use (starts with __)"});
}

TEST_CASE("Duplicate series are found", "[exposition]") {
  Analysis ok = Analyze("# HELP a x\na{x=\"1\",y=\"2\"} 1\na{x=\"1\",y=\"3\"} 1\n", Format::kText);
  CHECK(ok.Of(Problem::Kind::kDuplicate).empty());
  Analysis dup = Analyze("# HELP a x\na{x=\"1\",y=\"2\"} 1\na{y=\"2\",x=\"1\"} 1\n", Format::kText);
  REQUIRE(dup.Of(Problem::Kind::kDuplicate).size() == 1);
  CHECK(dup.Of(Problem::Kind::kDuplicate)[0]->text.find("line 3") != std::string::npos);
}

TEST_CASE("Histograms must be consistent", "[exposition]") {
  const std::string head = "# HELP h x\n# TYPE h histogram\n";
  CHECK(Analyze(head + "h_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 3\nh_count 2\n", Format::kText)
            .Of(Problem::Kind::kHistogram).empty());
  auto text_of = [&](const std::string& body) {
    Analysis a = Analyze(head + body, Format::kText);
    REQUIRE(a.Of(Problem::Kind::kHistogram).size() == 1);
    return a.Of(Problem::Kind::kHistogram)[0]->text;
  };
  CHECK(text_of("h_bucket{le=\"1\"} 1\nh_sum 3\nh_count 1\n").find("has no le=\"+Inf\" bucket") != std::string::npos);
  CHECK(text_of("h_bucket{le=\"2\"} 1\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n")
            .find("out of order") != std::string::npos);
  CHECK(text_of("h_bucket{le=\"1\"} 5\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 2\n").find("decrease") != std::string::npos);
  CHECK(text_of("h_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 3\n").find("differs from _count (3)") != std::string::npos);
  CHECK(text_of("h_bucket{le=\"+Inf\"} 2\nh_sum NaN\nh_count 2\n").find("NaN _sum") != std::string::npos);
  // The reference text parser ignores a bucket without le; Probity reports it.
  CHECK(text_of("h_bucket 1\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n").find("bucket without an le label") !=
        std::string::npos);
}

TEST_CASE("Cardinality budgets are reported", "[exposition]") {
  std::string body = "# HELP a x\n";
  for (int i = 0; i < 30; ++i) body += "a{i=\"" + std::to_string(i) + "\"} 1\n";
  AnalyzeOptions options;
  options.max_series_per_family = 20;
  options.max_series_total = 25;
  Analysis a = Analyze(body, Format::kText, options);
  auto found = a.Of(Problem::Kind::kCardinality);
  REQUIRE(found.size() == 2);
  CHECK(found[0]->ToString() == "a has 30 series, more than the budget of 20 per family");
  CHECK(a.total_series == 30);
}

TEST_CASE("Fuzzer regressions replay cleanly", "[exposition]") {
  // Inputs the fuzzer found interesting are kept in testdata; every one must
  // analyse without crashing in both formats.
  for (const char* name : {"basic.prom", "basic.om"}) {
    std::ifstream in(std::string(PROBITY_TESTDATA) + "/exposition/" + name, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    CHECK_NOTHROW(Analyze(s.str(), Format::kText));
    CHECK_NOTHROW(Analyze(s.str(), Format::kOpenMetrics));
  }
  CHECK_FALSE(Analyze(std::string("# EOF\n"), Format::kOpenMetrics).error);
}

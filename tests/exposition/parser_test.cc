#include <catch2/catch.hpp>

#include <cmath>

#include "exposition/analysis.h"

using namespace probity::exposition;

namespace {

// The parse error's text for an exposition, or "" when it parses.
std::string ErrorOf(const std::string& text, Format format = Format::kText) {
  Analysis a = Analyze(text, format);
  return a.error ? a.error->ToString() : "";
}

std::string Om(const std::string& body) { return body + "# EOF\n"; }

}  // namespace

TEST_CASE("A well-formed text exposition parses", "[exposition]") {
  CHECK(ErrorOf("# HELP a_total Help with \\\\ and \\n.\n# TYPE a_total counter\n"
                "a_total{x=\"1\",y=\"q\\\"uote\\\\ \\n\"} 1 1700000000000\n\n  b 2\n# a free comment\n") == "");
}

TEST_CASE("Label values accept only the three escapes", "[exposition]") {
  CHECK(ErrorOf("a{x=\"\\\\ \\\" \\n\"} 1\n") == "");
  CHECK(ErrorOf("a{x=\"\\t\"} 1\n") == "line 1:6: invalid escape sequence '\\t' in label value");
}

TEST_CASE("HELP text accepts only \\\\ and \\n", "[exposition]") {
  CHECK(ErrorOf("# HELP a x\\\\y\\nz\na 1\n") == "");
  CHECK(ErrorOf("# HELP a x\\qy\na 1\n") == "line 1:11: invalid escape sequence '\\q' in HELP text");
}

TEST_CASE("Label values and HELP must be UTF-8", "[exposition]") {
  CHECK(ErrorOf("a{x=\"caf\xC3\xA9\"} 1\n") == "");
  CHECK(ErrorOf("a{x=\"\xff\"} 1\n") == "line 1:6: label value of \"x\" is not valid UTF-8");
  CHECK(ErrorOf("# HELP a \xC0\xAF\na 1\n") == "line 1:10: HELP text is not valid UTF-8");
}

TEST_CASE("Metric and label names follow the name syntax", "[exposition]") {
  CHECK(ErrorOf("a:b_c9 1\n_x{_y=\"1\"} 2\n") == "");
  CHECK(ErrorOf("9a 1\n") == "line 1:1: invalid metric name");
  CHECK(ErrorOf("a{9=\"1\"} 1\n") == "line 1:3: invalid label name for metric \"a\"");
  CHECK(ErrorOf("a{__name__=\"b\"} 1\n") == "line 1:3: label name \"__name__\" is reserved");
}

TEST_CASE("Duplicate label names are rejected", "[exposition]") {
  CHECK(ErrorOf("a{x=\"1\",y=\"1\"} 1\n") == "");
  CHECK(ErrorOf("a{x=\"1\",x=\"2\"} 1\n") == "line 1:9: duplicate label name \"x\" for metric \"a\"");
}

TEST_CASE("Float values: what Prometheus accepts and rejects", "[exposition]") {
  double v = 0;
  for (const char* ok : {"1", "-1.5", "+2", ".5", "5.", "1e3", "1E-3", "NaN", "nan", "+Inf", "-Inf", "Inf", "Infinity"}) {
    INFO(ok);
    CHECK(ParseFloatValue(ok, &v));
  }
  CHECK(ParseFloatValue("-Inf", &v));
  CHECK(std::isinf(v));
  for (const char* bad : {"", "1_000", "0x10", "0x1p3", "1,5", "--1", "+-1", "1e", "nan(1)", "1e400", "Inf1", " 1"}) {
    INFO(bad);
    CHECK_FALSE(ParseFloatValue(bad, &v));
  }
  CHECK(ErrorOf("a 1_000\n") == "line 1:3: expected a float as value, got \"1_000\"");
}

TEST_CASE("Text timestamps are integer milliseconds; OpenMetrics ones are float seconds", "[exposition]") {
  CHECK(ErrorOf("a 1 1700000000000\n") == "");
  CHECK(ErrorOf("a 1 1.5\n") == "line 1:5: expected an integer timestamp in milliseconds, got \"1.5\"");
  CHECK(ErrorOf(Om("a 1 1700000000.5\n"), Format::kOpenMetrics) == "");
  CHECK(ErrorOf(Om("a 1 soon\n"), Format::kOpenMetrics) ==
        "line 1:5: expected a float timestamp in seconds, got \"soon\"");
}

TEST_CASE("Nothing may follow the timestamp", "[exposition]") {
  CHECK(ErrorOf("a 1 2 3\n") == "line 1:7: unexpected text after the sample: \"3\"");
}

TEST_CASE("The text format must end with a newline", "[exposition]") {
  CHECK(ErrorOf("a 1") == "line 1:4: missing newline at the end of the input");
}

TEST_CASE("One HELP and one TYPE per family, TYPE before samples", "[exposition]") {
  CHECK(ErrorOf("# HELP a x\n# TYPE a gauge\na 1\n") == "");
  CHECK(ErrorOf("# HELP a x\n# HELP a y\na 1\n") == "line 2:1: second HELP line for metric name \"a\"");
  CHECK(ErrorOf("# TYPE a gauge\n# TYPE a counter\na 1\n") ==
        "line 2:1: second TYPE line for metric name \"a\", or TYPE reported after samples");
  CHECK(ErrorOf("a 1\n# TYPE a gauge\n") ==
        "line 2:1: second TYPE line for metric name \"a\", or TYPE reported after samples");
  CHECK(ErrorOf("# TYPE a gauges\na 1\n") == "line 1:10: unknown metric type \"gauges\"");
}

TEST_CASE("Families must be contiguous", "[exposition]") {
  Analysis ok = Analyze("a 1\na{x=\"1\"} 2\nb 1\n", Format::kText);
  CHECK(ok.Of(Problem::Kind::kValidity).empty());
  Analysis split = Analyze("a 1\nb 1\na{x=\"1\"} 2\n", Format::kText);
  REQUIRE_FALSE(split.error);
  REQUIRE(split.Of(Problem::Kind::kValidity).size() == 1);
  CHECK(split.Of(Problem::Kind::kValidity)[0]->ToString() == "a family is not contiguous: it continues at line 3 after other families");
  CHECK(ErrorOf(Om("a 1\nb 1\na{x=\"1\"} 2\n"), Format::kOpenMetrics) ==
        "line 3:1: metric family \"a\" is interleaved with another family");
}

TEST_CASE("OpenMetrics ends with # EOF and nothing after it", "[exposition]") {
  CHECK(ErrorOf("a 1\n# EOF", Format::kOpenMetrics) == "");
  CHECK(ErrorOf("a 1\n", Format::kOpenMetrics) == "line 2:1: missing # EOF at the end of the OpenMetrics exposition");
  CHECK(ErrorOf("# EOF\na 1\n", Format::kOpenMetrics) == "line 2:1: content after # EOF");
}

TEST_CASE("OpenMetrics allows no blank lines, no free comments and single spaces only", "[exposition]") {
  CHECK(ErrorOf(Om("a 1\n\nb 1\n"), Format::kOpenMetrics) == "line 2:1: empty line (OpenMetrics allows none)");
  CHECK(ErrorOf(Om("# hello\na 1\n"), Format::kOpenMetrics).find("unknown comment") != std::string::npos);
  CHECK(ErrorOf(Om("a  1\n"), Format::kOpenMetrics).find("expected a float") != std::string::npos);
  CHECK(ErrorOf(Om("a{x=\"1\",} 1\n"), Format::kOpenMetrics).find("invalid label name") != std::string::npos);
}

TEST_CASE("OpenMetrics metadata comes first, once, with a matching UNIT", "[exposition]") {
  CHECK(ErrorOf(Om("# TYPE a_seconds gauge\n# UNIT a_seconds seconds\n# HELP a_seconds x\na_seconds 1\n"),
                Format::kOpenMetrics) == "");
  CHECK(ErrorOf(Om("# TYPE a gauge\n# UNIT a seconds\na 1\n"), Format::kOpenMetrics) ==
        "line 2:1: metric name \"a\" must end with its unit \"_seconds\"");
  CHECK(ErrorOf(Om("# TYPE a gauge\na 1\n# HELP a x\n"), Format::kOpenMetrics) ==
        "line 3:1: HELP for metric family \"a\" after its samples");
  CHECK(ErrorOf(Om("# TYPE a gauge\n# TYPE a gauge\na 1\n"), Format::kOpenMetrics).find("second TYPE") != std::string::npos);
}

TEST_CASE("OpenMetrics counters have _total and _created samples only", "[exposition]") {
  CHECK(ErrorOf(Om("# TYPE c counter\nc_total 1\nc_created 1700000000\n"), Format::kOpenMetrics) == "");
  CHECK(ErrorOf(Om("# TYPE c counter\nc 1\n"), Format::kOpenMetrics) ==
        "line 2:1: sample \"c\" does not belong to family \"c\" of type counter");
  CHECK(ErrorOf(Om("# TYPE c counter\nc_total -1\n"), Format::kOpenMetrics) ==
        "line 2:1: counter value must be a non-negative number");
}

TEST_CASE("OpenMetrics info and stateset rules", "[exposition]") {
  CHECK(ErrorOf(Om("# TYPE i info\ni_info{v=\"1\"} 1\n# TYPE s stateset\ns{s=\"a\"} 1\ns{s=\"b\"} 0\n"),
                Format::kOpenMetrics) == "");
  CHECK(ErrorOf(Om("# TYPE i info\ni_info{v=\"1\"} 2\n"), Format::kOpenMetrics) == "line 2:1: info metric value must be 1");
  CHECK(ErrorOf(Om("# TYPE s stateset\ns{x=\"a\"} 1\n"), Format::kOpenMetrics) ==
        "line 2:1: stateset sample needs a label named after its family");
  CHECK(ErrorOf(Om("# TYPE s stateset\ns{s=\"a\"} 2\n"), Format::kOpenMetrics) == "line 2:1: stateset value must be 0 or 1");
}

TEST_CASE("OpenMetrics exemplars: where allowed and at most 128 characters", "[exposition]") {
  const std::string ok = "# TYPE c counter\nc_total 1 # {trace_id=\"0af7651916cd43dd8448eb211c80319c\"} 1 1700000000\n";
  CHECK(ErrorOf(Om(ok), Format::kOpenMetrics) == "");
  CHECK(ErrorOf(Om("# TYPE g gauge\ng 1 # {trace_id=\"x\"} 1\n"), Format::kOpenMetrics) ==
        "line 2:1: exemplars are only allowed on counter _total and histogram _bucket samples");
  const std::string long_label = "# TYPE c counter\nc_total 1 # {trace_id=\"" + std::string(130, 'a') + "\"} 1\n";
  CHECK(ErrorOf(Om(long_label), Format::kOpenMetrics) ==
        "line 2:1: exemplar labels have 138 characters, more than the 128 OpenMetrics allows");
}

TEST_CASE("Histogram buckets need a float le; gauge histograms use _gcount and _gsum", "[exposition]") {
  CHECK(ErrorOf("# TYPE h histogram\nh_bucket{le=\"x\"} 1\n") == "line 2:1: expected float as value for 'le' label, got \"x\"");
  CHECK(ErrorOf(Om("# TYPE h histogram\nh_bucket 1\n"), Format::kOpenMetrics) == "line 2:1: histogram bucket without an le label");
  CHECK(ErrorOf(Om("# TYPE g gaugehistogram\ng_bucket{le=\"+Inf\"} 1\ng_gcount 1\ng_gsum 1\n"), Format::kOpenMetrics) == "");
}

TEST_CASE("Summary quantiles must be floats, and within 0..1", "[exposition]") {
  CHECK(ErrorOf("# TYPE s summary\ns{quantile=\"high\"} 1\n") ==
        "line 2:1: expected float as value for 'quantile' label, got \"high\"");
  Analysis a = Analyze("# HELP s x\n# TYPE s summary\ns{quantile=\"1.5\"} 1\ns_sum 1\ns_count 1\n", Format::kText);
  REQUIRE(a.Of(Problem::Kind::kHistogram).size() == 1);
  CHECK(a.Of(Problem::Kind::kHistogram)[0]->text == "summary quantile \"1.5\" is outside 0..1");
}

TEST_CASE("Hostile expositions fail cleanly", "[exposition]") {
  CHECK_FALSE(ErrorOf(std::string(100000, '{') + "\n").empty());
  CHECK_FALSE(ErrorOf("a{x=\"" + std::string(1 << 20, 'y') + "\n").empty());
  CHECK_FALSE(ErrorOf(std::string("\0\1\2", 3)).empty());
  CHECK(ErrorOf(std::string(100000, '#') + "\n") == "");  // a comment, however odd
}

#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "exposition/analysis.h"
#include "exposition/parser.h"

using namespace probity::exposition;
using namespace std::string_literals;

namespace {

// The parse error's text for an exposition, or "" when it parses.
std::string ErrorOf(const std::string& text, Format format = Format::kText) {
  Analysis a = Analyze(text, format);
  return a.error ? a.error->ToString() : "";
}

std::string Om(const std::string& body) { return body + "# EOF\n"; }

// The parse error's text for an OpenMetrics body (# EOF appended), or "".
std::string OmError(const std::string& body) { return ErrorOf(Om(body), Format::kOpenMetrics); }

}  // namespace

TEST_CASE("A well-formed text exposition parses", "[exposition]") {
  CHECK(ErrorOf("# HELP a_total Help with \\\\ and \\n.\n# TYPE a_total counter\n"
                "a_total{x=\"1\",y=\"q\\\"uote\\\\ \\n\"} 1 1700000000000\n\n  b 2\n# a free comment\n") == "");
}

TEST_CASE("Label values accept only the three escapes", "[exposition]") {
  CHECK(ErrorOf("a{x=\"\\\\ \\\" \\n\"} 1\n") == "");
  CHECK(ErrorOf("a{x=\"\\t\"} 1\n") == "line 1:6: invalid escape sequence '\\t' in label value");
}

TEST_CASE("HELP text accepts only the backslash and line feed escapes", "[exposition]") {
  CHECK(ErrorOf("# HELP a x\\\\y\\nz\na 1\n") == "");
  CHECK(ErrorOf("# HELP a x\\qy\na 1\n") == "line 1:11: invalid escape sequence '\\q' in HELP text");
}

TEST_CASE("Label values and HELP must be UTF-8", "[exposition]") {
  CHECK(ErrorOf("a{x=\"caf\xC3\xA9\"} 1\n") == "");
  CHECK(ErrorOf("a{x=\"\xff\"} 1\n") == "line 1:6: label value of \"x\" is not valid UTF-8");
  CHECK(ErrorOf("# HELP a \xC0\xAF\na 1\n") == "line 1:10: HELP text is not valid UTF-8");
}

TEST_CASE("Names and label values are scanned 16 bytes at a time: every length and position", "[exposition]") {
  // The scan may read past a line's end into the next line, or stop short
  // of the input's end: each name, value and bad byte is tried at every
  // place relative to a 16-byte chunk, on the last line and on an earlier one.
  for (std::size_t n = 1; n <= 40; ++n) {
    const std::string name = "m" + std::string(n - 1, 'a'), label = "l" + std::string(n - 1, 'Z');
    const std::string ok = name + "{" + label + "=\"" + std::string(n, 'v') + "\"} 1\n";
    CAPTURE(n);
    CHECK(ErrorOf(ok) == "");
    const std::string twice = name + "{" + label + "=\"" + std::string(n, 'v') + "\"," + label + "=\"v\"} 1\n";
    CHECK(ErrorOf(ok + twice + "x 2\n") ==
          "line 2:" + std::to_string(3 * n + 6) + ": duplicate label name \"" + label + "\" for metric \"" + name + "\"");
    for (std::size_t at = 0; at < n; ++at) {
      CAPTURE(at);
      std::string bad_name = name;
      bad_name[at] = at == 0 ? '9' : '-';
      CHECK(ErrorOf(bad_name + " 1\n") != "");
      std::string bad_label = label;
      bad_label[at] = at == 0 ? '9' : '.';
      CHECK(ErrorOf(name + "{" + bad_label + "=\"v\"} 1\n") != "");
      std::string value(n, 'v');
      value[at] = '\xff';
      const std::string bad_value = name + "{" + label + "=\"" + value + "\"} 1\n";
      const std::string expected = "label value of \"" + label + "\" is not valid UTF-8";
      CHECK(ErrorOf(bad_value).find(expected) != std::string::npos);
      CHECK(ErrorOf("a 1\n" + bad_value + "b 2\n").find(expected) != std::string::npos);
      std::string two_bytes(n, 'v');
      two_bytes.replace(at, 1, "\xc3\xa9");
      CHECK(ErrorOf(name + "{" + label + "=\"" + two_bytes + "\"} 1\n") == "");
      // OpenMetrics: a backslash may escape any byte, which must still make UTF-8.
      value.replace(at, 1, "\\\xff");
      CHECK(ErrorOf(Om(name + "{" + label + "=\"" + value + "\"} 1\n"), Format::kOpenMetrics).find(expected) != std::string::npos);
    }
  }
}

namespace {

// Each sample as name{label=value,...} shared=N, checking that every view
// points into the sample's own line.
struct SampleLog : Handler {
  std::vector<std::string> samples;
  void OnHelp(std::string_view, std::string_view, std::uint32_t) override {}
  void OnType(std::string_view, MetricType, std::uint32_t) override {}
  void OnUnit(std::string_view, std::string_view, std::uint32_t) override {}
  void OnSample(const Sample& s) override {
    auto inside = [&](std::string_view v) {
      return v.data() >= s.text.data() && v.data() + v.size() <= s.text.data() + s.text.size();
    };
    std::string text(s.name);
    bool views_inside = inside(s.name);
    for (std::size_t i = 0; i < s.label_count; ++i) {
      text += (i ? "," : "{") + std::string(s.labels[i].name) + "=" + std::string(s.labels[i].value);
      views_inside = views_inside && inside(s.labels[i].name) && inside(s.labels[i].value);
    }
    if (s.label_count) text += "}";
    samples.push_back(text + " shared=" + std::to_string(s.shared_labels) + (views_inside ? "" : " OUTSIDE"));
  }
};

}  // namespace

TEST_CASE("A line that starts as the previous sample's did takes its name and first labels from it", "[exposition]") {
  SampleLog log;
  const std::string text =
      "a{x=\"1\",y=\"2\"} 1\n"
      "a{x=\"1\",y=\"3\"} 1\n"      // shares x
      "# HELP a More.\n"
      "a{x=\"1\",y=\"3\",z=\"4\"} 1\n"  // shares x across a comment
      "a{x=\"1\",y=\"3\"} 1\n"      // shares x and y
      "a{x=\"1\"} 1\n"              // shares x, then ends
      "a{x=\"1\"} 2\n"              // one label: nothing to share
      "a {x=\"1\", y=\"2\"} 1\n"
      "a {x=\"1\", y=\"5\" } 1\n"   // blanks are part of what is shared
      "ab{x=\"1\",y=\"2\"} 1\n"     // another name
      "ab{x=\"11\",y=\"2\"} 1\n";   // another value
  REQUIRE_FALSE(Parse(text, Format::kText, log));
  CHECK(log.samples == std::vector<std::string>{
                           "a{x=1,y=2} shared=0", "a{x=1,y=3} shared=1", "a{x=1,y=3,z=4} shared=1",
                           "a{x=1,y=3} shared=2", "a{x=1} shared=1", "a{x=1} shared=0", "a{x=1,y=2} shared=0",
                           "a{x=1,y=5} shared=1", "ab{x=1,y=2} shared=0", "ab{x=11,y=2} shared=0"});
  // What follows the shared part is parsed as ever, and its errors say where.
  const std::string first = "a{x=\"1\",y=\"2\"} 1\n";
  CHECK(ErrorOf(first + "a{x=\"1\",x=\"2\"} 1\n") == "line 2:9: duplicate label name \"x\" for metric \"a\"");
  CHECK(ErrorOf(first + "a{x=\"1\",y=\"\xff\"} 1\n") == "line 2:12: label value of \"y\" is not valid UTF-8");
  CHECK(ErrorOf(first + "a{x=\"1\"x} 1\n") == "line 2:8: expected ',' or '}' after label value");
  CHECK(ErrorOf(first + "a{x=\"1\",y=\"2\"} z\n") == "line 2:16: expected a float as value, got \"z\"");
  CHECK(ErrorOf(first + "a{x=\"1\",\n") == "line 2:9: invalid label name for metric \"a\"");
  // Lines in another piece share nothing: its views may be gone.
  SampleLog pieces;
  PieceParser parser(Format::kText, pieces);
  REQUIRE_FALSE(parser.Feed(first, 0, false));
  REQUIRE_FALSE(parser.Feed("a{x=\"1\",y=\"3\"} 1\n", first.size(), true));
  CHECK(pieces.samples == std::vector<std::string>{"a{x=1,y=2} shared=0", "a{x=1,y=3} shared=0"});
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
  // A signed NaN: promtool ("expected float as value") and the OpenMetrics ABNF reject it.
  for (const char* bad : {"", "1_000", "0x10", "0x1p3", "1,5", "--1", "+-1", "1e", "nan(1)", "1e400", "Inf1", " 1",
                          "-NaN", "+nan"}) {
    INFO(bad);
    CHECK_FALSE(ParseFloatValue(bad, &v));
  }
  CHECK(ErrorOf("a 1_000\n") == "line 1:3: expected a float as value, got \"1_000\"");
}

TEST_CASE("Text timestamps are integer milliseconds, and OpenMetrics ones are float seconds", "[exposition]") {
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
  CHECK(OmError("a 1\t\n") == "line 1:3: expected a float as value, got \"1\"");  // the excerpt trims the tab
  CHECK(OmError("a 1 \n") == "line 1:4: trailing space after the value");
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

TEST_CASE("Histogram buckets need a float le, and gauge histograms use _gcount and _gsum", "[exposition]") {
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

// OpenMetrics 1.0 text format, section by section (see OPENMETRICS_CONFORMANCE.md).

TEST_CASE("OpenMetrics: no byte order mark", "[exposition]") {
  CHECK(OmError("a 1\n") == "");
  CHECK(OmError("\xEF\xBB\xBF" "a 1\n") == "line 1:1: byte order mark (OpenMetrics allows none)");
}

TEST_CASE("OpenMetrics: lines end with a line feed, never CR LF", "[exposition]") {
  CHECK(OmError("# TYPE a gauge\na{x=\"a\rb\"} 1\n") == "");  // a CR inside a label value is a normal-char
  CHECK(OmError("# TYPE a gauge\r\na 1\n") ==
        "line 1:15: carriage return at the end of the line (OpenMetrics lines end with \\n only)");
  CHECK(ErrorOf("a 1\n# EOF\r\n", Format::kOpenMetrics).find("line 2:6: carriage return") == 0);
}

TEST_CASE("OpenMetrics: # EOF ends the exposition, with at most one newline after it", "[exposition]") {
  CHECK(ErrorOf("# EOF\n", Format::kOpenMetrics) == "");  // an empty MetricSet
  CHECK(ErrorOf("# EOF", Format::kOpenMetrics) == "");
  CHECK(ErrorOf("# EOF\n\n", Format::kOpenMetrics) == "line 2:1: content after # EOF");
  CHECK(ErrorOf("a 1\n# EOF \n", Format::kOpenMetrics).find("unknown comment") != std::string::npos);
}

TEST_CASE("OpenMetrics: TYPE, HELP and UNIT lines as the ABNF writes them", "[exposition]") {
  CHECK(OmError("# TYPE a unknown\n# HELP a \n# UNIT a \na 1\n") == "");  // empty HELP and UNIT are allowed
  CHECK(OmError("# TYPE a untyped\n") == "line 1:10: unknown metric type \"untyped\"");
  CHECK(OmError("# TYPE a Gauge\n") == "line 1:10: unknown metric type \"Gauge\"");
  CHECK(OmError("# TYPE a gauge \n") == "line 1:10: unknown metric type \"gauge\"");  // "gauge ": the excerpt trims it
  CHECK(OmError("# HELP a\n") == "line 1:9: expected a space after the metric name in HELP");
  CHECK(OmError("# UNIT a\n") == "line 1:9: expected a space after the metric name in UNIT");
  CHECK(OmError("# TYPE a:b_c:d gauge\n# UNIT a:b_c:d c:d\n") == "");  // a unit is *metricname-char
  CHECK(OmError("# UNIT a_b b-c\n") == "line 1:13: invalid character in UNIT");
}

TEST_CASE("OpenMetrics: a backslash in a label value may escape any character", "[exposition]") {
  // escaped-char = normal-char / BS ("n" / DQUOTE / BS) / BS normal-char
  CHECK(OmError("a{x=\"\\\\ \\\" \\n \\q \\t \\{\"} 1\n") == "");
  CHECK(OmError("a{x=\"\\\"} 1\n") == "line 1:5: unterminated label value (a raw new-line is not allowed)");
  CHECK(ErrorOf("a{x=\"\\q\"} 1\n") == "line 1:6: invalid escape sequence '\\q' in label value");  // text: promtool's rule
  CHECK(Unescape("a\\\\b\\\"c\\nd\\qe") == "a\\b\"c\nd\\qe");
}

TEST_CASE("OpenMetrics: a backslash in HELP may escape any character but must not end it", "[exposition]") {
  CHECK(OmError("# HELP a x \\\\ \\\" \\n \\t\n") == "");
  CHECK(OmError("# HELP a x\\\n") == "line 1:11: unterminated escape in HELP text");
  CHECK(ErrorOf("# HELP a x\\t\na 1\n") == "line 1:11: invalid escape sequence '\\t' in HELP text");  // text: promtool's rule
}

TEST_CASE("OpenMetrics: strings are UTF-8 and may hold NUL", "[exposition]") {
  CHECK(OmError("a{x=\"\0\xC3\xA9\"} 1\n"s) == "");
  CHECK(OmError("# HELP a he\0lp\n"s) == "");
  CHECK(OmError("a{x=\"\xED\xA0\x80\"} 1\n") == "line 1:6: label value of \"x\" is not valid UTF-8");  // a surrogate
  CHECK(OmError("# HELP a \xff\n") == "line 1:10: HELP text is not valid UTF-8");
  CHECK(OmError("# TYPE c counter\nc_total 1 # {id=\"\xff\"} 1\n") == "line 2:18: label value of \"id\" is not valid UTF-8");
}

TEST_CASE("OpenMetrics: labels are {} or name=\"value\" pairs split by single commas, names unique", "[exposition]") {
  CHECK(OmError("a{} 1\nb{x=\"1\",y=\"2\"} 1\n") == "");
  CHECK(OmError("a{x=\"1\",} 1\n") == "line 1:9: invalid label name for metric \"a\"");
  CHECK(OmError("a{x=\"1\", y=\"2\"} 1\n") == "line 1:9: invalid label name for metric \"a\"");
  CHECK(OmError("a{x=\"1\",x=\"2\"} 1\n") == "line 1:9: duplicate label name \"x\" for metric \"a\"");
  CHECK(OmError("a{x=1} 1\n") == "line 1:5: expected '\"' at start of label value");
  CHECK(OmError("a.b 1\n") == "line 1:2: expected a single space before the value");
}

TEST_CASE("OpenMetrics: numbers are real numbers, [sign] Inf or Infinity, or NaN", "[exposition]") {
  for (const char* ok : {"1", "-1.5", "+2", ".5", "5.", "1e3", "1E-3", "0042", "NaN", "nan", "+Inf", "-inf", "Infinity",
                         "1.7976931348623157e308"}) {
    INFO(ok);
    CHECK(OmError(std::string("a ") + ok + "\n") == "");
  }
  for (const char* bad : {"-NaN", "+nan", "1e400", "0x10", "1_000", "1e", ".", "Inf1", "1.1.1"}) {
    INFO(bad);
    CHECK(OmError(std::string("a ") + bad + "\n") == std::string("line 1:3: expected a float as value, got \"") + bad + "\"");
  }
}

TEST_CASE("OpenMetrics: timestamps are real numbers: no NaN or Inf however spelled", "[exposition]") {
  CHECK(OmError("a 1 -1.5\nb 1 000\nc 1 1.5e3\nd 1 12345678901234567890.1234567890\n") == "");  // negative MAY be used
  for (const char* bad : {"NaN", "Inf", "+Inf", "-Inf", "infinity", "1_2", "0x1p-3", "z"}) {
    INFO(bad);
    CHECK(OmError(std::string("a 1 ") + bad + "\n") ==
          std::string("line 1:5: expected a float timestamp in seconds, got \"") + bad + "\"");
  }
  CHECK(OmError("# TYPE c counter\nc_total 1 # {} 1 1.5\n") == "");
  CHECK(OmError("# TYPE c counter\nc_total 1 # {} 1 Inf\n") == "line 2:18: expected a float exemplar timestamp, got \"Inf\"");
}

TEST_CASE("OpenMetrics: an exemplar is ' # ' {labels} value [timestamp], one per sample", "[exposition]") {
  const std::string head = "# TYPE c counter\n";
  CHECK(OmError(head + "c_total 1 # {} 0.5\n") == "");  // no labels: written {}
  CHECK(OmError(head + "c_total 1 2 # {a=\"b\"} 0.5 3\n") == "");
  CHECK(OmError(head + "c_total 1 # 0.5\n") == "line 2:13: expected '{' to start the exemplar's labels");
  CHECK(OmError(head + "c_total 1 #{} 0.5\n") == "line 2:11: expected a float timestamp in seconds, got \"#{}\"");
  CHECK(OmError(head + "c_total 1 # {}0.5\n") == "line 2:15: expected a space before the exemplar value");
  CHECK(OmError(head + "c_total 1 # {} 0.5 \n") == "line 2:20: expected a float exemplar timestamp, got \"\"");
  CHECK(OmError(head + "c_total 1 # {a=\"1\"} 1 # {b=\"2\"} 1\n") ==
        "line 2:23: expected a float exemplar timestamp, got \"#\"");
}

TEST_CASE("Real numbers compare exactly, beyond double precision", "[exposition]") {
  CHECK(CompareRealNumbers("1604676851.123456789", "1604676851.12345679") < 0);
  CHECK(CompareRealNumbers("1604676851.123456789", "1604676851.1234567890") == 0);
  CHECK(CompareRealNumbers("1.5e3", "1500") == 0);
  CHECK(CompareRealNumbers("0.0", "-0") == 0);
  CHECK(CompareRealNumbers("-2", "-10") > 0);
  CHECK(CompareRealNumbers("0.001", "1e-4") > 0);
  CHECK(CompareRealNumbers("00012.50", "12.5") == 0);
}

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "core/text.h"
#include "report/render.h"

using namespace probity;

namespace {

Report Sample() {
  Report r;
  r.started_at = WallTime(std::chrono::seconds(1714557600));
  r.duration = std::chrono::milliseconds(420);
  TargetReport t;
  t.name = "orders <&>";
  t.url = "http://127.0.0.1:8080";
  t.labels = {{"team", "payments"}};
  t.started_at = r.started_at;
  CheckResult pass{"health.liveness.reachable", "health", Severity::kCritical, Level::kBronze, CheckStatus::kPass,
                   std::chrono::milliseconds(10), "GET /livez answered 200", "", ""};
  CheckResult fail{"health.readiness.reachable", "health", Severity::kCritical, Level::kBronze, CheckStatus::kFail,
                   std::chrono::milliseconds(5), "GET /readyz answered 503 \xff bad \"quote\"", "serve readiness", ""};
  CheckResult skip{"health.status.consistent", "health", Severity::kCritical, Level::kBronze, CheckStatus::kSkip,
                   {}, "no status", "", ""};
  CheckResult error{"health.latency.budget", "health", Severity::kWarning, Level::kSilver, CheckStatus::kError,
                    {}, "timeout", "keep it cheap", ""};
  t.checks = {pass, fail, skip, error};
  Score(&t, Severity::kCritical);
  r.targets.push_back(t);
  return r;
}

int Count(const std::string& haystack, const std::string& needle) {
  int n = 0;
  for (std::size_t p = haystack.find(needle); p != std::string::npos; p = haystack.find(needle, p + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("The JSON report has PRODUCT.md's shape", "[report]") {
  const std::string text = RenderJson(Sample());
  REQUIRE(IsValidUtf8(text));
  auto j = nlohmann::json::parse(text);
  CHECK(j["probity_version"].is_string());
  CHECK(j["started_at"] == "2024-05-01T10:00:00.000Z");
  CHECK(j["duration_seconds"] == Approx(0.42));
  const auto& t = j["targets"][0];
  CHECK(t["name"] == "orders <&>");
  CHECK(t["url"] == "http://127.0.0.1:8080");
  CHECK(t["score"] == Approx(0.4));
  CHECK(t["level"] == "none");
  CHECK(t["ready"] == false);
  CHECK(t["critical_failures"] == 1);
  CHECK(t["categories"]["health"] == Approx(0.4));
  REQUIRE(t["checks"].size() == 4);
  const auto& c = t["checks"][1];
  for (const char* key : {"id", "category", "severity", "level", "status", "duration_seconds", "detail", "remedy"}) {
    CHECK(c.contains(key));
  }
  CHECK(c["status"] == "fail");
  CHECK(c["remedy"] == "serve readiness");
  CHECK(t["checks"][3]["status"] == "error");
}

TEST_CASE("The JUnit report has a suite per target and a case per check", "[report]") {
  const std::string xml = RenderJunit(Sample());
  REQUIRE(IsValidUtf8(xml));
  CHECK(xml.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites", 0) == 0);
  CHECK(Count(xml, "<testsuite ") == 1);
  CHECK(Count(xml, "<testcase ") == 4);
  CHECK(Count(xml, "<failure ") == 2);  // fail and error
  CHECK(Count(xml, "<skipped ") == 1);
  CHECK(xml.find("name=\"orders &lt;&amp;&gt;\"") != std::string::npos);
  CHECK(xml.find("&quot;quote&quot;") != std::string::npos);
  CHECK(xml.find("tests=\"4\" failures=\"2\" errors=\"0\" skipped=\"1\"") != std::string::npos);
  CHECK(Count(xml, "<testsuite ") == Count(xml, "</testsuite>"));
}

TEST_CASE("The text report groups by category and explains failures", "[report]") {
  const std::string text = RenderText(Sample(), RenderOptions{});
  CHECK(text.find("\x1b[") == std::string::npos);  // no colour unless asked
  CHECK(text.find("\n  health  40%\n") != std::string::npos);
  CHECK(text.find("FAIL  health.readiness.reachable") != std::string::npos);
  CHECK(text.find("fix: serve readiness") != std::string::npos);
  CHECK(text.find("NOT READY") != std::string::npos);
  CHECK(text.find("GET /livez answered 200") == std::string::npos);  // passing detail only with --verbose
  CHECK(RenderText(Sample(), RenderOptions{false, true}).find("GET /livez answered 200") != std::string::npos);
  CHECK(RenderText(Sample(), RenderOptions{true, false}).find("\x1b[31m") != std::string::npos);
}

TEST_CASE("Markdown and HTML reports escape what they show", "[report]") {
  const std::string md = RenderMarkdown(Sample());
  CHECK(md.find("| orders &lt;&&gt; |") != std::string::npos);
  CHECK(md.find("`health.readiness.reachable`") != std::string::npos);
  const std::string html = RenderHtml(Sample());
  CHECK(html.find("orders &lt;&amp;&gt;") != std::string::npos);
  CHECK(html.find("<&>") == std::string::npos);
  CHECK(IsValidUtf8(html));
}

TEST_CASE("Reports show a target's control characters and markup as text, never as effects", "[report]") {
  Report r = Sample();
  // What a hostile target can put into a detail: a terminal escape (clear
  // screen, a colour), a C1 control, a bidi override, invalid UTF-8, and a
  // Markdown link in a readiness component's name.
  r.targets[0].name = "svc\x1b[2J";
  r.targets[0].checks[1].detail =
      "answered 503 (failing: [click me](http://evil.example/x) \x1b[31mred\x1b[0m \xc2\x9b" "1m \xe2\x80\xae" "txt.exe \xff)";
  const std::string text = Render(r, ReportFormat::kText, RenderOptions{});
  CHECK(text.find('\x1b') == std::string::npos);
  CHECK(text.find("\xc2\x9b") == std::string::npos);
  CHECK(text.find("\xe2\x80\xae") == std::string::npos);
  CHECK(text.find("svc\\x1b[2J") != std::string::npos);
  CHECK(text.find("\\x1b[31mred\\x1b[0m \\u009b1m \\u202etxt.exe \xEF\xBF\xBD") != std::string::npos);
  CHECK(IsValidUtf8(text));

  const std::string md = Render(r, ReportFormat::kMarkdown, RenderOptions{});
  CHECK(md.find('\x1b') == std::string::npos);
  CHECK(md.find("](http") == std::string::npos);
  CHECK(md.find("\\[click me\\]\\(http://evil.example/x\\)") != std::string::npos);

  const std::string html = Render(r, ReportFormat::kHtml, RenderOptions{});
  CHECK(html.find('\x1b') == std::string::npos);
  CHECK(IsValidUtf8(html));
}

#include "report/status_page.h"

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "checks/catalogue.h"
#include "core/text.h"
#include "report/render.h"

using namespace probity;

namespace {

const WallTime kStart = WallTime(std::chrono::seconds(1714557600));

CheckResult Result(const std::string& id, CheckStatus status, const std::string& detail) {
  const CheckInfo* info = FindCheck(id);
  REQUIRE(info != nullptr);
  return CheckResult{id, std::string(info->category()), info->severity, info->level, status,
                     std::chrono::milliseconds(3), detail, status == CheckStatus::kPass ? "" : info->remedy, ""};
}

TargetReport Target(const std::string& name, bool failing) {
  TargetReport t;
  t.name = name;
  t.url = "http://127.0.0.1:8080";
  t.labels = {{"team", failing ? "payments" : "search"}};
  t.started_at = kStart;
  t.duration = std::chrono::milliseconds(850);
  t.checks = {Result("health.liveness.reachable", CheckStatus::kPass, "GET /livez answered 200"),
              Result("health.readiness.reachable", failing ? CheckStatus::kFail : CheckStatus::kPass,
                     failing ? "GET /readyz answered 503" : "GET /readyz answered 200"),
              Result("metrics.lint.help", CheckStatus::kSkip, "no metrics endpoint")};
  Score(&t, Severity::kCritical);
  return t;
}

Report Fleet() {
  Report r;
  r.started_at = kStart;
  r.duration = std::chrono::seconds(2);
  r.targets = {Target("alpha", false), Target("bravo", true), Target("charlie", false)};
  return r;
}

// Every value of `attribute` in the page, in order.
std::vector<std::string> Attributes(const std::string& page, const std::string& attribute) {
  std::vector<std::string> out;
  const std::regex re(" " + attribute + "=\"([^\"]*)\"");
  for (auto it = std::sregex_iterator(page.begin(), page.end(), re); it != std::sregex_iterator(); ++it) {
    out.push_back((*it)[1]);
  }
  return out;
}

}  // namespace

TEST_CASE("The status page puts the target that is not ready first and its failing check first", "[report][page]") {
  const std::string page = RenderStatusPage(Fleet(), StatusPageOptions{});
  const std::vector<std::string> names = Attributes(page, "data-name");
  REQUIRE(names == std::vector<std::string>{"bravo", "alpha", "charlie"});
  const std::size_t bravo = page.find("data-name=\"bravo\"");
  const std::size_t alpha = page.find("data-name=\"alpha\"");
  const std::string section = page.substr(bravo, alpha - bravo);
  // Folded, with the failure named in its summary line, and first among its checks.
  CHECK(page.find("class=\"target problem\" data-name=\"bravo\" data-labels=\"team=payments\">") !=
        std::string::npos);
  CHECK(section.find("NOT READY") != std::string::npos);
  CHECK(section.find("1 failing: <code>health.readiness.reachable</code>") != std::string::npos);
  CHECK(section.find("data-status=\"fail\"") < section.find("data-status=\"pass\""));
  CHECK(section.find("data-status=\"pass\"") < section.find("data-status=\"skip\""));
  CHECK(section.find("fix: serve a readiness endpoint") != std::string::npos);
  // The summary line: score, level, category scores, labels, when it ran.
  CHECK(section.find("<span class=\"score\">") != std::string::npos);
  CHECK(section.find("<span class=\"low\">health ") != std::string::npos);
  CHECK(section.find("<span class=\"label\">team=payments</span>") != std::string::npos);
  CHECK(section.find("<time datetime=\"2024-05-01T10:00:00.850Z\"") != std::string::npos);
  CHECK(page.find("data-name=\"alpha\" data-labels=\"team=search\">") != std::string::npos);
  // A report of one target shows its checks at once.
  Report one = Fleet();
  one.targets.resize(1);
  CHECK(RenderStatusPage(one, StatusPageOptions{}).find("data-labels=\"team=search\" open>") != std::string::npos);
  CHECK(page.find("<strong>3</strong> targets</li><li><strong>1</strong> not ready") != std::string::npos);
  // Several labels: one per line of the attribute the label filter reads.
  Report labelled = Fleet();
  labelled.targets[0].labels = {{"env", "prod\nx"}, {"team", "<a>"}};
  CHECK(RenderStatusPage(labelled, StatusPageOptions{}).find("data-labels=\"env=prod\\x0ax&#10;team=&lt;a&gt;\"") !=
        std::string::npos);
}

TEST_CASE("The status page offers filters for the statuses, categories and labels it shows", "[report][page]") {
  const std::string page = RenderStatusPage(Fleet(), StatusPageOptions{});
  // Hidden until the script shows them: without JavaScript the page is a plain report.
  CHECK(page.find("<form id=\"filters\" role=\"search\" aria-label=\"Filter targets and checks\" hidden>") !=
        std::string::npos);
  CHECK(page.find("<option value=\"problem\">fail or error</option>") != std::string::npos);
  CHECK(page.find("<option value=\"health\">health</option><option value=\"metrics\">metrics</option>") !=
        std::string::npos);
  CHECK(page.find("<option value=\"team=payments\">team=payments</option>") != std::string::npos);
  CHECK(page.find("<label for=\"f-q\">Search<input id=\"f-q\" name=\"q\" type=\"search\"") != std::string::npos);
  // Light and dark, and a layout for a phone's width.
  CHECK(page.find("@media (prefers-color-scheme:dark)") != std::string::npos);
  CHECK(page.find("@media (max-width:640px)") != std::string::npos);
  CHECK(page.find("<meta name=\"viewport\"") != std::string::npos);
}

TEST_CASE("The standalone report has no link that leaves the file", "[report][page]") {
  const std::string page = RenderHtml(Fleet());
  std::set<std::string> ids;
  for (const std::string& id : Attributes(page, "id")) ids.insert(id);
  const std::vector<std::string> hrefs = Attributes(page, "href");
  REQUIRE(hrefs.size() > 3);
  for (const std::string& href : hrefs) {
    INFO(href);
    if (href == "data:,") continue;  // the empty icon, so that no browser asks for /favicon.ico
    REQUIRE(href.rfind('#', 0) == 0);
    CHECK(ids.count(href.substr(1)) == 1);
  }
  CHECK(Attributes(page, "src").empty());
  CHECK(page.find("data-refresh") == std::string::npos);
  // Each check the report names is documented in the file: what, why, how to fix.
  const std::size_t doc = page.find("<article class=\"doc\" id=\"check-health.readiness.reachable\">");
  REQUIRE(doc != std::string::npos);
  CHECK(page.find("Why it matters</dt><dd>" + FindCheck("health.readiness.reachable")->why.substr(0, 40), doc) !=
        std::string::npos);
  CHECK(page.find("id=\"check-tls.certificate.valid\"") == std::string::npos);  // not in this report
}

TEST_CASE("The live page links to the agent's pages relative to itself and shows history and next run",
          "[report][page]") {
  StatusPageOptions options;
  options.live = true;
  options.refresh_seconds = 5;
  options.now = kStart + std::chrono::seconds(20);
  for (int i = 0; i < 5; ++i) {
    options.history["bravo"].push_back(
        ScorePoint{kStart - std::chrono::minutes(5 - i), i % 2 ? 0.5f : 1.0f, Level::kSilver});
  }
  options.next_run["bravo"] = kStart + std::chrono::seconds(30);
  options.waiting = {"delta <x>"};
  const std::string page = RenderStatusPage(Fleet(), options);
  CHECK(page.find("<body data-refresh=\"5\">") != std::string::npos);
  CHECK(page.find("<a href=\"checks/health.readiness.reachable\">") != std::string::npos);
  CHECK(page.find("<a href=\"metrics\">metrics</a>") != std::string::npos);
  CHECK(page.find("<a href=\"api/v1/report\">") != std::string::npos);
  for (const std::string& href : Attributes(page, "href")) {
    INFO(href);
    CHECK(href.find("//") == std::string::npos);
    CHECK(href.rfind('/', 0) == std::string::npos);
  }
  CHECK(page.find("aria-label=\"score over the last 5 runs, since 2024-05-01T09:55:00.000Z: lowest 50%, now 100%\"") !=
        std::string::npos);
  CHECK(page.find("data-rel=\"next\">in 10s</time>") != std::string::npos);
  CHECK(page.find("data-rel=\"last\">19s ago</time>") != std::string::npos);
  CHECK(page.find("<strong>1</strong> waiting for a first run: delta &lt;x&gt;</li>") != std::string::npos);
  CHECK(page.find("id=\"check-") == std::string::npos);  // the agent serves the documentation
}

TEST_CASE("Whatever a target puts in its name, labels, URL or details is shown as text", "[report][page]") {
  Report r = Fleet();
  TargetReport& t = r.targets[1];
  t.name = "</summary><script>alert(1)</script>";
  t.url = "http://x/\"><img src=x onerror=alert(1)>";
  t.labels = {{"team\"><b>", "<i>\x1b[2J"}};
  t.checks[1].detail = "GET /readyz: <a href=\"javascript:alert(1)\">\xff\xfe\x07</a>";
  for (const bool live : {false, true}) {
    StatusPageOptions options;
    options.live = live;
    options.history[t.name] = {ScorePoint{kStart, 1, Level::kGold}, ScorePoint{kStart, 0, Level::kNone}};
    options.waiting = {"<script>"};
    const std::string page = RenderStatusPage(r, options);
    INFO(live);
    CHECK(page.find("<script>alert") == std::string::npos);
    CHECK(page.find("<img") == std::string::npos);
    CHECK(page.find("<b>") == std::string::npos);
    CHECK(page.find("<i>") == std::string::npos);
    CHECK(page.find("href=\"javascript:") == std::string::npos);
    CHECK(page.find('\x1b') == std::string::npos);
    CHECK(page.find('\x07') == std::string::npos);
    CHECK(IsValidUtf8(page));
    CHECK(page.find("&lt;/summary&gt;&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
    // One script, the page's own.
    CHECK(Attributes(page, "onerror").empty());
    std::size_t scripts = 0;
    for (std::size_t p = page.find("<script"); p != std::string::npos; p = page.find("<script", p + 1)) ++scripts;
    CHECK(scripts == 1);
  }
}

TEST_CASE("A check's page says what it verifies, why it matters, how to fix it and its parameters", "[report][page]") {
  const CheckInfo& check = *FindCheck("health.latency.budget");
  const std::string page = RenderCheckPage(check);
  CHECK(page.find("<h1><code>health.latency.budget</code></h1>") != std::string::npos);
  CHECK(page.find("<dt>What it verifies</dt><dd>" + check.description) != std::string::npos);
  CHECK(page.find("<dt>Why it matters</dt>") != std::string::npos);
  CHECK(page.find("<dt>How to fix</dt><dd>" + check.remedy) != std::string::npos);
  CHECK(page.find("<li><code>budget</code> (default <code>250ms</code>)") != std::string::npos);
  CHECK(page.find("<a href=\"../\">status</a>") != std::string::npos);
  const std::string index = RenderCheckIndexPage();
  for (const CheckInfo& c : Catalogue()) {
    INFO(c.id);
    CHECK(index.find("<a href=\"checks/" + c.id + "\">") != std::string::npos);
  }
}

TEST_CASE("probity checks ID prints one check's documentation", "[report][page]") {
  const CheckInfo& check = *FindCheck("health.liveness.reachable");
  const std::string text = CheckDocText(check);
  CHECK(text.rfind("health.liveness.reachable\n  category health, severity critical, gates level bronze\n", 0) == 0);
  CHECK(text.find("\nWhy it matters\n  ") != std::string::npos);
  CHECK(text.find("\nHow to fix\n  serve a cheap liveness endpoint") != std::string::npos);
  CHECK(text.find("\nParameters (per target, under checks:)\n  tries (default 3): ") != std::string::npos);
  std::size_t start = 0;
  for (std::size_t end = text.find('\n'); end != std::string::npos; start = end + 1, end = text.find('\n', start)) {
    CHECK(end - start <= 78);
  }
  auto json = nlohmann::json::parse(CheckDocJson(check));
  CHECK(json["why"] == check.why);
  CHECK(json["id"] == check.id);
}

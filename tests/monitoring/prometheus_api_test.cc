#include "monitoring/prometheus_api.h"

#include <httplib.h>
#include <signal.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "checks/monitoring_checks.h"
#include "support/process.h"

using namespace probity;
using namespace probity::testing;
using namespace std::chrono_literals;

namespace {

const ScrapeTarget* ByJob(const std::vector<ScrapeTarget>& targets, const std::string& job) {
  for (const ScrapeTarget& t : targets) {
    if (t.job == job) return &t;
  }
  return nullptr;
}

std::vector<std::string> Names(const std::vector<const AlertRule*>& rules) {
  std::vector<std::string> out;
  for (const AlertRule* r : rules) out.push_back(r->name);
  return out;
}

std::vector<std::string> Jobs(const std::vector<const ScrapeTarget*>& targets) {
  std::vector<std::string> out;
  for (const ScrapeTarget* t : targets) out.push_back(t->job);
  return out;
}

std::vector<std::string> MetricNames(std::string_view expr) {
  StatusOr<PromqlSelectors> s = ScanPromql(expr);
  INFO(expr << ": " << s.status().message());
  REQUIRE(s.ok());
  return s->metric_names;
}

std::string ScanError(std::string_view expr) {
  StatusOr<PromqlSelectors> s = ScanPromql(expr);
  REQUIRE_FALSE(s.ok());
  return s.status().message();
}

ScrapeTarget Target(std::string job, std::string scrape_url) {
  ScrapeTarget t;
  t.job = std::move(job);
  t.scrape_url = std::move(scrape_url);
  t.health = "up";
  return t;
}

AlertRule Rule(std::string name, std::string expr) {
  AlertRule r;
  r.name = std::move(name);
  r.expr = std::move(expr);
  r.health = "ok";
  return r;
}

template <typename T>
std::string ErrorOf(const StatusOr<T>& parsed) {
  REQUIRE_FALSE(parsed.ok());
  return parsed.status().message();
}

// Every hostile body each parser must turn into an error naming the problem.
struct Hostile {
  std::string body;
  std::string says;
};

}  // namespace

// ---- answers captured from Prometheus 2.42 --------------------------------

TEST_CASE("The active targets of a real Prometheus 2.42 are read with job, health, error and own interval",
          "[monitoring]") {
  StatusOr<std::vector<ScrapeTarget>> targets = ParseActiveTargets(ReadTestdata("monitoring/targets_active.json"));
  INFO(targets.status().message());
  REQUIRE(targets.ok());
  REQUIRE(targets->size() == 4);

  const ScrapeTarget* backend = ByJob(*targets, "backend");
  REQUIRE(backend != nullptr);
  CHECK(backend->health == "up");
  CHECK(backend->last_error.empty());
  CHECK(backend->instance.rfind("localhost:", 0) == 0);
  CHECK(backend->scrape_url == "http://" + backend->instance + "/metrics");
  CHECK(backend->interval_s == 2);  // the job's own scrape_interval, not the global 1s
  CHECK(backend->last_scrape > 1.7e9);

  const ScrapeTarget* gone = ByJob(*targets, "gone");
  REQUIRE(gone != nullptr);
  CHECK(gone->health == "down");
  CHECK(gone->last_error.find("connect: connection refused") != std::string::npos);
  CHECK(gone->interval_s == 1);

  const ScrapeTarget* slow = ByJob(*targets, "slow");
  REQUIRE(slow != nullptr);
  CHECK(slow->health == "unknown");
  CHECK(slow->last_scrape == 0);  // "0001-01-01T00:00:00Z": never scraped
  CHECK(slow->interval_s == 3600);
  CHECK(slow->scrape_url == "http://[::1]:9/metrics");
}

TEST_CASE("Prometheus writes lastScrape in its local time zone and the offset is honoured", "[monitoring]") {
  // The capture ran Prometheus under TZ=America/New_York.
  CHECK(ReadTestdata("monitoring/targets_active.json").find("-05:00\"") != std::string::npos);
  const std::string body_template =
      R"({"status":"success","data":{"activeTargets":[{"labels":{"job":"a"},"scrapeUrl":"http://h:1/metrics",)"
      R"("health":"up","lastScrape":"TIME","scrapeInterval":"1m30s"}]}})";
  auto at = [&](const std::string& time) {
    std::string body = body_template;
    body.replace(body.find("TIME"), 4, time);
    StatusOr<std::vector<ScrapeTarget>> t = ParseActiveTargets(body);
    INFO(t.status().message());
    REQUIRE(t.ok());
    CHECK(t->at(0).interval_s == 90);
    return t->at(0).last_scrape;
  };
  // 2026-12-06T06:26:07.5Z is 1796538367.5 seconds after the epoch.
  CHECK(at("2026-12-06T06:26:07.5Z") == Approx(1796538367.5).margin(1e-6));
  CHECK(at("2026-12-06T01:26:07.500000000-05:00") == Approx(1796538367.5).margin(1e-6));
  CHECK(at("2026-12-06T11:56:07.5+05:30") == Approx(1796538367.5).margin(1e-6));
  CHECK(at("2026-12-06T06:26:07Z") == Approx(1796538367).margin(1e-6));
}

TEST_CASE("A target without scrapeInterval takes the discovered __scrape_interval__, else 0", "[monitoring]") {
  StatusOr<std::vector<ScrapeTarget>> t = ParseActiveTargets(
      R"({"status":"success","data":{"activeTargets":[)"
      R"({"labels":{"job":"a"},"discoveredLabels":{"__scrape_interval__":"15s"},"scrapeUrl":"http://h:1/m","health":"up"},)"
      R"({"labels":{"job":"b"},"scrapeUrl":"http://h:2/m","health":"up"}]}})");
  REQUIRE(t.ok());
  CHECK(t->at(0).interval_s == 15);
  CHECK(t->at(1).interval_s == 0);
  CHECK(t->at(1).last_scrape == 0);
}

TEST_CASE("The alerting rules of a real Prometheus 2.42 are read with group, expression, health and annotations",
          "[monitoring]") {
  StatusOr<std::vector<AlertRule>> rules = ParseAlertingRules(ReadTestdata("monitoring/rules_alert.json"));
  INFO(rules.status().message());
  REQUIRE(rules.ok());
  REQUIRE(rules->size() == 4);
  const AlertRule& down = rules->at(0);
  CHECK(down.name == "BackendDown");
  CHECK(down.group == "backend");
  CHECK(down.file.size() > 9);
  CHECK(down.file.substr(down.file.size() - 9) == "rules.yml");
  CHECK(down.expr == "up{job=\"backend\"} == 0");
  CHECK(down.health == "ok");
  CHECK(down.labels == std::map<std::string, std::string>{{"severity", "critical"}});
  CHECK(down.annotations.at("runbook_url") == "https://runbooks.example/backend-down");
  const AlertRule& slow = rules->at(2);
  CHECK(slow.name == "PrometheusSlowQueries");
  CHECK(slow.labels.empty());
  CHECK(slow.annotations.count("runbook_url") == 0);
  const AlertRule& broken = rules->at(3);
  CHECK(broken.name == "BrokenRule");
  CHECK(broken.health == "err");
  CHECK(broken.last_error.find("many-to-many matching not allowed") != std::string::npos);
  // The expression as Prometheus prints it back, not as the file spells it ("on() group_left up").
  CHECK(broken.expr == "up{job=\"gone\"} / on () group_left () up");
}

TEST_CASE("Recording rules in an unfiltered /api/v1/rules answer are left out", "[monitoring]") {
  StatusOr<std::vector<AlertRule>> all = ParseAlertingRules(ReadTestdata("monitoring/rules_all.json"));
  StatusOr<std::vector<AlertRule>> alerts = ParseAlertingRules(ReadTestdata("monitoring/rules_alert.json"));
  REQUIRE(all.ok());
  REQUIRE(alerts.ok());
  CHECK(ReadTestdata("monitoring/rules_all.json").find("\"type\":\"recording\"") != std::string::npos);
  REQUIRE(all->size() == alerts->size());
  for (std::size_t i = 0; i < all->size(); ++i) CHECK(all->at(i).name == alerts->at(i).name);
}

TEST_CASE("Prometheus's status error envelope becomes a Status with its type and message", "[monitoring]") {
  const std::string body = ReadTestdata("monitoring/rules_error.json");
  const std::string message = ErrorOf(ParseAlertingRules(body));
  CHECK(message ==
        "Prometheus answered an error (bad_data) to /api/v1/rules: invalid parameter \"type\": not "
        "supported value \"bogus\"");
  CHECK(ErrorOf(ParseActiveTargets(body)).find("to /api/v1/targets: invalid parameter") != std::string::npos);
  CHECK(ErrorOf(ParseActiveAlertmanagers(body)).find("(bad_data) to /api/v1/alertmanagers") != std::string::npos);
}

TEST_CASE("Active Alertmanagers are read as their alerts API URLs and their base URL is derived", "[monitoring]") {
  StatusOr<std::vector<std::string>> ams = ParseActiveAlertmanagers(ReadTestdata("monitoring/alertmanagers_active.json"));
  REQUIRE(ams.ok());
  REQUIRE(ams->size() == 1);
  CHECK(ams->at(0).rfind("http://127.0.0.1:", 0) == 0);
  const std::string base = AlertmanagerBaseUrl(ams->at(0));
  CHECK(base + "/api/v2/alerts" == ams->at(0));
  CHECK(AlertmanagerBaseUrl("http://am:9093/prefix/api/v1/alerts") == "http://am:9093/prefix");
  CHECK(AlertmanagerBaseUrl("http://am:9093/elsewhere") == "http://am:9093/elsewhere");
}

TEST_CASE("Prometheus 2.42 still lists a stopped Alertmanager as active", "[monitoring]") {
  StatusOr<std::vector<std::string>> before = ParseActiveAlertmanagers(ReadTestdata("monitoring/alertmanagers_active.json"));
  StatusOr<std::vector<std::string>> after = ParseActiveAlertmanagers(ReadTestdata("monitoring/alertmanagers_after_stop.json"));
  REQUIRE(before.ok());
  REQUIRE(after.ok());
  CHECK(*after == *before);
}

TEST_CASE("A Prometheus with nothing configured answers empty lists", "[monitoring]") {
  StatusOr<std::vector<ScrapeTarget>> targets = ParseActiveTargets(ReadTestdata("monitoring/targets_none.json"));
  StatusOr<std::vector<AlertRule>> rules = ParseAlertingRules(ReadTestdata("monitoring/rules_none.json"));
  StatusOr<std::vector<std::string>> ams = ParseActiveAlertmanagers(ReadTestdata("monitoring/alertmanagers_none.json"));
  REQUIRE(targets.ok());
  REQUIRE(rules.ok());
  REQUIRE(ams.ok());
  CHECK(targets->empty());
  CHECK(rules->empty());
  CHECK(ams->empty());
}

TEST_CASE("A JSON null where Go wrote an empty list or map reads as empty", "[monitoring]") {
  CHECK(ParseActiveTargets(R"({"status":"success","data":{"activeTargets":null}})")->empty());
  CHECK(ParseAlertingRules(R"({"status":"success","data":{"groups":null}})")->empty());
  CHECK(ParseAlertingRules(R"({"status":"success","data":{"groups":[{"name":"g","rules":null}]}})")->empty());
  CHECK(ParseActiveAlertmanagers(R"({"status":"success","data":{"activeAlertmanagers":null}})")->empty());
  StatusOr<std::vector<AlertRule>> r = ParseAlertingRules(
      R"({"status":"success","data":{"groups":[{"name":"g","rules":[{"type":"alerting","name":"A","query":"up",)"
      R"("health":"ok","labels":null,"annotations":null}]}]}})");
  REQUIRE(r.ok());
  CHECK(r->at(0).labels.empty());
}

// ---- hostile bodies --------------------------------------------------------

TEST_CASE("Hostile bodies give an error that says what is wrong with them", "[monitoring]") {
  const std::vector<Hostile> common = {
      {"", "is empty"},
      {" \n\t", "is empty"},
      {"404 page not found\n", "is not JSON"},
      {"<a href=\"/graph/\">Moved Permanently</a>.\n\n", "it begins \"<a href=\"/graph/\">Moved Permanently</a>.\""},
      {"<!DOCTYPE html><html><body>login</body></html>", "is not JSON"},
      {"[1, 2]", "is not a Prometheus API answer (it is a list, not an object"},
      {"\"success\"", "is not a Prometheus API answer (it is a string, not an object"},
      {"{}", "no \"status\" string"},
      {R"({"status":1})", "no \"status\" string"},
      {R"({"status":"success"})", "\"data\" is missing or not an object"},
      {R"({"status":"success","data":[]})", "\"data\" is missing or not an object"},
      {R"({"status":"partial","data":{}})", "has status \"partial\", neither \"success\" nor \"error\""},
      {R"({"status":"error"})", "Prometheus answered an error to "},
      {R"({"status":"success","data":{}} trailing)", "is not JSON"},
      {"{\"status\":\"success\",\"data\":{\"x\":\"\xff\xfe\"}}", "is not JSON"},
      {std::string(100000, '[') + std::string(100000, ']'), "is not JSON"},
      {R"({"status":"success","data":{"a":)", "is not JSON"},
  };
  for (const Hostile& h : common) {
    INFO("body: " << h.body.substr(0, 80));
    CHECK_THAT(ErrorOf(ParseActiveTargets(h.body)), Catch::Contains(h.says));
    CHECK_THAT(ErrorOf(ParseAlertingRules(h.body)), Catch::Contains(h.says));
    CHECK_THAT(ErrorOf(ParseActiveAlertmanagers(h.body)), Catch::Contains(h.says));
  }

  const std::string t = R"({"status":"success","data":{"activeTargets":)";
  const std::vector<Hostile> targets = {
      {t + "{}}}", "data.activeTargets is an object, not a list"},
      {t + "[1]}}", "data.activeTargets[0] is a number, not an object"},
      {t + R"([{"labels":{"job":7},"scrapeUrl":"u","health":"up"}]}})", "data.activeTargets[0].labels.job is a number"},
      {t + R"([{"labels":[],"scrapeUrl":"u","health":"up"}]}})",
       "data.activeTargets[0].labels is a list, not an object"},
      {t + R"([{"labels":{},"scrapeUrl":"u"}]}})", "data.activeTargets[0].health is missing"},
      {t + R"([{"labels":{},"health":"up"}]}})", "data.activeTargets[0].scrapeUrl is missing"},
      {t + R"([{"labels":{},"scrapeUrl":"u","health":true}]}})", "data.activeTargets[0].health is a boolean"},
      {t + R"([{"labels":{},"scrapeUrl":"u","health":"up","lastScrape":"yesterday"}]}})",
       "lastScrape \"yesterday\" is not an RFC 3339 time"},
      {t + R"([{"labels":{},"scrapeUrl":"u","health":"up","lastScrape":"2026-12-06T06:26:07"}]}})",
       "is not an RFC 3339 time"},
      {t + R"([{"labels":{},"scrapeUrl":"u","health":"up","lastScrape":"2026-13-06T06:26:07Z"}]}})",
       "is not an RFC 3339 time"},
      {t + R"([{"labels":{},"scrapeUrl":"u","health":"up","scrapeInterval":"fast"}]}})",
       "data.activeTargets[0].scrapeInterval"},
      {t + R"([{"labels":{},"scrapeUrl":"u","health":"up","scrapeInterval":15}]}})",
       "data.activeTargets[0].scrapeInterval is a number, not a string"},
  };
  for (const Hostile& h : targets) {
    INFO("body: " << h.body);
    CHECK_THAT(ErrorOf(ParseActiveTargets(h.body)), Catch::Contains(h.says));
  }

  const std::string g = R"({"status":"success","data":{"groups":)";
  const std::vector<Hostile> rules = {
      {g + "\"all\"}}", "data.groups is a string, not a list"},
      {g + R"([{"rules":[]}]}})", "data.groups[0].name is missing"},
      {g + R"([{"name":"g","rules":{}}]}})", "data.groups[0].rules is an object, not a list"},
      {g + R"([{"name":"g","rules":[{"name":"A"}]}]}})", "data.groups[0].rules[0].type is missing"},
      {g + R"([{"name":"g","rules":[{"type":"alerting","name":"A","health":"ok"}]}]}})",
       "data.groups[0].rules[0].query is missing"},
      {g + R"([{"name":"g","rules":[{"type":"alerting","name":"A","query":"up","health":"ok","annotations":[]}]}]}})",
       "data.groups[0].rules[0].annotations is a list, not an object"},
      {g + R"([{"name":"g","rules":[{"type":"alerting","name":"A","query":"up","health":"ok","labels":{"s":{}}}]}]}})",
       "data.groups[0].rules[0].labels.s is an object, not a string"},
  };
  for (const Hostile& h : rules) {
    INFO("body: " << h.body);
    CHECK_THAT(ErrorOf(ParseAlertingRules(h.body)), Catch::Contains(h.says));
  }

  const std::string a = R"({"status":"success","data":{"activeAlertmanagers":)";
  CHECK_THAT(ErrorOf(ParseActiveAlertmanagers(a + "{}}}")), Catch::Contains("data.activeAlertmanagers is an object"));
  CHECK_THAT(ErrorOf(ParseActiveAlertmanagers(a + "[\"http://am\"]}}")),
             Catch::Contains("data.activeAlertmanagers[0] is a string, not an object"));
  CHECK_THAT(ErrorOf(ParseActiveAlertmanagers(a + "[{}]}}")),
             Catch::Contains("data.activeAlertmanagers[0].url is missing"));
}

TEST_CASE("An error message quotes a hostile body only as a short printable excerpt", "[monitoring]") {
  const std::string body = "\x1b[31mred\x1b[0m " + std::string(10000, 'x');
  const std::string message = ErrorOf(ParseActiveTargets(body));
  CHECK(message.find('\x1b') == std::string::npos);
  CHECK(message.size() < 400);
  const std::string envelope = R"({"status":"error","errorType":"x","error":")" + std::string(50000, 'e') + "\"}";
  CHECK(ErrorOf(ParseActiveTargets(envelope)).size() < 600);
}

TEST_CASE("A body larger than the parser reads is refused before it is parsed", "[monitoring]") {
  const std::string huge(kMaxPrometheusAnswerBytes + 1, ' ');
  CHECK_THAT(ErrorOf(ParseActiveTargets(huge)), Catch::Contains("more than the 64MiB read"));
}

TEST_CASE("Every truncation of a real answer parses or gives an error, never a crash", "[monitoring]") {
  for (const char* name : {"targets_active.json", "rules_all.json", "alertmanagers_active.json"}) {
    const std::string body = ReadTestdata(std::string("monitoring/") + name);
    std::size_t errors = 0;
    for (std::size_t n = 0; n < body.size(); ++n) {
      const std::string_view cut(body.data(), n);
      errors += !ParseActiveTargets(cut).ok();
      errors += !ParseAlertingRules(cut).ok();
      errors += !ParseActiveAlertmanagers(cut).ok();
    }
    CHECK(errors == 3 * body.size());  // a cut JSON document is never whole
  }
}

// ---- the PromQL tokenizer --------------------------------------------------

TEST_CASE("ScanPromql finds metric names and skips functions, aggregations, keywords and label lists",
          "[monitoring][promql]") {
  CHECK(MetricNames("sum by (job, instance) (rate(http_requests_total{code=~\"5..\"}[5m])) / on(job) group_left "
                    "sum without (code) (rate(http_requests_total[5m] offset 1h)) > bool 0.05 and up") ==
        std::vector<std::string>{"http_requests_total", "http_requests_total", "up"});
  CHECK(MetricNames("SUM BY (job) (x) OR Y") == std::vector<std::string>{"x", "Y"});
  CHECK(MetricNames("a * on (x) group_left b") == std::vector<std::string>{"a", "b"});
  CHECK(MetricNames("a * ignoring (instance) group_right (extra) b unless c") ==
        std::vector<std::string>{"a", "b", "c"});
  CHECK(MetricNames("topk(3, count_values(\"v\", build_info)) + quantile(0.9, x) + atan2 y") ==
        std::vector<std::string>{"build_info", "x", "y"});
  CHECK(MetricNames("absent(job:up:sum{job=\"backend\"})") == std::vector<std::string>{"job:up:sum"});
  CHECK(MetricNames("max_over_time(deriv(x[5m:30s])[1h:]) @ start()") == std::vector<std::string>{"x"});
  CHECK(MetricNames("x @ 1609746000 offset -5m") == std::vector<std::string>{"x"});
}

TEST_CASE("ScanPromql skips string literals, numbers, durations and comments", "[monitoring][promql]") {
  CHECK(MetricNames("label_replace(up, \"dst\", \"backend_requests_total\", 'src', `(.*)`)") ==
        std::vector<std::string>{"up"});
  CHECK(MetricNames("1e-3 + 0x1F + .5 + 2E+10 + Inf + -NaN + 1h30m") == std::vector<std::string>{});
  CHECK(MetricNames("up # backend_requests_total is not named here\n == 0") == std::vector<std::string>{"up"});
  CHECK(MetricNames("vector(1) > 0") == std::vector<std::string>{});
}

TEST_CASE("ScanPromql reads label matchers with every operator and Go string escapes", "[monitoring][promql]") {
  StatusOr<PromqlSelectors> s =
      ScanPromql("up{job=\"a\\\"b\\\\c\\u00e9\\x41\\101\", service != 'x', env=~`prod|stag.*`, team!~\"\",} == 0");
  INFO(s.status().message());
  REQUIRE(s.ok());
  REQUIRE(s->matchers.size() == 4);
  CHECK(s->matchers[0].label == "job");
  CHECK(s->matchers[0].op == "=");
  CHECK(s->matchers[0].value ==
        "a\"b\\c\xc3\xa9"
        "AA");
  CHECK((s->matchers[1].label == "service" && s->matchers[1].op == "!=" && s->matchers[1].value == "x"));
  CHECK((s->matchers[2].op == "=~" && s->matchers[2].value == "prod|stag.*"));
  CHECK((s->matchers[3].op == "!~" && s->matchers[3].value.empty()));
  CHECK(s->metric_names == std::vector<std::string>{"up"});
}

TEST_CASE("ScanPromql takes __name__ matchers and quoted names in braces as metric names", "[monitoring][promql]") {
  CHECK(MetricNames("{__name__=\"backend_requests_total\", job=\"x\"}") ==
        std::vector<std::string>{"backend_requests_total"});
  CHECK(MetricNames("{__name__=~\"backend_.*\"}") == std::vector<std::string>{});
  CHECK(MetricNames("{\"backend.requests\", job=\"x\"}") == std::vector<std::string>{"backend.requests"});
}

TEST_CASE("ScanPromql reads an expression as Prometheus prints it back", "[monitoring][promql]") {
  CHECK(MetricNames("up{job=\"gone\"} / on () group_left () up") == std::vector<std::string>{"up", "up"});
}

TEST_CASE("ScanPromql rejects what it cannot read with the offset", "[monitoring][promql]") {
  CHECK(ScanError("up{job=\"x}") == "unterminated string at offset 7");
  CHECK(ScanError("up{job=\"x\"") == "unterminated { at offset 2");
  CHECK(ScanError("rate(x[5m)") == "unterminated [ at offset 6");
  CHECK(ScanError("up{job}") == "expected =, !=, =~ or !~ at offset 6");
  CHECK(ScanError("up{job=x}") == "expected a quoted label value at offset 7");
  CHECK(ScanError("up{job=\"x\" env=\"y\"}") == "expected , or } at offset 11");
  CHECK(ScanError("up{=\"x\"}") == "expected a label name at offset 3");
  CHECK(ScanError("sum by (job x") == "unterminated label list after by at offset 4");
  CHECK(ScanError("up{job=\"\\u12\"}") == "bad \\u escape in the string at offset 7");
}

TEST_CASE("ScanPromql stays linear on long hostile expressions", "[monitoring][promql]") {
  std::string parens(1 << 20, '(');
  CHECK(ScanPromql(parens + "x").ok());
  std::string braces;
  for (int i = 0; i < 100000; ++i) braces += "{a=\"b\"}";
  CHECK(ScanPromql(braces).ok());
  CHECK_FALSE(ScanPromql(std::string(1 << 20, '{')).ok());
  CHECK(ScanPromql(std::string(1 << 20, '"')).ok());  // empty strings, pairwise
  CHECK_FALSE(ScanPromql(std::string((1 << 20) + 1, '"')).ok());
}

// ---- matching ----------------------------------------------------------------

TEST_CASE("MatchTargets matches by job or by host and port, with every loopback spelling one host", "[monitoring]") {
  const std::vector<ScrapeTarget> targets = {
      Target("api", "http://localhost:8080/metrics"),        Target("db", "http://[::1]:9187/metrics"),
      Target("web", "https://LocalHost./metrics"),           Target("other", "http://10.0.0.1:8080/metrics"),
      Target("auth", "http://user:pw@127.0.0.1:9000/m?x=1"), Target("", "not a url"),
  };
  CHECK(Jobs(MatchTargets(targets, {"127.0.0.1:8080", {}, {}})) == std::vector<std::string>{"api"});
  CHECK(Jobs(MatchTargets(targets, {"[::1]:8080", {}, {}})) == std::vector<std::string>{"api"});
  CHECK(Jobs(MatchTargets(targets, {"localhost:9187", {}, {}})) == std::vector<std::string>{"db"});
  CHECK(Jobs(MatchTargets(targets, {"127.0.0.1:443", {}, {}})) == std::vector<std::string>{"web"});
  CHECK(Jobs(MatchTargets(targets, {"127.0.0.1:9000", {}, {}})) == std::vector<std::string>{"auth"});
  CHECK(Jobs(MatchTargets(targets, {"10.0.0.1:8080", {"db"}, {}})) == std::vector<std::string>{"db", "other"});
  CHECK(MatchTargets(targets, {"127.0.0.1:8081", {"nope"}, {}}).empty());
  CHECK(MatchTargets(targets, {"127.0.0.1", {}, {}}).empty());  // a host without its port matches nothing
  CHECK(MatchTargets(targets, {"", {""}, {}}).empty());         // an empty job is no job
}

TEST_CASE("MatchAlerts selects by metric family with its suffixes, never by a prefix or a string",
          "[monitoring][promql]") {
  const std::vector<AlertRule> rules = {
      Rule("Latency", "histogram_quantile(0.9, rate(backend_request_duration_seconds_bucket[5m])) > 1"),
      Rule("Errors", "rate(backend_requests_total[5m]) > 0"),
      Rule("Created", "time() - backend_requests_created > 3600"),
      Rule("Prefix", "backend_request > 0"),
      Rule("Longer", "backend_requests_total_more > 0"),
      Rule("InString", "label_replace(up, \"x\", \"backend_requests_total\", \"\", \"\") == 0"),
      Rule("LabelList", "sum by (backend_requests_total) (other) > 0"),
      Rule("ByName", "{__name__=\"backend_requests\"} > 0"),
      Rule("Broken", "backend_requests_total{"),
  };
  const ServiceIdentity identity{"", {}, {"backend_request_duration_seconds", "backend_requests"}};
  CHECK(Names(MatchAlerts(rules, identity)) == std::vector<std::string>{"Latency", "Errors", "Created", "ByName"});
}

TEST_CASE("MatchAlerts selects by job or service matchers, anchored regular expressions included",
          "[monitoring][promql]") {
  const std::vector<AlertRule> rules = {
      Rule("Job", "up{job=\"backend\"} == 0"),         Rule("Service", "x{service=\"backend\"} > 0"),
      Rule("Regex", "up{job=~\"back.*|front\"} == 0"), Rule("Unanchored", "up{job=~\"back\"} == 0"),
      Rule("Negative", "up{job!=\"other\"} == 0"),     Rule("NegativeRegex", "up{job!~\"x\"} == 0"),
      Rule("BadRegex", "up{job=~\"(\"} == 0"),         Rule("OtherLabel", "up{team=\"backend\"} == 0"),
      Rule("Other", "up{job=\"other\"} == 0"),
  };
  CHECK(Names(MatchAlerts(rules, {"", {"backend"}, {}})) == std::vector<std::string>{"Job", "Service", "Regex"});
  CHECK(Names(MatchAlerts(rules, {"", {"api", "other"}, {}})) == std::vector<std::string>{"Other"});
  CHECK(MatchAlerts(rules, {"", {}, {}}).empty());
}

TEST_CASE("MatchAlerts finds each service's rules in a real Prometheus 2.42 answer", "[monitoring][promql]") {
  StatusOr<std::vector<AlertRule>> rules = ParseAlertingRules(ReadTestdata("monitoring/rules_alert.json"));
  REQUIRE(rules.ok());
  CHECK(Names(MatchAlerts(*rules, {"", {"backend"}, {}})) == std::vector<std::string>{"BackendDown"});
  CHECK(Names(MatchAlerts(*rules, {"", {"web"}, {"backend_requests"}})) == std::vector<std::string>{"BackendErrors"});
  CHECK(Names(MatchAlerts(*rules, {"", {"prometheus"}, {"prometheus_http_request_duration_seconds"}})) ==
        std::vector<std::string>{"PrometheusSlowQueries"});
  CHECK(Names(MatchAlerts(*rules, {"", {"gone"}, {}})) == std::vector<std::string>{"BrokenRule"});
  CHECK(MatchAlerts(*rules, {"127.0.0.1:1", {"nobody"}, {"nothing_total"}}).empty());
}

// ---- against a real Prometheus 2.42 and Alertmanager -------------------------

namespace {

// One Prometheus scraping itself (job prometheus), a static metrics file that
// python's http.server serves (job backend, registered as localhost:PORT) and
// a port nothing listens on (job gone), every 1s, with three rule groups; and
// one Alertmanager it sends to. Started once, on first use, for the
// [integration] tests below; the processes stop at exit.
class MonitoringStack {
  TempDir dir_;  // first: removed after every process has stopped

 public:
  MonitoringStack() {
    std::filesystem::create_directories(dir_.path() + "/www");
    dir_.Write("www/metrics",
               "# TYPE backend_requests_total counter\nbackend_requests_total{code=\"200\"} 10\n"
               "# TYPE backend_request_duration_seconds histogram\n"
               "backend_request_duration_seconds_bucket{le=\"+Inf\"} 4\nbackend_request_duration_seconds_sum 0.5\n"
               "backend_request_duration_seconds_count 4\n");
    backend_ = std::make_unique<ChildProcess>(std::vector<std::string>{
        "python3", "-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", dir_.path() + "/www"});
    const std::string serving = backend_->WaitForLine("Serving HTTP on 127.0.0.1 port ", false);
    if (serving.empty()) throw std::runtime_error("python3 -m http.server did not start: " + backend_->Stderr());
    backend_port = std::stoi(serving.substr(serving.find(" port ") + 6));

    alertmanager_port = FreePort();
    dir_.Write("alertmanager.yml", "route: {receiver: blackhole}\nreceivers: [{name: blackhole}]\n");
    alertmanager = std::make_unique<ChildProcess>(std::vector<std::string>{
        "prometheus-alertmanager", "--config.file=" + dir_.path() + "/alertmanager.yml",
        "--storage.path=" + dir_.path() + "/am", "--web.listen-address=127.0.0.1:" + std::to_string(alertmanager_port),
        "--cluster.listen-address="});
    if (alertmanager->WaitForLine("msg=\"Listening on\"", true).empty()) {
      throw std::runtime_error("Alertmanager did not start: " + alertmanager->Stderr());
    }

    down_port = FreePort();
    prometheus_port = FreePort();
    dir_.Write("rules.yml", R"(groups:
  - name: scraped-job
    rules:
      - alert: BackendDown
        expr: up{job=~"back.*"} == 0
        labels: {severity: critical}
        annotations: {runbook_url: "https://runbooks.example/backend-down"}
  - name: with-runbook
    rules:
      - alert: BackendErrors
        expr: sum(rate(backend_requests_total{code=~"5.."}[1m])) > 0
        labels: {severity: warning}
        annotations: {runbook_url: "https://runbooks.example/backend-errors"}
  - name: without-runbook
    rules:
      - alert: PrometheusRuleFailures
        expr: increase(prometheus_rule_evaluation_failures_total[5m]) > 0
)");
    const std::string config =
        dir_.Write("prometheus.yml",
                   "global: {scrape_interval: 1s, evaluation_interval: 1s}\nrule_files: ['" + dir_.path() +
                       "/rules.yml']\nalerting:\n  alertmanagers:\n    - static_configs: [{targets: ['127.0.0.1:" +
                       std::to_string(alertmanager_port) +
                       "']}]\nscrape_configs:\n"
                       "  - job_name: prometheus\n    static_configs: [{targets: ['127.0.0.1:" +
                       std::to_string(prometheus_port) +
                       "']}]\n"
                       "  - job_name: backend\n    static_configs: [{targets: ['localhost:" +
                       std::to_string(backend_port) +
                       "']}]\n"
                       "  - job_name: gone\n    static_configs: [{targets: ['127.0.0.1:" +
                       std::to_string(down_port) + "']}]\n");
    prometheus_ = std::make_unique<ChildProcess>(std::vector<std::string>{
        "prometheus", "--config.file=" + config, "--storage.tsdb.path=" + dir_.path() + "/data",
        "--web.listen-address=127.0.0.1:" + std::to_string(prometheus_port)});
    if (prometheus_->WaitForLine("Server is ready to receive web requests", true, 60s).empty()) {
      throw std::runtime_error("Prometheus did not start: " + prometheus_->Stderr());
    }
  }

  int backend_port = 0, alertmanager_port = 0, prometheus_port = 0, down_port = 0;
  std::unique_ptr<ChildProcess> alertmanager;

 private:
  std::unique_ptr<ChildProcess> backend_, prometheus_;
};

MonitoringStack& Stack() {
  for (const char* program : {"prometheus", "prometheus-alertmanager", "python3"}) {
    INFO(program << " is needed");
    REQUIRE(RunCommand({"sh", "-c", std::string("command -v ") + program}).exit_code == 0);
  }
  static MonitoringStack stack;
  return stack;
}

// A GET on loopback; an answer of any HTTP status is its body (Prometheus's
// error envelopes come with a 4xx), no answer is an error.
StatusOr<std::string> Get(int port, const std::string& path) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(2s);
  client.set_read_timeout(5s);
  auto r = client.Get(path.c_str());
  if (!r) {
    return Status::Error("GET http://127.0.0.1:" + std::to_string(port) + path + ": " + httplib::to_string(r.error()));
  }
  return r->body;
}

template <typename T>
StatusOr<T> Read(const StatusOr<std::string>& body, StatusOr<T> (*parse)(std::string_view)) {
  if (!body.ok()) return body.status();
  return parse(*body);
}

StatusOr<std::vector<ScrapeTarget>> Targets(int port) {
  return Read(Get(port, "/api/v1/targets?state=active"), ParseActiveTargets);
}
StatusOr<std::vector<AlertRule>> Rules(int port) {
  return Read(Get(port, "/api/v1/rules?type=alert"), ParseAlertingRules);
}
StatusOr<std::vector<std::string>> Alertmanagers(int port) {
  return Read(Get(port, "/api/v1/alertmanagers"), ParseActiveAlertmanagers);
}

// What GET <base>/-/healthy gives each listed Alertmanager, as JudgeAlertsRouted takes it.
std::map<std::string, Status> AskAlertmanagers(const StatusOr<std::vector<std::string>>& urls) {
  std::map<std::string, Status> out;
  if (!urls.ok()) return out;
  for (const std::string& url : *urls) {
    httplib::Client client(AlertmanagerBaseUrl(url));
    client.set_connection_timeout(2s);
    client.set_read_timeout(5s);
    auto r = client.Get("/-/healthy");
    out[url] = !r                     ? Status::Error("no answer to /-/healthy (" + httplib::to_string(r.error()) + ")")
               : r->status / 100 == 2 ? Status::Ok()
                                      : Status::Error("/-/healthy answered " + std::to_string(r->status));
  }
  return out;
}

// Polls (at most 300 times, 100 ms apart) until `done` returns true.
template <typename Fn>
bool WaitFor(Fn done) {
  for (int i = 0; i < 300; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

}  // namespace

TEST_CASE("Against a real Prometheus a job that is up passes monitoring.scraped and a down one fails it",
          "[integration][monitoring]") {
  MonitoringStack& s = Stack();
  // Matched by host and port only: Prometheus scrapes localhost:PORT, Probity knows 127.0.0.1:PORT.
  const ServiceIdentity backend{"127.0.0.1:" + std::to_string(s.backend_port), {"probity-target-name"}, {}};
  Verdict up = Verdict::Error("not judged");
  CHECK(WaitFor([&] {
    up = JudgeScraped(Targets(s.prometheus_port), backend, std::chrono::system_clock::now());
    return up.status == CheckStatus::kPass;
  }));
  INFO(up.detail);
  CHECK_THAT(up.detail,
             Catch::StartsWith("job backend, instance localhost:" + std::to_string(s.backend_port) + ": up, scraped "));
  CHECK_THAT(up.detail, Catch::EndsWith(" ago, every 1s"));

  Verdict down = Verdict::Error("not judged");
  CHECK(WaitFor([&] {
    down = JudgeScraped(Targets(s.prometheus_port), {"", {"gone"}, {}}, std::chrono::system_clock::now());
    return down.status == CheckStatus::kFail && down.detail.find(": down: ") != std::string::npos;
  }));
  CHECK(down.detail == "job gone, instance 127.0.0.1:" + std::to_string(s.down_port) + ": down: dial tcp 127.0.0.1:" +
                           std::to_string(s.down_port) + ": connect: connection refused");

  const Verdict unknown =
      JudgeScraped(Targets(s.prometheus_port), {"", {"nobody"}, {}}, std::chrono::system_clock::now());
  CHECK(unknown.status == CheckStatus::kFail);
  CHECK(unknown.detail == "no active target matches job nobody; Prometheus scrapes: backend, gone, prometheus");
}

TEST_CASE(
    "Against a real Prometheus rules on a service pass monitoring.alerts.defined and a service no rule "
    "selects fails it",
    "[integration][monitoring]") {
  MonitoringStack& s = Stack();
  const ServiceIdentity backend{"127.0.0.1:" + std::to_string(s.backend_port), {"backend"}, {"backend_requests"}};
  Verdict v = Verdict::Error("not judged");
  // Until its first evaluation a rule's health is "unknown": the judgement fails, then passes, and the
  // two groups are evaluated each on its own schedule.
  CHECK(WaitFor([&] {
    v = JudgeAlertsDefined(Rules(s.prometheus_port), backend);
    return v.status == CheckStatus::kPass && v.detail.rfind("2 alerting rules", 0) == 0;
  }));
  CHECK(v.detail == "2 alerting rules select job backend or 127.0.0.1:" + std::to_string(s.backend_port) +
                        ": BackendDown, BackendErrors");

  const Verdict none = JudgeAlertsDefined(Rules(s.prometheus_port), {"", {"nobody"}, {"nothing"}});
  CHECK(none.status == CheckStatus::kFail);
  CHECK(none.detail ==
        "no alerting rule selects job nobody or its metrics nothing; Prometheus has 3 alerting rules "
        "in 3 groups");
}

TEST_CASE(
    "Against a real Prometheus alerts with runbook_url and severity pass monitoring.alerts.runbook and an "
    "alert without them fails it",
    "[integration][monitoring]") {
  MonitoringStack& s = Stack();
  Verdict with = Verdict::Error("not judged");
  CHECK(WaitFor([&] {
    with = JudgeAlertsRunbook(Rules(s.prometheus_port), {"", {"backend"}, {"backend_requests"}});
    return with.status == CheckStatus::kPass;
  }));
  CHECK(with.detail == "all 2 alerts that select job backend have a runbook_url and a severity");

  // Selected through the family of prometheus_rule_evaluation_failures_total.
  const Verdict without =
      JudgeAlertsRunbook(Rules(s.prometheus_port), {"", {"prometheus"}, {"prometheus_rule_evaluation_failures"}});
  CHECK(without.status == CheckStatus::kFail);
  CHECK(without.detail ==
        "1 of 1 alert that selects job prometheus lacks them: PrometheusRuleFailures (no "
        "runbook_url, no severity)");
}

TEST_CASE(
    "Against a real Prometheus monitoring.alerts.routed passes while Alertmanager answers and fails once it "
    "stops though Prometheus still lists it",
    "[integration][monitoring]") {
  MonitoringStack& s = Stack();
  const std::string url = "http://127.0.0.1:" + std::to_string(s.alertmanager_port) + "/api/v2/alerts";
  Verdict routed = Verdict::Error("not judged");
  CHECK(WaitFor([&] {
    const StatusOr<std::vector<std::string>> listed = Alertmanagers(s.prometheus_port);
    routed = JudgeAlertsRouted(listed, AskAlertmanagers(listed));
    return routed.status == CheckStatus::kPass;
  }));
  CHECK(routed.detail == "Prometheus sends alerts to " + url + ", which answers /-/healthy");

  REQUIRE(s.alertmanager->Signal(SIGTERM) >= 0);
  REQUIRE_FALSE(s.alertmanager->Running());
  // Watched over a few evaluation intervals: the static Alertmanager stays listed as active.
  for (int i = 0; i < 10; ++i) {
    const StatusOr<std::vector<std::string>> listed = Alertmanagers(s.prometheus_port);
    REQUIRE(listed.ok());
    CHECK(*listed == std::vector<std::string>{url});
    std::this_thread::sleep_for(300ms);
  }
  const StatusOr<std::vector<std::string>> listed = Alertmanagers(s.prometheus_port);
  routed = JudgeAlertsRouted(listed, AskAlertmanagers(listed));
  CHECK(routed.status == CheckStatus::kFail);
  CHECK(routed.detail ==
        "Prometheus lists 1 Alertmanager but none answers: " + url + ": no answer to /-/healthy (Connection)");
}

TEST_CASE("An unreachable Prometheus or an answer that is not its API makes the monitoring judgements errors",
          "[integration][monitoring]") {
  const int nothing = FreePort();
  const ServiceIdentity identity{"", {"backend"}, {}};
  const Verdict scraped = JudgeScraped(Targets(nothing), identity, std::chrono::system_clock::now());
  CHECK(scraped.status == CheckStatus::kError);
  CHECK(scraped.detail == "cannot read Prometheus's targets: GET http://127.0.0.1:" + std::to_string(nothing) +
                              "/api/v1/targets?state=active: Connection");
  CHECK(JudgeAlertsDefined(Rules(nothing), identity).status == CheckStatus::kError);
  CHECK(JudgeAlertsRunbook(Rules(nothing), identity).status == CheckStatus::kError);
  CHECK(JudgeAlertsRouted(Alertmanagers(nothing), {}).status == CheckStatus::kError);

  MonitoringStack& s = Stack();
  const Verdict not_found =
      JudgeAlertsDefined(Read(Get(s.prometheus_port, "/api/v1/no-such-endpoint"), ParseAlertingRules), identity);
  CHECK(not_found.status == CheckStatus::kError);
  CHECK_THAT(not_found.detail, Catch::EndsWith("is not JSON (The JSON document has an improper structure: missing or "
                                               "superfluous commas, braces, missing keys, etc.): it begins \"404 page "
                                               "not found\""));
  const Verdict envelope =
      JudgeAlertsDefined(Read(Get(s.prometheus_port, "/api/v1/rules?type=bogus"), ParseAlertingRules), identity);
  CHECK(envelope.status == CheckStatus::kError);
  CHECK(envelope.detail ==
        "cannot read Prometheus's alerting rules: Prometheus answered an error (bad_data) to "
        "/api/v1/rules: invalid parameter \"type\": not supported value \"bogus\"");
}

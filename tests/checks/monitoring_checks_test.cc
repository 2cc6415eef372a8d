#include "checks/monitoring_checks.h"

#include <catch2/catch.hpp>

#include "checks/catalogue.h"
#include "checks/context.h"
#include "monitoring/prometheus_api.h"
#include "support/fake_http_client.h"
#include "support/process.h"

using namespace probity;
using probity::testing::ReadTestdata;

namespace {

WallTime At(double unix_seconds) {
  return WallTime(std::chrono::duration_cast<WallTime::duration>(std::chrono::duration<double>(unix_seconds)));
}

// The captured targets, and the unix time of the backend's last scrape.
struct Captured {
  StatusOr<std::vector<ScrapeTarget>> targets = ParseActiveTargets(ReadTestdata("monitoring/targets_active.json"));
  double backend_scraped() const {
    for (const ScrapeTarget& t : *targets) {
      if (t.job == "backend") return t.last_scrape;
    }
    FAIL("no backend target");
    return 0;
  }
};

ScrapeTarget Up(std::string job, double last_scrape, double interval_s) {
  ScrapeTarget t;
  t.job = std::move(job);
  t.instance = "127.0.0.1:9";
  t.scrape_url = "http://127.0.0.1:9/metrics";
  t.health = "up";
  t.last_scrape = last_scrape;
  t.interval_s = interval_s;
  return t;
}

StatusOr<std::vector<AlertRule>> CapturedRules() { return ParseAlertingRules(ReadTestdata("monitoring/rules_alert.json")); }

const ServiceIdentity kBackend{"", {"backend"}, {"backend_requests"}};
const ServiceIdentity kPrometheus{"", {"prometheus"}, {"prometheus_http_request_duration_seconds"}};
const ServiceIdentity kNobody{"127.0.0.1:1", {"nobody"}, {"nothing_total"}};

}  // namespace

// ---- monitoring.scraped ----------------------------------------------------

TEST_CASE("monitoring.scraped passes for a target that is up and was scraped within two intervals",
          "[monitoring][checks]") {
  Captured c;
  REQUIRE(c.targets.ok());
  const Verdict v = JudgeScraped(c.targets, {"", {"backend"}, {}}, At(c.backend_scraped() + 1));
  CHECK(v.status == CheckStatus::kPass);
  CHECK_THAT(v.detail, Catch::StartsWith("job backend, instance localhost:"));
  CHECK_THAT(v.detail, Catch::EndsWith(": up, scraped 1.0s ago, every 2s"));
}

TEST_CASE("monitoring.scraped fails for a target last scraped more than two intervals ago", "[monitoring][checks]") {
  Captured c;
  const Verdict v = JudgeScraped(c.targets, {"", {"backend"}, {}}, At(c.backend_scraped() + 300));
  CHECK(v.status == CheckStatus::kFail);
  CHECK_THAT(v.detail, Catch::EndsWith(": last scraped 5m ago, every 2s"));
  CHECK(JudgeScraped(c.targets, {"", {"backend"}, {}}, At(c.backend_scraped() + 3.9)).status == CheckStatus::kPass);
  CHECK(JudgeScraped(c.targets, {"", {"backend"}, {}}, At(c.backend_scraped() + 4.1)).status == CheckStatus::kFail);
}

TEST_CASE("monitoring.scraped fails for a down target with Prometheus's error, without the repeated URL",
          "[monitoring][checks]") {
  Captured c;
  const Verdict v = JudgeScraped(c.targets, {"", {"gone"}, {}}, At(c.backend_scraped()));
  CHECK(v.status == CheckStatus::kFail);
  CHECK_THAT(v.detail, Catch::StartsWith("job gone, instance 127.0.0.1:"));
  CHECK_THAT(v.detail, Catch::Contains(": down: dial tcp 127.0.0.1:"));
  CHECK_THAT(v.detail, Catch::EndsWith(": connect: connection refused"));
  CHECK(v.detail.find("Get \"") == std::string::npos);
}

TEST_CASE("monitoring.scraped fails for a target Prometheus has not scraped yet", "[monitoring][checks]") {
  Captured c;
  const Verdict v = JudgeScraped(c.targets, {"[::1]:9", {}, {}}, At(c.backend_scraped()));
  CHECK(v.status == CheckStatus::kFail);
  CHECK(v.detail == "job slow, instance [::1]:9: not scraped yet (every 1h)");
}

TEST_CASE("monitoring.scraped fails when no target matches and names the jobs Prometheus scrapes",
          "[monitoring][checks]") {
  Captured c;
  const Verdict v = JudgeScraped(c.targets, kNobody, At(c.backend_scraped()));
  CHECK(v.status == CheckStatus::kFail);
  CHECK(v.detail ==
        "no active target matches job nobody or 127.0.0.1:1; Prometheus scrapes: backend, gone, prometheus, slow");
  CHECK_FALSE(v.remedy.empty());
  const Verdict none = JudgeScraped(std::vector<ScrapeTarget>{}, kNobody, At(0));
  CHECK(none.detail == "no active target matches job nobody or 127.0.0.1:1; Prometheus scrapes no target");
}

TEST_CASE("monitoring.scraped passes when one of the matched targets is good", "[monitoring][checks]") {
  ScrapeTarget down = Up("api", 1000, 10);
  down.health = "down";
  down.last_error = "server returned HTTP status 500 Internal Server Error";
  const Verdict v = JudgeScraped(std::vector<ScrapeTarget>{down, Up("api", 1000, 10)}, {"", {"api"}, {}}, At(1005));
  CHECK(v.status == CheckStatus::kPass);
  const Verdict both_down = JudgeScraped(std::vector<ScrapeTarget>{down, down}, {"", {"api"}, {}}, At(1005));
  CHECK(both_down.status == CheckStatus::kFail);
  CHECK(both_down.detail ==
        "job api, instance 127.0.0.1:9: down: server returned HTTP status 500 Internal Server Error; "
        "job api, instance 127.0.0.1:9: down: server returned HTTP status 500 Internal Server Error");
}

TEST_CASE("monitoring.scraped fails for an up target whose last scrape reported an error", "[monitoring][checks]") {
  ScrapeTarget t = Up("api", 1000, 10);
  t.last_error = "sample limit exceeded";
  const Verdict v = JudgeScraped(std::vector<ScrapeTarget>{t}, {"", {"api"}, {}}, At(1001));
  CHECK(v.status == CheckStatus::kFail);
  CHECK(v.detail == "job api, instance 127.0.0.1:9: up, but its last scrape reported: sample limit exceeded");
}

TEST_CASE("monitoring.scraped assumes Prometheus's default interval when none was reported and says so",
          "[monitoring][checks]") {
  const std::vector<ScrapeTarget> t = {Up("api", 1000, 0)};
  const Verdict fresh = JudgeScraped(t, {"", {"api"}, {}}, At(1090));
  CHECK(fresh.status == CheckStatus::kPass);
  CHECK(fresh.detail ==
        "job api, instance 127.0.0.1:9: up, scraped 1m30s ago, every 1m (Prometheus did not say: its default "
        "assumed)");
  CHECK(JudgeScraped(t, {"", {"api"}, {}}, At(1150)).status == CheckStatus::kFail);
}

TEST_CASE("monitoring.scraped counts a last scrape after now, a clock ahead of ours, as fresh",
          "[monitoring][checks]") {
  const Verdict v = JudgeScraped(std::vector<ScrapeTarget>{Up("api", 2000, 10)}, {"", {"api"}, {}}, At(1000));
  CHECK(v.status == CheckStatus::kPass);
  CHECK_THAT(v.detail, Catch::EndsWith("scraped 0.0ms ago, every 10s"));
}

TEST_CASE("monitoring.scraped shows untrusted names from Prometheus only as printable excerpts",
          "[monitoring][checks]") {
  ScrapeTarget t = Up("\x1b]0;evil\x07" + std::string(500, 'j'), 1000, 10);
  t.health = "down";
  t.last_error = "\x1b[2J" + std::string(1000, 'e');
  const Verdict v = JudgeScraped(std::vector<ScrapeTarget>{t}, {"127.0.0.1:9", {}, {}}, At(1001));
  CHECK(v.status == CheckStatus::kFail);
  CHECK(v.detail.find('\x1b') == std::string::npos);
  CHECK(v.detail.size() < 400);
  const Verdict unmatched = JudgeScraped(std::vector<ScrapeTarget>{t}, kNobody, At(1001));
  CHECK(unmatched.detail.find('\x1b') == std::string::npos);
}

TEST_CASE("Every monitoring judgement is an error with the reason when Prometheus could not be read",
          "[monitoring][checks]") {
  const Status why = Status::Error("GET http://127.0.0.1:9090/api/v1/targets: connection refused");
  const Verdict scraped = JudgeScraped(StatusOr<std::vector<ScrapeTarget>>(why), kBackend, At(0));
  CHECK(scraped.status == CheckStatus::kError);
  CHECK(scraped.detail == "cannot read Prometheus's targets: " + why.message());
  const StatusOr<std::vector<AlertRule>> no_rules(Status::Error("the rules answer (/api/v1/rules) is empty"));
  CHECK(JudgeAlertsDefined(no_rules, kBackend).status == CheckStatus::kError);
  CHECK(JudgeAlertsDefined(no_rules, kBackend).detail ==
        "cannot read Prometheus's alerting rules: the rules answer (/api/v1/rules) is empty");
  CHECK(JudgeAlertsRunbook(no_rules, kBackend).status == CheckStatus::kError);
  const Verdict routed = JudgeAlertsRouted(StatusOr<std::vector<std::string>>(why), {});
  CHECK(routed.status == CheckStatus::kError);
  CHECK_THAT(routed.detail, Catch::StartsWith("cannot read Prometheus's Alertmanagers: "));
}

// ---- monitoring.alerts.defined ---------------------------------------------

TEST_CASE("monitoring.alerts.defined passes when an evaluating rule selects the service", "[monitoring][checks]") {
  const Verdict v = JudgeAlertsDefined(CapturedRules(), kBackend);
  CHECK(v.status == CheckStatus::kPass);
  CHECK(v.detail == "2 alerting rules select job backend: BackendDown, BackendErrors");
}

TEST_CASE("monitoring.alerts.defined fails when no rule selects the service", "[monitoring][checks]") {
  const Verdict v = JudgeAlertsDefined(CapturedRules(), kNobody);
  CHECK(v.status == CheckStatus::kFail);
  CHECK(v.detail ==
        "no alerting rule selects job nobody or 127.0.0.1:1 or its metrics nothing_total; Prometheus has 4 alerting "
        "rules in 2 groups");
  const Verdict unknown_metrics = JudgeAlertsDefined(CapturedRules(), {"", {"nobody"}, {}});
  CHECK(unknown_metrics.detail ==
        "no alerting rule selects job nobody (the service's metrics are unknown: matched by job only); Prometheus "
        "has 4 alerting rules in 2 groups");
}

TEST_CASE("monitoring.alerts.defined fails when the rules that select the service do not evaluate",
          "[monitoring][checks]") {
  const Verdict v = JudgeAlertsDefined(CapturedRules(), {"", {"gone"}, {}});
  CHECK(v.status == CheckStatus::kFail);
  CHECK_THAT(v.detail, Catch::StartsWith("1 alerting rule selects job gone but none has evaluated OK: BrokenRule "
                                         "(err: found duplicate series"));
  AlertRule fresh;
  fresh.name = "New";
  fresh.expr = "up{job=\"api\"} == 0";
  fresh.health = "unknown";
  const Verdict not_yet = JudgeAlertsDefined(std::vector<AlertRule>{fresh}, {"", {"api"}, {}});
  CHECK(not_yet.status == CheckStatus::kFail);
  CHECK(not_yet.detail == "1 alerting rule selects job api but none has evaluated OK: New (unknown)");
}

// ---- monitoring.alerts.runbook ---------------------------------------------

TEST_CASE("monitoring.alerts.runbook passes when every selecting alert has a runbook_url and a severity",
          "[monitoring][checks]") {
  const Verdict v = JudgeAlertsRunbook(CapturedRules(), kBackend);
  CHECK(v.status == CheckStatus::kPass);
  CHECK(v.detail == "all 2 alerts that select job backend have a runbook_url and a severity");
}

TEST_CASE("monitoring.alerts.runbook fails naming the alerts without a runbook_url or a severity",
          "[monitoring][checks]") {
  const Verdict v = JudgeAlertsRunbook(CapturedRules(), kPrometheus);
  CHECK(v.status == CheckStatus::kFail);
  CHECK(v.detail ==
        "1 of 1 alert that selects job prometheus lacks them: PrometheusSlowQueries (no runbook_url, no severity)");
  AlertRule blank;
  blank.name = "Blank";
  blank.expr = "up{job=\"api\"} == 0";
  blank.health = "ok";
  blank.labels = {{"severity", "page"}};
  blank.annotations = {{"runbook_url", "  "}};
  CHECK(JudgeAlertsRunbook(std::vector<AlertRule>{blank}, {"", {"api"}, {}}).detail ==
        "1 of 1 alert that selects job api lacks them: Blank (no runbook_url)");
}

TEST_CASE("monitoring.alerts.runbook skips when no alert selects the service", "[monitoring][checks]") {
  const Verdict v = JudgeAlertsRunbook(CapturedRules(), kNobody);
  CHECK(v.status == CheckStatus::kSkip);
  CHECK(v.detail == "no alerting rule selects job nobody or 127.0.0.1:1");
}

// ---- monitoring.alerts.routed ----------------------------------------------

TEST_CASE("monitoring.alerts.routed passes when a listed Alertmanager answers", "[monitoring][checks]") {
  const StatusOr<std::vector<std::string>> ams = ParseActiveAlertmanagers(ReadTestdata("monitoring/alertmanagers_active.json"));
  REQUIRE(ams.ok());
  const Verdict v = JudgeAlertsRouted(ams, {{ams->at(0), Status::Ok()}});
  CHECK(v.status == CheckStatus::kPass);
  CHECK(v.detail == "Prometheus sends alerts to " + ams->at(0) + ", which answers /-/healthy");
}

TEST_CASE("monitoring.alerts.routed fails when the listed Alertmanagers do not answer", "[monitoring][checks]") {
  const StatusOr<std::vector<std::string>> ams = ParseActiveAlertmanagers(ReadTestdata("monitoring/alertmanagers_after_stop.json"));
  REQUIRE(ams.ok());
  const Verdict v = JudgeAlertsRouted(ams, {{ams->at(0), Status::Error("connection refused")}});
  CHECK(v.status == CheckStatus::kFail);
  CHECK(v.detail == "Prometheus lists 1 Alertmanager but none answers: " + ams->at(0) + ": connection refused");
  const Verdict unasked = JudgeAlertsRouted(ams, {});
  CHECK(unasked.status == CheckStatus::kFail);
  CHECK(unasked.detail == "Prometheus lists 1 Alertmanager but none answers: " + ams->at(0) + ": not asked");
  const std::vector<std::string> two = {"http://a/api/v2/alerts", "http://b/api/v2/alerts"};
  CHECK(JudgeAlertsRouted(two, {{two[0], Status::Error("HTTP 503")}, {two[1], Status::Ok()}}).status ==
        CheckStatus::kPass);
}

TEST_CASE("monitoring.alerts.routed fails when Prometheus has no Alertmanager", "[monitoring][checks]") {
  const Verdict v = JudgeAlertsRouted(ParseActiveAlertmanagers(ReadTestdata("monitoring/alertmanagers_none.json")), {});
  CHECK(v.status == CheckStatus::kFail);
  CHECK(v.detail == "Prometheus has no active Alertmanager: its alerts reach no one");
  CHECK_FALSE(v.remedy.empty());
}

TEST_CASE("monitoring.alerts.routed asks each Alertmanager anonymously: Prometheus's credentials go to Prometheus only",
          "[checks][monitoring]") {
  testing::FakeClock clock;
  testing::FakeHttpClient http(clock);
  PrometheusConfig prometheus;
  prometheus.url = "http://prom.test:9090";
  prometheus.http.bearer_token = Secret("prometheus-token");
  prometheus.http.headers = {{"X-Scope-OrgID", "team-a"}};
  http.On("http://prom.test:9090/api/v1/alertmanagers", 200, "application/json",
          R"({"status":"success","data":{"activeAlertmanagers":[{"url":"http://am.elsewhere:9093/api/v2/alerts"}],)"
          R"("droppedAlertmanagers":[]}})");
  http.On("http://am.elsewhere:9093/-/healthy", 200, "text/plain", "OK");
  HttpOptions options;
  ProbeContext ctx(http, options, clock);
  ctx.set_target({"svc", "http://svc.test:8080", {}, &prometheus});
  Verdict v = Verdict::Error("not run");
  for (const PlannedCheck& p : DefaultPlan()) {
    if (p.info->id == "monitoring.alerts.routed") v = p.info->run(ctx, p.params);
  }
  INFO(v.detail);
  CHECK(v.status == CheckStatus::kPass);
  const std::vector<HttpRequest> requests = http.requests();
  const std::vector<HttpOptions> sent_with = http.options();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].url == "http://prom.test:9090/api/v1/alertmanagers");
  CHECK(sent_with[0].bearer_token.Reveal() == "prometheus-token");
  CHECK(requests[1].url == "http://am.elsewhere:9093/-/healthy");
  CHECK_FALSE(requests[1].with_auth);
  CHECK(sent_with[1].bearer_token.Reveal().empty());
  CHECK(sent_with[1].headers.empty());
  CHECK_FALSE(sent_with[1].follow_redirects);
}

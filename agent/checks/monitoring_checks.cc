#include "checks/monitoring_checks.h"

#include <algorithm>
#include <chrono>
#include <set>

#include "checks/context.h"
#include "checks/metrics_facts.h"
#include "core/duration.h"
#include "core/text.h"
#include "http/url.h"

namespace probity {
namespace {

// "a, b, c and 4 more".
std::string JoinBounded(const std::vector<std::string>& items, std::size_t max, const char* separator = ", ") {
  std::string out;
  for (std::size_t i = 0; i < items.size() && i < max; ++i) {
    if (i > 0) out += separator;
    out += items[i];
  }
  if (items.size() > max) out += " and " + std::to_string(items.size() - max) + " more";
  return out;
}

std::string Quoted(const std::string& untrusted) { return Excerpt(untrusted, 60); }

// "job backend or 127.0.0.1:8080".
std::string Describe(const ServiceIdentity& identity) {
  std::vector<std::string> jobs;
  for (const std::string& job : identity.jobs) {
    if (!job.empty() && std::find(jobs.begin(), jobs.end(), Quoted(job)) == jobs.end()) jobs.push_back(Quoted(job));
  }
  std::string out;
  if (!jobs.empty()) out = (jobs.size() == 1 ? "job " : "jobs ") + JoinBounded(jobs, 4);
  if (!identity.host_port.empty()) out += (out.empty() ? "" : " or ") + Quoted(identity.host_port);
  return out.empty() ? "this service" : out;
}

std::string Plural(std::size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

Duration Seconds(double s) { return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(s)); }

// Prometheus's lastError repeats the URL it scraped ("Get \"http://…\": dial
// tcp …"): the target names it already.
std::string ScrapeError(const ScrapeTarget& t) {
  std::string_view e = t.last_error;
  const std::string prefix = "Get \"" + t.scrape_url + "\": ";
  if (StartsWith(e, prefix)) e.remove_prefix(prefix.size());
  return Excerpt(e, 160);
}

struct TargetState {
  bool good = false;
  std::string text;  // "up, scraped 0.4s ago, every 2s" or what is wrong
};

TargetState StateOf(const ScrapeTarget& t, WallTime now) {
  const bool assumed = t.interval_s <= 0;
  const double interval = assumed ? kAssumedScrapeIntervalSeconds : t.interval_s;
  const std::string every =
      "every " + FormatDuration(Seconds(interval)) + (assumed ? " (Prometheus did not say: its default assumed)" : "");
  const double now_s = std::chrono::duration<double>(now.time_since_epoch()).count();
  const double age = std::max(0.0, now_s - t.last_scrape);
  if (t.health == "down") return {false, "down: " + (t.last_error.empty() ? "no error given" : ScrapeError(t))};
  if (t.health == "unknown" || t.last_scrape <= 0) return {false, "not scraped yet (" + every + ")"};
  if (t.health != "up") return {false, "health \"" + Quoted(t.health) + "\": " + ScrapeError(t)};
  if (!t.last_error.empty()) return {false, "up, but its last scrape reported: " + ScrapeError(t)};
  if (age > 2 * interval) {
    return {false, "last scraped " + FormatElapsed(Seconds(age)) + " ago, " + every};
  }
  return {true, "up, scraped " + FormatElapsed(Seconds(age)) + " ago, " + every};
}

std::string TargetName(const ScrapeTarget& t) {
  return "job " + Quoted(t.job) + ", instance " + Quoted(t.instance.empty() ? t.scrape_url : t.instance);
}

bool Blank(const std::map<std::string, std::string>& m, const char* key) {
  const auto it = m.find(key);
  return it == m.end() || Trim(it->second).empty();
}

}  // namespace

Verdict JudgeScraped(const StatusOr<std::vector<ScrapeTarget>>& targets, const ServiceIdentity& identity,
                     WallTime now) {
  if (!targets.ok()) return Verdict::Error("cannot read Prometheus's targets: " + targets.status().message());
  const std::vector<const ScrapeTarget*> matched = MatchTargets(*targets, identity);
  if (matched.empty()) {
    std::set<std::string> jobs;
    for (const ScrapeTarget& t : *targets) jobs.insert(Quoted(t.job));
    const std::string scraped = jobs.empty() ? "Prometheus scrapes no target"
                                             : "Prometheus scrapes: " + JoinBounded({jobs.begin(), jobs.end()}, 10);
    return Verdict::Fail("no active target matches " + Describe(identity) + "; " + scraped,
                         "add a scrape job for this service to Prometheus, or give the Probity target the `job` "
                         "label Prometheus scrapes it as");
  }
  std::vector<std::string> good, bad;
  for (const ScrapeTarget* t : matched) {
    const TargetState state = StateOf(*t, now);
    (state.good ? good : bad).push_back(TargetName(*t) + ": " + state.text);
  }
  if (!good.empty()) return Verdict::Pass(JoinBounded(good, 1));
  return Verdict::Fail(JoinBounded(bad, 3, "; "));
}

Verdict JudgeAlertsDefined(const StatusOr<std::vector<AlertRule>>& rules, const ServiceIdentity& identity) {
  if (!rules.ok()) return Verdict::Error("cannot read Prometheus's alerting rules: " + rules.status().message());
  const std::vector<const AlertRule*> matched = MatchAlerts(*rules, identity);
  std::vector<std::string> ok, broken;
  for (const AlertRule* r : matched) {
    if (r->health == "ok") {
      ok.push_back(Quoted(r->name));
    } else {
      broken.push_back(Quoted(r->name) + " (" + Quoted(r->health) +
                       (r->last_error.empty() ? "" : ": " + Excerpt(r->last_error, 120)) + ")");
    }
  }
  if (!ok.empty()) {
    return Verdict::Pass(Plural(ok.size(), "alerting rule selects ", "alerting rules select ") + Describe(identity) +
                         ": " + JoinBounded(ok, 5));
  }
  if (!broken.empty()) {
    return Verdict::Fail(Plural(broken.size(), "alerting rule selects ", "alerting rules select ") +
                             Describe(identity) + " but none has evaluated OK: " + JoinBounded(broken, 3, "; "),
                         "fix the rule's expression (Prometheus's /rules page shows its error), or wait for its "
                         "first evaluation");
  }
  std::set<std::string> groups;
  for (const AlertRule& r : *rules) groups.insert(r.group);
  std::vector<std::string> families;
  for (const std::string& f : identity.metric_families) families.push_back(Quoted(f));
  const std::string named = families.empty() ? " (the service's metrics are unknown: matched by job only)"
                                             : " or its metrics " + JoinBounded(families, 3);
  return Verdict::Fail("no alerting rule selects " + Describe(identity) + named + "; Prometheus has " +
                       Plural(rules->size(), "alerting rule", "alerting rules") + " in " +
                       Plural(groups.size(), "group", "groups"));
}

Verdict JudgeAlertsRunbook(const StatusOr<std::vector<AlertRule>>& rules, const ServiceIdentity& identity) {
  if (!rules.ok()) return Verdict::Error("cannot read Prometheus's alerting rules: " + rules.status().message());
  const std::vector<const AlertRule*> matched = MatchAlerts(*rules, identity);
  if (matched.empty()) return Verdict::Skip("no alerting rule selects " + Describe(identity));
  std::vector<std::string> lacking;
  for (const AlertRule* r : matched) {
    std::vector<std::string> missing;
    if (Blank(r->annotations, "runbook_url")) missing.push_back("no runbook_url");
    if (Blank(r->labels, "severity")) missing.push_back("no severity");
    if (!missing.empty()) lacking.push_back(Quoted(r->name) + " (" + JoinBounded(missing, 2) + ")");
  }
  if (lacking.empty()) {
    return Verdict::Pass(matched.size() == 1
                             ? "the alert that selects " + Describe(identity) + " has a runbook_url and a severity"
                             : "all " + std::to_string(matched.size()) + " alerts that select " + Describe(identity) +
                                   " have a runbook_url and a severity");
  }
  return Verdict::Fail(std::to_string(lacking.size()) + " of " + Plural(matched.size(), "alert", "alerts") +
                       (matched.size() == 1 ? " that selects " : " that select ") + Describe(identity) + " " +
                       (lacking.size() == 1 ? "lacks" : "lack") + " them: " + JoinBounded(lacking, 5, "; "));
}

Verdict JudgeAlertsRouted(const StatusOr<std::vector<std::string>>& active_alertmanagers,
                          const std::map<std::string, Status>& healthy) {
  if (!active_alertmanagers.ok()) {
    return Verdict::Error("cannot read Prometheus's Alertmanagers: " + active_alertmanagers.status().message());
  }
  if (active_alertmanagers->empty()) {
    return Verdict::Fail("Prometheus has no active Alertmanager: its alerts reach no one",
                         "add an Alertmanager under alerting.alertmanagers in prometheus.yml");
  }
  std::vector<std::string> answering, silent;
  for (const std::string& url : *active_alertmanagers) {
    const auto it = healthy.find(url);
    if (it == healthy.end()) {
      silent.push_back(Quoted(url) + ": not asked");
    } else if (it->second.ok()) {
      answering.push_back(Quoted(url));
    } else {
      silent.push_back(Quoted(url) + ": " + Excerpt(it->second.message(), 120));
    }
  }
  if (!answering.empty()) {
    return Verdict::Pass("Prometheus sends alerts to " + JoinBounded(answering, 2) + ", which " +
                         (answering.size() == 1 ? "answers" : "answer") + " /-/healthy");
  }
  return Verdict::Fail("Prometheus lists " + Plural(active_alertmanagers->size(), "Alertmanager", "Alertmanagers") +
                           " but none answers: " + JoinBounded(silent, 3, "; "),
                       "start the Alertmanager Prometheus sends to, or point alerting.alertmanagers at one that runs");
}

namespace {

// The Prometheus this target's monitoring checks ask, or why none.
const PrometheusConfig* PrometheusOf(const ProbeContext& ctx) {
  const PrometheusConfig* p = ctx.target().prometheus;
  return p && p->configured() ? p : nullptr;
}

// One answer of the Prometheus HTTP API: its body whatever the HTTP status
// (errors come as JSON envelopes with a 4xx), or why there is none.
StatusOr<std::string> Ask(ProbeContext& ctx, const PrometheusConfig& prometheus, const std::string& path) {
  StatusOr<Url> base = ParseUrl(prometheus.url);
  if (!base.ok()) return Status::Error("prometheus.url: " + base.status().message());
  HttpRequest request;
  request.url = ResolveEndpoint(*base, path);
  request.headers.emplace_back("Accept", "application/json");
  StatusOr<HttpResponse> r = ctx.http().Fetch(request, prometheus.http);
  if (!r.ok()) return Status::Error("GET " + request.url + ": " + r.status().message());
  if (r->body_truncated) {
    return Status::Error("GET " + request.url + ": the answer is larger than the " +
                         FormatByteSize(prometheus.http.max_body_bytes) + " limit");
  }
  return std::move(r->body);
}

template <typename T, typename Parse>
StatusOr<T> AskAndParse(ProbeContext& ctx, const std::string& path, Parse parse) {
  const PrometheusConfig* prometheus = PrometheusOf(ctx);
  if (prometheus == nullptr) return Status::Error("no Prometheus is configured");
  StatusOr<std::string> body = Ask(ctx, *prometheus, path);
  if (!body.ok()) return body.status();
  return parse(*body);
}

// What Prometheus says of its scrape targets, its alerting rules and its
// Alertmanagers: each asked once per run, when a check first needs it.
struct PrometheusTargets {
  StatusOr<std::vector<ScrapeTarget>> targets = Status::Error("not asked");
  static PrometheusTargets Compute(ProbeContext& ctx) {
    return {AskAndParse<std::vector<ScrapeTarget>>(ctx, "/api/v1/targets?state=active", ParseActiveTargets)};
  }
};

struct PrometheusRules {
  StatusOr<std::vector<AlertRule>> rules = Status::Error("not asked");
  static PrometheusRules Compute(ProbeContext& ctx) {
    return {AskAndParse<std::vector<AlertRule>>(ctx, "/api/v1/rules?type=alert", ParseAlertingRules)};
  }
};

struct PrometheusAlertmanagers {
  StatusOr<std::vector<std::string>> active = Status::Error("not asked");
  std::map<std::string, Status> healthy;  // listed URL -> what its /-/healthy gave
  static PrometheusAlertmanagers Compute(ProbeContext& ctx) {
    PrometheusAlertmanagers out;
    out.active = AskAndParse<std::vector<std::string>>(ctx, "/api/v1/alertmanagers", ParseActiveAlertmanagers);
    if (!out.active.ok()) return out;
    const PrometheusConfig& prometheus = *PrometheusOf(ctx);
    constexpr std::size_t kMostAsked = 5;  // enough to find one that answers
    for (std::size_t i = 0; i < out.active->size() && i < kMostAsked; ++i) {
      const std::string& url = (*out.active)[i];
      // Prometheus's credentials and headers are Prometheus's: an Alertmanager
      // (any host Prometheus lists) is asked anonymously, without redirects.
      HttpRequest request;
      request.url = AlertmanagerBaseUrl(url) + "/-/healthy";
      request.keep_body = false;
      request.with_auth = false;
      HttpOptions options;
      options.timeout = prometheus.http.timeout;
      options.connect_timeout = prometheus.http.connect_timeout;
      options.tls_verify = prometheus.http.tls_verify;
      options.ca_file = prometheus.http.ca_file;
      options.follow_redirects = false;
      options.max_body_bytes = 64 * 1024;
      StatusOr<HttpResponse> r = ctx.http().Fetch(request, options);
      if (!r.ok()) {
        out.healthy[url] = Status::Error(r.status().message());
      } else if (r->status < 200 || r->status > 299) {
        out.healthy[url] = Status::Error("/-/healthy answered " + std::to_string(r->status));
      } else {
        out.healthy[url] = Status::Ok();
      }
    }
    return out;
  }
};

// How Prometheus would know this service: its job (the target's `job`
// label, else its name), its host:port, and (`with_families`) the metric
// families it exposes, from this run's scrape.
ServiceIdentity IdentityOf(ProbeContext& ctx, bool with_families) {
  ServiceIdentity identity;
  const TargetIdentity& target = ctx.target();
  auto job = target.labels.find("job");
  if (job != target.labels.end() && !job->second.empty()) identity.jobs.push_back(job->second);
  if (StatusOr<Url> url = ParseUrl(target.url); url.ok()) identity.host_port = url->HostPort();
  // A target given as a bare URL is named after its host:port, which is no job.
  if (!target.name.empty() && target.name != identity.host_port &&
      std::find(identity.jobs.begin(), identity.jobs.end(), target.name) == identity.jobs.end()) {
    identity.jobs.push_back(target.name);
  }
  if (with_families && ctx.endpoints().metrics.found()) {
    const TextScrape& scrape = ctx.Fact<TextScrape>();
    for (const exposition::FamilySummary& f : scrape.analysis.families) identity.metric_families.push_back(f.name);
  }
  return identity;
}

Verdict NoPrometheus() {
  return Verdict::Skip("no Prometheus is configured (set prometheus: {url: …} in the configuration, or scan "
                       "--prometheus URL)");
}

Verdict Scraped(ProbeContext& ctx, const CheckParams&) {
  if (!PrometheusOf(ctx)) return NoPrometheus();
  return JudgeScraped(ctx.Fact<PrometheusTargets>().targets, IdentityOf(ctx, false), ctx.clock().WallNow());
}

Verdict AlertsDefined(ProbeContext& ctx, const CheckParams&) {
  if (!PrometheusOf(ctx)) return NoPrometheus();
  return JudgeAlertsDefined(ctx.Fact<PrometheusRules>().rules, IdentityOf(ctx, true));
}

Verdict AlertsRunbook(ProbeContext& ctx, const CheckParams&) {
  if (!PrometheusOf(ctx)) return NoPrometheus();
  return JudgeAlertsRunbook(ctx.Fact<PrometheusRules>().rules, IdentityOf(ctx, true));
}

Verdict AlertsRouted(ProbeContext& ctx, const CheckParams&) {
  if (!PrometheusOf(ctx)) return NoPrometheus();
  const PrometheusAlertmanagers& am = ctx.Fact<PrometheusAlertmanagers>();
  return JudgeAlertsRouted(am.active, am.healthy);
}

}  // namespace

const std::vector<CheckInfo>& MonitoringChecks() {
  static const std::vector<CheckInfo> checks = {
      {"monitoring.scraped", Severity::kCritical, Level::kSilver,
       "Prometheus has an active target for this service (its job, or its host:port) that is up, was scraped "
       "within 2 scrape intervals and has no scrape error",
       "Metrics the service exposes are worth nothing until Prometheus scrapes them: with no target, a down target or "
       "a failing scrape there is no history, dashboards go blank and alerts on the service's metrics cannot fire.",
       "add the service to a Prometheus scrape job (or fix the one that fails: the detail says how), so that its "
       "metrics are collected at all",
       {}, {.prometheus = true}, Scraped},
      {"monitoring.alerts.defined", Severity::kWarning, Level::kGold,
       "at least one loaded alerting rule (health ok) selects this service: its expression names a metric the "
       "service exposes, or its job or service label",
       "Metrics nobody alerts on are seen only when someone happens to look: without a loaded rule on this service's "
       "series, an outage is reported by its users rather than by Prometheus.",
       "write alerting rules on the service's own metrics (error ratio, latency, up == 0) and load them into "
       "Prometheus; fix rules that do not evaluate",
       {}, {.metrics = true, .prometheus = true}, AlertsDefined},
      {"monitoring.alerts.runbook", Severity::kInfo, Level::kNone,
       "each alert that selects this service has a runbook_url annotation and a severity label",
       "Alertmanager routes on labels such as severity, and the person paged needs the runbook_url to know what to "
       "do: an alert without them goes to the wrong receiver or leaves the responder to improvise.",
       "give every alert a severity label (for routing) and a runbook_url annotation (for the person paged)", {},
       {.metrics = true, .prometheus = true}, AlertsRunbook},
      {"monitoring.alerts.routed", Severity::kWarning, Level::kGold,
       "Prometheus has at least one active Alertmanager, and it answers, so alerts reach a person",
       "Prometheus only evaluates alerting rules; Alertmanager sends the notifications: without an active "
       "Alertmanager, firing alerts are visible only in the Prometheus UI and nobody is paged.",
       "configure alerting.alertmanagers in Prometheus and keep that Alertmanager running", {},
       {.prometheus = true}, AlertsRouted},
  };
  return checks;
}

}  // namespace probity

#include "checks/monitoring_checks.h"

#include <algorithm>
#include <chrono>
#include <set>

#include "core/duration.h"
#include "core/text.h"

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

}  // namespace probity

#pragma once

// The judgements of the monitoring category (CHECKS.md, "monitoring"): the
// service seen from Prometheus's side. Each is pure: it takes what the
// Prometheus API answered, already parsed (monitoring/prometheus_api.h), and
// returns a Verdict. An answer that could not be had or read (the StatusOr is
// not ok) is Verdict::Error with the reason: the check could not look, which
// says nothing about the service.

#include <map>
#include <string>
#include <vector>

#include "checks/check.h"
#include "core/clock.h"
#include "core/status.h"
#include "monitoring/prometheus_api.h"

namespace probity {

// The `monitoring` category of CHECKS.md, defined in monitoring_checks.cc:
// the target's Prometheus (`prometheus:` in the configuration, `scan
// --prometheus URL`) is asked once per run for its targets, alerting rules
// and Alertmanagers. Without one the checks are skipped.
const std::vector<CheckInfo>& MonitoringChecks();

// The interval assumed for a target whose scrapeInterval Prometheus did not
// report (Prometheus's own default scrape_interval); the detail says so.
inline constexpr double kAssumedScrapeIntervalSeconds = 60;

// monitoring.scraped: passes when a target MatchTargets finds is "up", has
// no lastError and was last scraped within 2 of its scrape intervals before
// `now` (a last scrape after `now`, a clock ahead of ours, counts as fresh).
// Fails when none matches, naming the jobs Prometheus does scrape, or with
// the state of the matched targets ("down: …", "not scraped yet", "last
// scraped 5m ago").
Verdict JudgeScraped(const StatusOr<std::vector<ScrapeTarget>>& targets, const ServiceIdentity& identity, WallTime now);

// monitoring.alerts.defined: passes when at least one alerting rule that
// MatchAlerts finds has health "ok". Fails naming the matched rules that do
// not evaluate, or saying that no rule selects the service.
Verdict JudgeAlertsDefined(const StatusOr<std::vector<AlertRule>>& rules, const ServiceIdentity& identity);

// monitoring.alerts.runbook: passes when every alerting rule MatchAlerts
// finds (whatever its health: a broken rule pages once fixed) has a
// non-blank runbook_url annotation and a non-blank severity label; fails
// naming those that lack either. Skips when no rule selects the service.
Verdict JudgeAlertsRunbook(const StatusOr<std::vector<AlertRule>>& rules, const ServiceIdentity& identity);

// monitoring.alerts.routed: Prometheus lists an Alertmanager as active for as
// long as its service discovery does, answering or not (a static one stays
// listed after it stops: seen on 2.42), so being listed is not enough. `healthy` holds, for the listed URLs
// that were asked, what GET AlertmanagerBaseUrl(url) + "/-/healthy" gave:
// Ok for a 2xx answer, else an error saying what came back. Passes when at
// least one listed Alertmanager answered; fails when none is listed, or
// none that is listed answered (a listed URL missing from `healthy` counts
// as not asked).
Verdict JudgeAlertsRouted(const StatusOr<std::vector<std::string>>& active_alertmanagers,
                          const std::map<std::string, Status>& healthy);

}  // namespace probity

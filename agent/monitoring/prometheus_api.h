#pragma once

// What Prometheus says about a service, read from its HTTP API: the scrape
// targets (/api/v1/targets), the alerting rules (/api/v1/rules) and the
// Alertmanagers it sends to (/api/v1/alertmanagers). The parsers read answer
// bodies and nothing else: fetching them, and the HTTP status, is the
// caller's. They accept any body — garbage, HTML, a wrong type anywhere, an
// error envelope — and return a Status that says what was wrong, never throw.
//
// Checked against Prometheus 2.42 (tests/testdata/monitoring/README.md). What
// 2.42 returns and these parsers rely on:
//  - every answer is {"status":"success","data":{…}}, or {"status":"error",
//    "errorType":…,"error":…} with a 4xx/5xx;
//  - an active target has "labels" (job, instance, …), "scrapeUrl", "health"
//    ("up", "down" or "unknown" before its first scrape), "lastError",
//    "lastScrape" (RFC 3339 in Prometheus's local time zone, with its offset;
//    Go's zero time "0001-01-01T00:00:00Z" before the first scrape) and
//    "scrapeInterval" (a Prometheus duration: the target's own interval,
//    per job or relabelled, not just the global one);
//  - a rule has "type" ("alerting" or "recording"), "name", "query" (the
//    expression as Prometheus prints it back, not as written in the file),
//    "health" ("ok", "err", "unknown" before its first evaluation),
//    "lastError" when not ok, "labels" and "annotations";
//  - an active Alertmanager is {"url": its alerts API, e.g.
//    "http://127.0.0.1:9093/api/v2/alerts"}. With static_configs it stays
//    listed after the Alertmanager stops (seen for 30 s and more on 2.42):
//    being listed does not mean it answers.
// A JSON null where a list or an object is expected (what Go writes for an
// empty one) reads as empty.

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace probity {

// The largest body the parsers read; a larger one is an error, not a parse
// that costs memory in proportion (the HTTP client's own limit comes first).
inline constexpr std::size_t kMaxPrometheusAnswerBytes = 64u << 20;

// Who the service is, in the terms Prometheus knows it by.
struct ServiceIdentity {
  std::string host_port;  // "127.0.0.1:8080", "[::1]:8080", "localhost:8080": from the Probity target URL,
                          // with the port (the scheme's default when the URL has none); empty: match by job only
  std::vector<std::string> jobs;  // job names to match: the Probity target's `job` label if any, and its name
  std::vector<std::string> metric_families;  // families the service exposes; empty when unknown
};

// One active scrape target.
struct ScrapeTarget {
  std::string job;       // the `job` label ("" when the target has none)
  std::string instance;  // the `instance` label
  std::string scrape_url;
  std::string health;      // "up", "down", "unknown"
  std::string last_error;  // "" after a good scrape
  double last_scrape = 0;  // unix seconds; 0 when never scraped
  double interval_s = 0;   // the target's scrape interval; 0 when Prometheus did not say (see ParseActiveTargets)
};

// Reads /api/v1/targets (with or without ?state=active: only activeTargets
// is read). The interval is "scrapeInterval", else the discovered label
// "__scrape_interval__", else 0 (an older Prometheus that reports neither;
// JudgeScraped then assumes Prometheus's default). The global interval from
// /api/v1/status/config is deliberately not used: that answer is YAML inside
// JSON (and only config/ may read YAML), and it is wrong for every job that
// sets its own scrape_interval.
StatusOr<std::vector<ScrapeTarget>> ParseActiveTargets(std::string_view body);

// One alerting rule (recording rules are left out).
struct AlertRule {
  std::string name, group, file, expr, health;
  std::string last_error;  // set when health is not "ok"
  std::map<std::string, std::string> labels, annotations;
};

// Reads /api/v1/rules (?type=alert or not: recording rules are skipped).
StatusOr<std::vector<AlertRule>> ParseAlertingRules(std::string_view body);

// Reads /api/v1/alertmanagers: the URLs of the active Alertmanagers, as
// Prometheus lists them (their alerts API, e.g. ".../api/v2/alerts").
StatusOr<std::vector<std::string>> ParseActiveAlertmanagers(std::string_view body);

// An Alertmanager's own base URL from the alerts API URL Prometheus lists:
// "http://am:9093/prefix/api/v2/alerts" -> "http://am:9093/prefix". A URL
// without the /api/v1/alerts or /api/v2/alerts suffix is returned as it is.
// Ask base + "/-/healthy" whether it answers.
std::string AlertmanagerBaseUrl(std::string_view api_url);

// The targets that are the service: whose `job` label is one of
// identity.jobs, or whose scrape URL has identity.host_port (hosts compared
// without case; "localhost", "127.0.0.1" and "::1" are one host; a URL
// without a port has its scheme's). Pointers into `targets`, in its order.
std::vector<const ScrapeTarget*> MatchTargets(const std::vector<ScrapeTarget>& targets,
                                              const ServiceIdentity& identity);

// What a PromQL expression selects, as far as a tokenizer can tell (no
// grammar is parsed).
struct PromqlSelectors {
  struct Matcher {
    std::string label, op, value;  // op: "=", "!=", "=~", "!~"; value unquoted
  };
  // Identifiers where a metric name stands (not a function, keyword,
  // aggregation, label name, duration or number), and the values of
  // __name__="…" matchers, in order of appearance.
  std::vector<std::string> metric_names;
  std::vector<Matcher> matchers;  // every label matcher inside { }
};

// Tokenizes a PromQL expression: skips string literals, numbers and
// durations, [ ] ranges and subqueries, # comments, keywords (and, or, by,
// on, offset, bool, inf, nan, …), aggregation operators, function names (an
// identifier followed by "("), and the label lists after by, without, on,
// ignoring, group_left and group_right. Reads the label matchers inside { }.
// Errors: an unterminated string, { or [, a matcher that is not
// `label op "value"`. Linear in the expression's length.
StatusOr<PromqlSelectors> ScanPromql(std::string_view expr);

// The alerting rules that select the service, in `rules`' order: the
// expression names one of identity.metric_families (or it with a _bucket,
// _count, _sum, _total or _created suffix) where a metric name stands, or
// has a matcher job="<job>", service="<job>", or job=~ / service=~ whose
// regular expression (RE2, anchored as Prometheus anchors it) matches one of
// identity.jobs.
// Limits, as a tokenizer sees PromQL: negative matchers (!=, !~) never
// select; a __name__=~ regular expression is not matched against the
// families; a rule over a recording rule's output selects the service only
// through its own job/service matchers or names (the recording rule is not
// followed); an expression ScanPromql cannot read selects nothing.
std::vector<const AlertRule*> MatchAlerts(const std::vector<AlertRule>& rules, const ServiceIdentity& identity);

}  // namespace probity

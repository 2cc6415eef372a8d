#include "checks/catalogue.h"

#include <algorithm>
#include <set>

#include "core/text.h"

#include "checks/health_checks.h"
#include "checks/log_checks.h"
#include "checks/metrics_checks.h"

namespace probity {
namespace {

using K = ParamSpec::Kind;

std::vector<CheckInfo> BuildCatalogue() {
  std::vector<CheckInfo> c;
  c.push_back({"health.liveness.reachable", "health", Severity::kCritical, Level::kBronze,
               "liveness endpoint answers 2xx/3xx within the timeout, 3 tries in a row",
               "serve a cheap liveness endpoint (/livez or /healthz) that answers 200 while the process can "
               "make progress, and configure endpoints.liveness if it lives elsewhere",
               {{"tries", K::kInt, "3", "requests that must all succeed"}},
               CheckLivenessReachable});
  c.push_back({"health.readiness.reachable", "health", Severity::kCritical, Level::kBronze,
               "readiness endpoint exists and answers; 2xx when ready (a 503 with a well-formed body is a fail "
               "with a reason, not an error)",
               "serve a readiness endpoint (/readyz) that answers 200 when the service can take traffic and 503 "
               "with the failing component when it cannot",
               {},
               CheckReadinessReachable});
  c.push_back({"health.status.consistent", "health", Severity::kCritical, Level::kBronze,
               "body status agrees with HTTP code (pass/ok/UP => 2xx; fail/DOWN/OUT_OF_SERVICE => 5xx)",
               "return 503 whenever the body reports fail/DOWN, and 200 only when it reports pass/UP: probes "
               "and load balancers read the code, not the body",
               {},
               CheckStatusConsistent});
  c.push_back({"health.liveness.independent", "health", Severity::kWarning, Level::kSilver,
               "liveness body lists no downstream dependency (datastore, external component, configured names)",
               "check only the process itself in liveness; move database, cache and downstream checks to "
               "readiness so that an outage elsewhere does not restart every replica",
               {{"dependencies", K::kStringList, "",
                 "extra component names that count as downstream dependencies"}},
               CheckLivenessIndependent});
  c.push_back({"health.latency.budget", "health", Severity::kWarning, Level::kSilver,
               "p95 over 10 health requests under 250 ms",
               "keep health handlers cheap: no synchronous downstream calls, cache dependency state and "
               "answer from memory",
               {{"budget", K::kDuration, "250ms", "largest acceptable p95 latency"},
                {"requests", K::kInt, "10", "how many requests are timed"}},
               CheckLatencyBudget});
  c.push_back({"health.format.recognized", "health", Severity::kWarning, Level::kGold,
               "body is application/health+json, Spring {status,components}, or Kubernetes ok / ?verbose lines",
               "answer with application/health+json ({\"status\":\"pass\"}), Spring Actuator's "
               "{\"status\":\"UP\"}, or the Kubernetes \"ok\" convention so that tools can read it",
               {},
               CheckFormatRecognized});
  c.push_back({"health.details.safe", "health", Severity::kWarning, Level::kGold,
               "unauthenticated health bodies carry no secrets, stack traces or internal hostnames with "
               "credentials",
               "show component details only to authenticated callers (Spring: show-details=when-authorized), "
               "never echo connection strings, and catch exceptions before they reach the body",
               {},
               CheckDetailsSafe});
  const std::string lint_remedy = "follow the Prometheus naming conventions; `probity lint-metrics` lists every finding";
  c.push_back({"metrics.endpoint.reachable", "metrics", Severity::kCritical, Level::kBronze,
               "metrics endpoint answers 200 within 1 s",
               "serve /metrics (or configure endpoints.metrics) and keep it fast enough to scrape",
               {{"budget", K::kDuration, "1s", "slowest acceptable answer"}},
               CheckMetricsReachable});
  c.push_back({"metrics.exposition.content_type", "metrics", Severity::kCritical, Level::kBronze,
               "Content-Type is one Prometheus 3 accepts (text/plain version 0.0.4 or 1.0.0, "
               "application/openmetrics-text 0.0.1 or 1.0.0)",
               "serve text/plain; version=0.0.4; charset=utf-8", {}, CheckMetricsContentType});
  c.push_back({"metrics.exposition.valid", "metrics", Severity::kCritical, Level::kBronze,
               "the body parses under the text-format grammar: escaping, UTF-8, one HELP/TYPE per family before "
               "its samples, contiguous families, float and timestamp syntax",
               "use a maintained client library's serializer rather than writing the format by hand", {},
               CheckExpositionValid});
  c.push_back({"metrics.openmetrics.valid", "metrics", Severity::kWarning, Level::kGold,
               "asked for OpenMetrics 1.0.0, an OpenMetrics answer obeys OpenMetrics (# EOF, metadata order, "
               "_total/_created, exemplars of at most 128 characters); a text/plain answer is skipped",
               "fix the OpenMetrics serializer, or stop advertising application/openmetrics-text", {},
               CheckOpenMetricsValid});
  c.push_back({"metrics.series.unique", "metrics", Severity::kCritical, Level::kSilver,
               "no name and label set appears twice",
               "register each metric once and never emit the same label set twice", {}, CheckSeriesUnique});
  c.push_back({"metrics.histogram.consistent", "metrics", Severity::kCritical, Level::kSilver,
               "each histogram has +Inf, sorted unique le, cumulative non-decreasing buckets, +Inf = _count, "
               "_sum not NaN",
               "let the client library build histograms; never write buckets by hand", {}, CheckHistogramConsistent});
  c.push_back({"metrics.counter.monotonic", "metrics", Severity::kWarning, Level::kGold,
               "two scrapes apart, no counter decreased (unless process_start_time_seconds changed) and no series "
               "vanished",
               "never decrement or reset a counter while the process lives; use a gauge for values that go down",
               {{"delay", K::kDuration, "2s", "scan only: time between the two scrapes"}},
               CheckCounterMonotonic});
  c.push_back({"metrics.cardinality.budget", "metrics", Severity::kWarning, Level::kGold,
               "at most 10 000 series in total and 2 000 per family",
               "drop unbounded labels (ids, paths, user agents) and unused families",
               {{"max_series", K::kInt, "10000", "series budget for the whole exposition"},
                {"max_series_per_family", K::kInt, "2000", "series budget for one family"}},
               CheckCardinalityBudget});
  c.push_back({"metrics.lint.help", "metrics", Severity::kWarning, Level::kGold, "every family has HELP (promlint)",
               lint_remedy, {}, CheckLintHelp});
  c.push_back({"metrics.lint.counter_suffix", "metrics", Severity::kWarning, Level::kGold,
               "counters end in _total, other types do not (promlint)", lint_remedy, {}, CheckLintCounterSuffix});
  c.push_back({"metrics.lint.units", "metrics", Severity::kWarning, Level::kGold,
               "base units, no abbreviations (promlint units and abbreviations)", lint_remedy, {}, CheckLintUnits});
  c.push_back({"metrics.lint.reserved", "metrics", Severity::kWarning, Level::kGold,
               "no reserved suffixes or labels out of place, no type in the name, no ':', no __ labels (promlint)",
               lint_remedy, {}, CheckLintReserved});
  c.push_back({"metrics.lint.snake_case", "metrics", Severity::kWarning, Level::kGold,
               "metric and label names are snake_case (promlint)", lint_remedy, {}, CheckLintSnakeCase});
  c.push_back({"metrics.red.requests", "metrics", Severity::kCritical, Level::kSilver,
               "a request-rate series exists (*_requests_total, or the _count of a request-duration histogram)",
               "count requests: http_requests_total, or a http_server_request_duration_seconds histogram", {},
               CheckRedRequests});
  c.push_back({"metrics.red.errors", "metrics", Severity::kCritical, Level::kSilver,
               "request metrics carry a status dimension (code, status, http_response_status_code, error_type) or "
               "an *_errors_total exists",
               "label request metrics with the status code", {}, CheckRedErrors});
  c.push_back({"metrics.red.duration_histogram", "metrics", Severity::kCritical, Level::kSilver,
               "request latency is a histogram in seconds (not a gauge, not milliseconds)",
               "record latency with a histogram named *_duration_seconds", {}, CheckRedDurationHistogram});
  c.push_back({"metrics.red.route_cardinality", "metrics", Severity::kWarning, Level::kGold,
               "route/path label values are templates (no raw ids, numbers, UUIDs) and fewer than 200",
               "label with the route template (/orders/{id}), never the raw path",
               {{"max_routes", K::kInt, "200", "distinct route values that count as too many"}},
               CheckRedRouteCardinality});
  c.push_back({"metrics.saturation.present", "metrics", Severity::kWarning, Level::kGold,
               "at least one saturation signal (in-flight requests, open fds vs max, threads/goroutines, pool or "
               "queue gauges)",
               "export how full the service is: in-flight requests, pool and queue usage, open fds", {},
               CheckSaturationPresent});
  c.push_back({"metrics.process.standard", "metrics", Severity::kWarning, Level::kSilver,
               "process_cpu_seconds_total, process_resident_memory_bytes, process_start_time_seconds",
               "enable your client library's process collector", {}, CheckProcessStandard});
  c.push_back({"metrics.build_info.present", "metrics", Severity::kWarning, Level::kSilver,
               "a *_build_info (value 1, version label), target_info, or an OpenMetrics info family",
               "export <service>_build_info{version=\"…\",revision=\"…\"} 1", {}, CheckBuildInfoPresent});
  c.push_back({"logs.source.reachable", "logs", Severity::kCritical, Level::kBronze,
               "the configured source (file, HTTP endpoint, Loki query) can be read",
               "check the path, permissions, URL or LogQL selector in the target's logs: section", {},
               CheckLogsSourceReachable});
  c.push_back({"logs.structured.parseable", "logs", Severity::kCritical, Level::kBronze,
               ">= 99% of sampled lines are one JSON object or logfmt record (container-runtime prefixes stripped)",
               "switch the logger to a JSON (or logfmt) encoder so that pipelines need no regex to read it",
               {{"min_percent", K::kInt, "99", "share of lines that must be structured"}}, CheckLogsParseable});
  c.push_back({"logs.fields.timestamp", "logs", Severity::kCritical, Level::kSilver,
               "every line has a timestamp (timestamp, @timestamp, time, ts) in RFC 3339 with zone or epoch",
               "add an RFC 3339 timestamp with its zone (2024-05-01T10:00:00.123Z) to every line", {},
               CheckLogsTimestamp});
  c.push_back({"logs.fields.level", "logs", Severity::kCritical, Level::kSilver,
               "every line has a level (level, log.level, severity, SeverityText) mapping to TRACE…FATAL",
               "add a level field with one of trace, debug, info, warn, error, fatal to every line", {},
               CheckLogsLevel});
  c.push_back({"logs.fields.service", "logs", Severity::kWarning, Level::kSilver,
               "service.name (or service) present", "add service.name to every line (OpenTelemetry resource "
               "attribute), so that lines can be told apart once aggregated", {}, CheckLogsService});
  c.push_back({"logs.fields.trace_id", "logs", Severity::kWarning, Level::kGold,
               "request-scoped lines carry a W3C trace id (32 lowercase hex) — trace_id or trace.id",
               "put the current span's trace id on every line logged while serving a request (OpenTelemetry log "
               "correlation does this)", {}, CheckLogsTraceId});
  c.push_back({"logs.freshness", "logs", Severity::kWarning, Level::kSilver,
               "the newest line is younger than 5 min",
               "make sure the service still writes to this source (a rotated file nobody reopened, a dead "
               "shipper and a wrong path all look like this)",
               {{"max_age", K::kDuration, "5m", "oldest acceptable newest line"}}, CheckLogsFreshness});
  c.push_back({"logs.secrets.none", "logs", Severity::kCritical, Level::kBronze,
               "no line matches a secret rule: cloud keys (AKIA…), private-key blocks, JWTs, provider tokens "
               "(ghp_, xox?-, sk_live_ …), Authorization header values, credentials in URLs, password-like keys "
               "with values",
               "never log credentials: redact Authorization headers and secret fields in the logger, then rotate "
               "every secret that was written", {}, CheckLogsSecrets});
  c.push_back({"logs.pii.none", "logs", Severity::kWarning, Level::kGold,
               "no card numbers (regex + Luhn) or e-mail addresses; counts only, masked",
               "mask personal data before it is logged (log a customer id, not the card or the address)", {},
               CheckLogsPii});
  c.push_back({"logs.errors.ratio", "logs", Severity::kInfo, Level::kNone, "share of ERROR/FATAL lines in the sample",
               "look at the errors: a healthy service logs few of them, and expected conditions belong at WARN",
               {{"max_percent", K::kInt, "5", "largest acceptable share of ERROR and FATAL lines"}},
               CheckLogsErrorRatio});
  c.push_back({"tracing.traceparent.propagated", "tracing", Severity::kWarning, Level::kGold,
               "a request sent with a fresh traceparent leaves that trace id in the service's logs (or in a "
               "traceresponse/server-timing header)",
               "adopt the incoming W3C traceparent (OpenTelemetry's propagators do) and log its trace id", {},
               CheckTraceparentPropagated});
  c.push_back({"tracing.request_id.propagated", "tracing", Severity::kInfo, Level::kNone,
               "a fresh X-Request-ID is echoed in the response or found in the logs",
               "echo X-Request-ID in the response and log it as request_id", {}, CheckRequestIdPropagated});
  c.push_back({"tracing.traceparent.invalid_ignored", "tracing", Severity::kInfo, Level::kNone,
               "an invalid traceparent does not break the request and its id is not logged",
               "validate traceparent as W3C Trace Context says and start a new trace when it is invalid", {},
               CheckInvalidTraceparentIgnored});
  c.push_back({"tracing.exemplars.trace_id", "tracing", Severity::kInfo, Level::kNone,
               "OpenMetrics exemplars on request histograms/counters carry trace_id",
               "attach exemplars with the trace_id to request counters and histograms (OpenMetrics), so that "
               "Grafana can jump from a latency spike to its trace", {}, CheckExemplarsTraceId});
  return c;
}

}  // namespace

const std::vector<CheckInfo>& Catalogue() {
  static const std::vector<CheckInfo> catalogue = BuildCatalogue();
  return catalogue;
}

const CheckInfo* FindCheck(std::string_view id) {
  for (const CheckInfo& info : Catalogue()) {
    if (info.id == id) return &info;
  }
  return nullptr;
}

CheckPlan DefaultPlan() {
  CheckPlan plan;
  for (const CheckInfo& info : Catalogue()) {
    PlannedCheck planned{&info, info.severity, {}};
    for (const ParamSpec& spec : info.params) {
      StatusOr<ParamValue> value = ParseParam(spec, {spec.default_value}, false);
      planned.params.Set(spec.name, *value);
    }
    plan.push_back(std::move(planned));
  }
  return plan;
}

CheckPlan ExporterPlan() {
  CheckPlan plan = DefaultPlan();
  plan.erase(std::remove_if(plan.begin(), plan.end(),
                            [](const PlannedCheck& p) {
                              const std::string& id = p.info->id;
                              return StartsWith(id, "metrics.red.") || p.info->category == "tracing" ||
                                     p.info->category == "api";
                            }),
             plan.end());
  return plan;
}

std::optional<CheckPlan> BuiltinPlan(std::string_view name) {
  if (name == "default") return DefaultPlan();
  if (name == "exporter") return ExporterPlan();
  return std::nullopt;
}

namespace {

std::string UnknownCheck(const std::string& id) {
  return "unknown check id \"" + id + "\" (run `probity checks` for the list)";
}

// Applies overrides to a plan, reporting each mistake once.
void ApplyOverrides(const std::vector<CheckOverride>& overrides, const std::string& file, CheckPlan* plan,
                    std::vector<ConfigError>* errors) {
  for (const CheckOverride& o : overrides) {
    const CheckInfo* info = FindCheck(o.id);
    if (info == nullptr) {
      if (errors) errors->push_back({file, o.pos, UnknownCheck(o.id)});
      continue;
    }
    PlannedCheck* target = nullptr;
    for (PlannedCheck& p : *plan) {
      if (p.info == info) target = &p;
    }
    if (o.severity) {
      Severity s;
      if (!ParseSeverity(*o.severity, &s)) {
        if (errors) {
          errors->push_back({file, o.severity_pos, "severity of " + o.id + " must be critical, warning or info"});
        }
      } else if (target) {
        target->severity = s;
      }
    }
    for (const RawParam& param : o.params) {
      const ParamSpec* spec = nullptr;
      for (const ParamSpec& s : info->params) {
        if (s.name == param.name) spec = &s;
      }
      if (spec == nullptr) {
        std::string known;
        for (const ParamSpec& s : info->params) known += (known.empty() ? "" : ", ") + s.name;
        if (errors) {
          errors->push_back({file, param.pos, "check " + o.id + " has no parameter \"" + param.name + "\"" +
                                                  (known.empty() ? " (it takes none)" : " (known: " + known + ")")});
        }
        continue;
      }
      StatusOr<ParamValue> value = ParseParam(*spec, param.values, param.is_list);
      if (!value.ok()) {
        if (errors) errors->push_back({file, param.pos, o.id + " parameter " + param.name + ": " + value.status().message()});
      } else if (target) {
        target->params.Set(param.name, *value);
      }
    }
  }
}

class Resolver {
 public:
  Resolver(const Config& config, std::vector<ConfigError>* errors) : config_(config), errors_(errors) {
    for (const ChecklistConfig& list : config.checklists) {
      if (BuiltinPlan(list.name)) {
        errors_->push_back({config.file, list.pos,
                            "checklist \"" + list.name + "\" is built in; give yours another name and `extends: " +
                                list.name + "`"});
      } else if (!lists_.emplace(list.name, &list).second) {
        errors_->push_back({config.file, list.pos, "checklist \"" + list.name + "\" is defined twice"});
      }
    }
  }

  // Resolves every checklist once so each mistake is reported once.
  void ResolveAll() {
    for (const auto& [name, list] : lists_) Resolve(name, nullptr);
  }

  // The plan of a checklist, or nullopt when the name is unknown.
  std::optional<CheckPlan> Resolve(const std::string& name, std::set<std::string>* visiting) {
    if (std::optional<CheckPlan> builtin = BuiltinPlan(name)) return builtin;
    auto found = resolved_.find(name);
    if (found != resolved_.end()) return found->second;
    auto it = lists_.find(name);
    if (it == lists_.end()) return std::nullopt;
    const ChecklistConfig& list = *it->second;
    std::set<std::string> local;
    if (visiting == nullptr) visiting = &local;
    visiting->insert(name);
    CheckPlan plan = DefaultPlan();
    if (list.extends) {
      if (visiting->count(list.extends->name)) {
        errors_->push_back({config_.file, list.extends->pos,
                            "checklist \"" + name + "\" extends \"" + list.extends->name + "\", which is a cycle"});
      } else if (std::optional<CheckPlan> base = Resolve(list.extends->name, visiting)) {
        plan = std::move(*base);
      } else {
        errors_->push_back({config_.file, list.extends->pos, "unknown checklist \"" + list.extends->name + "\""});
      }
    }
    ApplyOverrides(list.overrides, config_.file, &plan, errors_);
    for (const NamedRef& ref : list.disable) {
      if (FindCheck(ref.name) == nullptr) {
        errors_->push_back({config_.file, ref.pos, UnknownCheck(ref.name)});
        continue;
      }
      plan.erase(std::remove_if(plan.begin(), plan.end(), [&](const PlannedCheck& p) { return p.info->id == ref.name; }),
                 plan.end());
    }
    visiting->erase(name);
    resolved_[name] = plan;
    return plan;
  }

 private:
  const Config& config_;
  std::vector<ConfigError>* errors_;
  std::map<std::string, const ChecklistConfig*> lists_;
  std::map<std::string, CheckPlan> resolved_;
};

}  // namespace

std::map<std::string, CheckPlan> ResolvePlans(const Config& config, std::vector<ConfigError>* errors) {
  Resolver resolver(config, errors);
  resolver.ResolveAll();
  auto plan_of = [&](const TargetConfig& target) {
    std::optional<CheckPlan> plan = resolver.Resolve(target.checklist.name, nullptr);
    if (!plan) {
      errors->push_back({config.file, target.checklist.pos, "unknown checklist \"" + target.checklist.name + "\""});
      plan = DefaultPlan();
    }
    ApplyOverrides(target.checks, config.file, &*plan, errors);
    return std::move(*plan);
  };
  std::map<std::string, CheckPlan> plans;
  for (const TargetConfig& target : config.targets) plans[target.name] = plan_of(target);
  // A discovery template's mistakes are found before any target is discovered.
  for (const SdConfig& sd : config.service_discovery) plan_of(sd.target);
  return plans;
}

}  // namespace probity

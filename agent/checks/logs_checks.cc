#include "checks/logs_checks.h"

#include <algorithm>
#include <cmath>

#include "checks/context.h"
#include "core/duration.h"
#include "core/text.h"
#include "core/trace_context.h"
#include "http/url.h"
#include "logs/log_analysis.h"
#include "logs/log_source.h"

namespace probity {
namespace {

using K = ParamSpec::Kind;

// One sample of the log source per run, and what the analysis found in it.
struct LogRead {
  Status status = Status::Ok();  // why the source could not be read
  std::size_t entries = 0;
  std::vector<std::string> notes;
  LogStats stats;

  static LogRead Compute(ProbeContext& ctx);
};

LogRead LogRead::Compute(ProbeContext& ctx) {
  LogRead read;
  StatusOr<LogSample> sample = ctx.logs().source->Read();
  if (!sample.ok()) {
    read.status = Status::Error(RedactSecrets(sample.status().message()));
    return read;
  }
  LogAnalyzer analyzer(ctx.logs().scanner);
  std::size_t line = 0;
  for (const LogEntry& e : sample->entries) analyzer.Add(e.text, ++line, e.text.size(), e.time);
  analyzer.Finish();
  read.entries = sample->entries.size();
  read.notes = std::move(sample->notes);
  read.stats = analyzer.stats();
  return read;
}

Verdict NoSource() {
  return Verdict::Skip("no log source is configured (set logs: {file|url|loki} on the target)");
}

// The sample, or why the check cannot judge one.
std::optional<Verdict> NoSample(ProbeContext& ctx, const LogRead** out) {
  if (!ctx.logs().configured()) return NoSource();
  const LogRead& read = ctx.Fact<LogRead>();
  if (!read.status.ok()) return Verdict::Skip("the log source cannot be read (see logs.source.reachable)");
  if (read.stats.lines == 0) return Verdict::Skip("the log source has no lines to judge yet");
  *out = &read;
  return std::nullopt;
}

// As NoSample, and the sample must have structured lines.
std::optional<Verdict> NoStructured(ProbeContext& ctx, const LogRead** out) {
  if (auto v = NoSample(ctx, out)) return v;
  if ((*out)->stats.structured == 0) {
    return Verdict::Skip("no line of the sample is JSON or logfmt (see logs.structured.parseable)");
  }
  return std::nullopt;
}

std::string Count(std::size_t n, const std::string& one, const std::string& many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string At(const Tally& t) { return "line " + std::to_string(t.first_line) + ": " + t.example; }

std::string Of(std::size_t part, std::size_t whole, const std::string& what) {
  return std::to_string(part) + " of " + std::to_string(whole) + " " + what;
}

// "N of M structured lines <problem> (first at line L: …)" for each tally that is not empty.
Verdict FieldVerdict(const std::string& passed,
                     std::initializer_list<std::pair<const Tally*, std::string>> problems, std::size_t whole,
                     const std::string& whole_name) {
  std::string detail;
  for (const auto& [tally, problem] : problems) {
    if (tally->count == 0) continue;
    detail += (detail.empty() ? "" : "; ") + Of(tally->count, whole, whole_name) + " " + problem + ", first at " +
              At(*tally);
  }
  if (detail.empty()) return Verdict::Pass(passed);
  return Verdict::Fail(detail);
}

std::string RuleList(const std::map<std::string, Tally>& tallies) {
  std::string out;
  for (const auto& [rule, tally] : tallies) {
    out += (out.empty() ? "" : ", ") + rule + " ×" + std::to_string(tally.count);
  }
  return out;
}

// The first finding by line number among the tallies.
const std::pair<const std::string, Tally>* FirstFinding(const std::map<std::string, Tally>& tallies) {
  const std::pair<const std::string, Tally>* first = nullptr;
  for (const auto& entry : tallies) {
    if (!first || entry.second.first_line < first->second.first_line) first = &entry;
  }
  return first;
}

Verdict CheckLogsSourceReachable(ProbeContext& ctx, const CheckParams&) {
  if (!ctx.logs().configured()) return NoSource();
  const LogRead& read = ctx.Fact<LogRead>();
  const std::string source = ctx.logs().source->Describe();
  if (!read.status.ok()) return Verdict::Fail(source + ": " + read.status.message());
  std::string detail = source + ": read " + Count(read.entries, "line", "lines");
  for (const std::string& note : read.notes) detail += "; " + note;
  return Verdict::Pass(detail);
}

Verdict CheckLogsParseable(ProbeContext& ctx, const CheckParams& params) {
  const LogRead* read = nullptr;
  if (auto v = NoSample(ctx, &read)) return *v;
  const LogStats& s = read->stats;
  const long min_percent = params.GetInt("min_percent");
  std::string detail = Of(s.structured, s.lines, "sampled lines") + " (" +
                       FormatPercent(static_cast<double>(s.structured) / static_cast<double>(s.lines)) +
                       ") are JSON objects (" + std::to_string(s.json) + ") or logfmt records (" +
                       std::to_string(s.logfmt) + ")";
  if (s.unwrapped > 0) detail += ", " + std::to_string(s.unwrapped) + " unwrapped from container-runtime lines";
  if (s.structured * 100 >= static_cast<std::size_t>(min_percent) * s.lines) return Verdict::Pass(detail);
  return Verdict::Fail(detail + "; below " + std::to_string(min_percent) + "%; the first that is neither, " +
                       At(s.unparseable));
}

Verdict CheckLogsTimestamp(ProbeContext& ctx, const CheckParams&) {
  const LogRead* read = nullptr;
  if (auto v = NoStructured(ctx, &read)) return *v;
  const LogStats& s = read->stats;
  return FieldVerdict("all " + std::to_string(s.structured) + " structured lines carry a valid timestamp",
                      {{&s.timestamp_missing, "have no timestamp, @timestamp, time or ts"},
                       {&s.timestamp_invalid, "have a timestamp that is neither RFC 3339 with a zone nor an epoch"}},
                      s.structured, "structured lines");
}

Verdict CheckLogsLevel(ProbeContext& ctx, const CheckParams&) {
  const LogRead* read = nullptr;
  if (auto v = NoStructured(ctx, &read)) return *v;
  const LogStats& s = read->stats;
  return FieldVerdict("all " + std::to_string(s.structured) + " structured lines carry a level (TRACE…FATAL)",
                      {{&s.level_missing, "have no level, log.level, severity or SeverityText"},
                       {&s.level_invalid, "have a level that maps to none of TRACE, DEBUG, INFO, WARN, ERROR, FATAL"}},
                      s.structured, "structured lines");
}

Verdict CheckLogsService(ProbeContext& ctx, const CheckParams&) {
  const LogRead* read = nullptr;
  if (auto v = NoStructured(ctx, &read)) return *v;
  const LogStats& s = read->stats;
  return FieldVerdict("all " + std::to_string(s.structured) + " structured lines name their service",
                      {{&s.service_missing, "have no service.name (or service)"}}, s.structured, "structured lines");
}

Verdict CheckLogsTraceId(ProbeContext& ctx, const CheckParams&) {
  const LogRead* read = nullptr;
  if (auto v = NoStructured(ctx, &read)) return *v;
  const LogStats& s = read->stats;
  if (s.request_scoped == 0) {
    return Verdict::Skip("no request-scoped line in the sample (none has HTTP request fields or a request id)");
  }
  return FieldVerdict(
                      "all " + std::to_string(s.request_scoped) + " request-scoped lines carry a W3C trace id",
                      {{&s.trace_id_missing, "have no trace_id (or trace.id)"},
                       {&s.trace_id_invalid, "have a trace id that is not 32 lowercase hex digits"}},
                      s.request_scoped, "request-scoped lines");
}

Verdict CheckLogsFreshness(ProbeContext& ctx, const CheckParams& params) {
  if (!ctx.logs().configured()) return NoSource();
  const LogRead* read = &ctx.Fact<LogRead>();
  if (!read->status.ok()) return Verdict::Skip("the log source cannot be read (see logs.source.reachable)");
  const Duration max_age = params.GetDuration("max_age");
  if (read->stats.lines == 0) return Verdict::Fail("the log source has no lines at all");
  if (!read->stats.newest && read->stats.structured == 0) {
    return Verdict::Skip("no structured line to read a time from: " + std::to_string(read->stats.lines) +
                         " plain-text lines (see logs.structured.parseable)");
  }
  if (!read->stats.newest) return Verdict::Fail("no line of the sample states when it was written");
  const double now = std::chrono::duration<double>(ctx.clock().WallNow().time_since_epoch()).count();
  const double age = now - *read->stats.newest;
  if (age > ToSeconds(max_age)) {
    return Verdict::Fail("the newest line is " + FormatDuration(std::chrono::seconds(static_cast<long>(age))) +
                         " old, more than " + FormatDuration(max_age));
  }
  if (age < -60) {
    return Verdict::Fail("the newest line is stamped " +
                         FormatDuration(std::chrono::seconds(static_cast<long>(-age))) +
                         " in the future: the service's clock or its time zone is wrong");
  }
  return Verdict::Pass("the newest line is " + FormatSeconds(std::max(0.0, std::round(age * 10) / 10)) + " s old");
}

Verdict CheckLogsSecrets(ProbeContext& ctx, const CheckParams&) {
  const LogRead* read = nullptr;
  if (auto v = NoSample(ctx, &read)) return *v;
  const LogStats& s = read->stats;
  if (s.secrets.empty()) {
    return Verdict::Pass("no secret in " + Count(s.lines, "line", "lines") + " (" +
                         std::to_string(ctx.logs().scanner->rules().size()) + " secret and PII rules)");
  }
  const auto* first = FirstFinding(s.secrets);
  return Verdict::Fail(Count(s.SecretCount(), "secret", "secrets") + " in " + Count(s.secret_lines, "line", "lines") +
                       " (" + RuleList(s.secrets) + "); first, " + first->first + " at " + At(first->second));
}

Verdict CheckLogsPii(ProbeContext& ctx, const CheckParams&) {
  const LogRead* read = nullptr;
  if (auto v = NoSample(ctx, &read)) return *v;
  const LogStats& s = read->stats;
  if (s.pii.empty()) return Verdict::Pass("no card number or e-mail address in " + Count(s.lines, "line", "lines"));
  const auto* first = FirstFinding(s.pii);
  return Verdict::Fail(Count(s.PiiCount(), "match", "matches") + " of personal data in " +
                       Count(s.pii_lines, "line", "lines") + " (" + RuleList(s.pii) + "); first, " + first->first +
                       " at line " + std::to_string(first->second.first_line));
}

Verdict CheckLogsErrorRatio(ProbeContext& ctx, const CheckParams& params) {
  const LogRead* read = nullptr;
  if (auto v = NoStructured(ctx, &read)) return *v;
  const LogStats& s = read->stats;
  const long max_percent = params.GetInt("max_percent");
  const std::string detail = Of(s.errors, s.structured, "structured lines") + " (" +
                             FormatPercent(static_cast<double>(s.errors) / static_cast<double>(s.structured)) +
                             ") are ERROR or FATAL";
  if (s.errors * 100 > static_cast<std::size_t>(max_percent) * s.structured) {
    return Verdict::Fail(detail + ", more than " + std::to_string(max_percent) + "%");
  }
  return Verdict::Pass(detail);
}

// ---------------------------------------------------------------------------

}  // namespace

const std::vector<CheckInfo>& LogsChecks() {
  static const std::vector<CheckInfo> checks = {
      {"logs.source.reachable", Severity::kCritical, Level::kBronze,
       "the configured source (file, HTTP endpoint, Loki query) can be read",
       "Logs that cannot be read where they are expected are no help in an incident: a wrong path, a missing "
       "permission or a LogQL selector that matches nothing leaves the service's logs unfound, and no other log check "
       "can run.",
       "check the path, permissions, URL or LogQL selector in the target's logs: section", {},
       {.logs = true}, CheckLogsSourceReachable},
      {"logs.structured.parseable", Severity::kCritical, Level::kBronze,
       ">= 99% of sampled lines are one JSON object or logfmt record (container-runtime prefixes stripped)",
       "Structured lines can be filtered and aggregated by field in Loki, Elasticsearch or any pipeline; free text "
       "needs fragile regexes, so its level, trace id and other fields are lost to search and alerting.",
       "switch the logger to a JSON (or logfmt) encoder so that pipelines need no regex to read it",
       {{"min_percent", K::kInt, "99", "share of lines that must be structured"}},
       {.logs = true}, CheckLogsParseable},
      {"logs.fields.timestamp", Severity::kCritical, Level::kSilver,
       "every line has a timestamp (timestamp, @timestamp, time, ts) in RFC 3339 with zone or epoch",
       "Without a timestamp and zone on every line, events cannot be ordered or matched with metrics and traces: "
       "pipelines fall back to the time of ingestion, which is late, and a time without zone can be hours off.",
       "add an RFC 3339 timestamp with its zone (2024-05-01T10:00:00.123Z) to every line", {},
       {.logs = true}, CheckLogsTimestamp},
      {"logs.fields.level", Severity::kCritical, Level::kSilver,
       "every line has a level (level, log.level, severity, SeverityText) mapping to TRACE…FATAL",
       "Level is what log searches, alerts and retention filter on: lines without one cannot be narrowed to errors, "
       "so an error is lost in the noise and alerts on error logs miss it.",
       "add a level field with one of trace, debug, info, warn, error, fatal to every line", {},
       {.logs = true}, CheckLogsLevel},
      {"logs.fields.service", Severity::kWarning, Level::kSilver,
       "service.name (or service) present",
       "Once logs from many services are aggregated, service.name is what tells them apart: without it a search "
       "returns every service's lines mixed together and an error cannot be attributed to the service that logged it.",
       "add service.name to every line (OpenTelemetry resource attribute), so that lines can be told apart "
       "once aggregated", {},
       {.logs = true}, CheckLogsService},
      {"logs.fields.trace_id", Severity::kWarning, Level::kGold,
       "request-scoped lines carry a W3C trace id (32 lowercase hex) — trace_id or trace.id",
       "A trace id on a request's lines is what joins logs to traces: without it, an operator looking at a slow or "
       "failed trace cannot pull its log lines, and lines of concurrent requests cannot be separated.",
       "put the current span's trace id on every line logged while serving a request (OpenTelemetry log "
       "correlation does this)", {},
       {.logs = true}, CheckLogsTraceId},
      {"logs.freshness", Severity::kWarning, Level::kSilver,
       "the newest line is younger than 5 min",
       "A source that stopped receiving lines looks fine but is silent: after a rotated file nobody reopened or a "
       "dead shipper, the logs of the next incident are missing exactly when they are needed.",
       "make sure the service still writes to this source (a rotated file nobody reopened, a dead "
       "shipper and a wrong path all look like this)",
       {{"max_age", K::kDuration, "5m", "oldest acceptable newest line"}},
       {.logs = true}, CheckLogsFreshness},
      {"logs.secrets.none", Severity::kCritical, Level::kBronze,
       "no line matches a secret rule: cloud keys (AKIA…), private-key blocks, JWTs, provider tokens "
       "(ghp_, xox?-, sk_live_ …), Authorization header values, credentials in URLs, password-like keys "
       "with values",
       "Logs are copied to shippers, aggregators and backups and read by far more people than the secrets in them "
       "were meant for: a key or token that was logged must be treated as leaked and rotated.",
       "never log credentials: redact Authorization headers and secret fields in the logger, then rotate "
       "every secret that was written", {},
       {.logs = true}, CheckLogsSecrets},
      {"logs.pii.none", Severity::kWarning, Level::kGold,
       "no card numbers (regex + Luhn) or e-mail addresses; counts only, masked",
       "Card numbers and e-mail addresses in logs bring the log pipeline, its storage and backups under PCI DSS and "
       "GDPR obligations, and a leak of any copy of the logs becomes a leak of personal data.",
       "mask personal data before it is logged (log a customer id, not the card or the address)", {},
       {.logs = true}, CheckLogsPii},
      {"logs.errors.ratio", Severity::kInfo, Level::kNone, "share of ERROR/FATAL lines in the sample",
       "When many lines are ERROR, the errors that matter are hidden: operators learn to ignore a log full of "
       "expected failures, and alerts on error logs either fire all the time or get muted.",
       "look at the errors: a healthy service logs few of them, and expected conditions belong at WARN",
       {{"max_percent", K::kInt, "5", "largest acceptable share of ERROR and FATAL lines"}},
       {.logs = true}, CheckLogsErrorRatio},
  };
  return checks;
}

}  // namespace probity

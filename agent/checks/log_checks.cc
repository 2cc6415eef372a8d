#include "checks/log_checks.h"

#include <algorithm>
#include <cmath>

#include "core/duration.h"
#include "core/text.h"
#include "core/trace_context.h"
#include "http/url.h"
#include "logs/log_analysis.h"
#include "logs/log_source.h"

namespace probity {
namespace {

// One sample of the log source per run, and what the analysis found in it.
struct LogRead {
  Status status = Status::Ok();  // why the source could not be read
  std::size_t entries = 0;
  std::vector<std::string> notes;
  LogStats stats;
};

LogRead& SharedLogs(ProbeContext& ctx) {
  return ctx.Shared<LogRead>("logs", [&] {
    LogRead read;
    StatusOr<LogSample> sample = ReadLogs(*ctx.logs().config, ctx.http(), ctx.clock());
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
  });
}

Verdict NoSource() {
  return Verdict::Skip("no log source is configured (set logs: {file|url|loki} on the target)");
}

// The sample, or why the check cannot judge one.
std::optional<Verdict> NoSample(ProbeContext& ctx, const LogRead** out) {
  if (!ctx.logs().configured()) return NoSource();
  const LogRead& read = SharedLogs(ctx);
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

}  // namespace

Verdict CheckLogsSourceReachable(ProbeContext& ctx, const CheckParams&) {
  if (!ctx.logs().configured()) return NoSource();
  const LogRead& read = SharedLogs(ctx);
  const std::string source = ctx.logs().config->Describe();
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
  const LogRead* read = &SharedLogs(ctx);
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
// tracing

namespace {

// The tracing checks' shared experiment: a request with an invalid
// traceparent, then one with a fresh valid traceparent and X-Request-ID, then
// the logs polled until the valid trace id shows up (or the wait is over).
struct TraceProbe {
  std::string where;  // "GET /readyz"
  std::string unjudged;  // why nothing was sent, when there was nowhere to send it
  Status error = Status::Ok();
  int status = 0;
  std::string trace_id, request_id, bad_trace_id;
  StatusOr<int> bad_status = Status::Error("not sent");
  std::string trace_header;  // traceresponse or server-timing, when one carried the trace id
  bool request_id_echoed = false;
  bool searched = false;  // the logs were read at least once
  Status log_error = Status::Ok();
  bool trace_logged = false, request_id_logged = false, bad_logged = false;
  Duration waited{};
};

std::string TracingUrl(const ProbeContext& ctx, std::string* path) {
  const TracingConfig* tracing = ctx.logs().tracing;
  if (tracing && !tracing->path.empty()) {
    StatusOr<Url> base = ParseUrl(ctx.logs().target_url);
    if (!base.ok()) return "";
    *path = tracing->path;
    return ResolveEndpoint(*base, tracing->path);
  }
  for (const Endpoint* e : {&ctx.endpoints().readiness, &ctx.endpoints().liveness}) {
    if (e->found()) {
      *path = e->Path();
      return e->url;
    }
  }
  return "";
}

// Whether a log line carries `id` as its own trace id: the trace-id field of
// a structured line (JSON or logfmt, container wrapping stripped), or the text
// of a plain line. A structured line that merely records the request's raw
// headers (Caddy's access log) has not adopted the id.
bool CarriesTraceId(LineParser& parser, const std::string& raw, std::string_view id) {
  if (raw.find(id) == std::string::npos) return false;
  std::string_view line = raw;
  const std::optional<ContainerLine> unwrapped = parser.Unwrap(line, line.size());
  std::string copy;
  if (unwrapped) {
    copy.assign(unwrapped->text);
    line = copy;
  }
  const LineFields fields = parser.Parse(line, line.size());
  return fields.format == LineFormat::kText ? line.find(id) != std::string_view::npos : fields.TraceId() == id;
}

TraceProbe RunTraceProbe(ProbeContext& ctx) {
  TraceProbe probe;
  const TracingConfig defaults;
  const TracingConfig& config = ctx.logs().tracing ? *ctx.logs().tracing : defaults;
  std::string path;
  const std::string url = TracingUrl(ctx, &path);
  probe.where = config.method + " " + path;
  if (url.empty()) {
    probe.unjudged = "not evaluated: no readiness or liveness endpoint to send the traced request to (set "
                     "tracing.path on the target)";
    return probe;
  }
  // When discovery could not reach the target, ask no more: one timeout per run.
  if (const StatusOr<HttpResponse>* earlier = ctx.Remembered(url); earlier && !earlier->ok()) {
    probe.error = earlier->status();
    return probe;
  }
  HttpRequest request;
  request.method = config.method;
  request.url = url;
  request.headers = config.headers;

  probe.bad_trace_id = NewTraceId();
  HttpRequest bad = request;
  bad.headers.emplace_back("traceparent", "ff-" + probe.bad_trace_id + "-" + NewSpanId() + "-01");
  StatusOr<HttpResponse> bad_answer = ctx.Fetch(bad);
  probe.bad_status = bad_answer.ok() ? StatusOr<int>(bad_answer->status) : StatusOr<int>(bad_answer.status());

  probe.trace_id = NewTraceId();
  probe.request_id = NewRequestId();
  request.headers.emplace_back("traceparent", FormatTraceparent(probe.trace_id, NewSpanId()));
  request.headers.emplace_back("X-Request-ID", probe.request_id);
  const MonoTime sent = ctx.clock().Now();
  StatusOr<HttpResponse> answer = ctx.Fetch(request);
  if (!answer.ok()) {
    probe.error = answer.status();
    return probe;
  }
  probe.status = answer->status;
  for (const char* header : {"traceresponse", "server-timing"}) {
    if (probe.trace_header.empty() && answer->Header(header).find(probe.trace_id) != std::string::npos) {
      probe.trace_header = header;
    }
  }
  probe.request_id_echoed = answer->Header("x-request-id") == probe.request_id;

  if (!ctx.logs().configured()) return probe;
  LineParser parser;
  const MonoTime deadline = sent + config.wait;
  constexpr Duration kStep = std::chrono::milliseconds(200);
  const long max_polls = static_cast<long>(config.wait / kStep) + 2;
  for (long poll = 0; poll < max_polls; ++poll) {
    StatusOr<LogSample> sample = ReadLogs(*ctx.logs().config, ctx.http(), ctx.clock());
    if (!sample.ok()) {
      probe.log_error = Status::Error(RedactSecrets(sample.status().message()));
      break;
    }
    probe.searched = true;
    for (const LogEntry& e : sample->entries) {
      // Any mention lets an operator find the request by its trace id, a
      // logged traceparent header included; adoption matters only for the
      // invalid one.
      probe.trace_logged |= e.text.find(probe.trace_id) != std::string::npos;
      probe.request_id_logged |= e.text.find(probe.request_id) != std::string::npos;
      probe.bad_logged |= CarriesTraceId(parser, e.text, probe.bad_trace_id);
    }
    const MonoTime now = ctx.clock().Now();
    if (probe.trace_logged || now >= deadline) break;
    ctx.clock().SleepFor(std::min<Duration>(kStep, deadline - now));
  }
  probe.waited = ctx.clock().Now() - sent;
  return probe;
}

TraceProbe& SharedTraceProbe(ProbeContext& ctx) {
  return ctx.Shared<TraceProbe>("tracing", [&] { return RunTraceProbe(ctx); });
}

std::string Waited(const TraceProbe& p) { return FormatSeconds(std::round(ToSeconds(p.waited) * 10) / 10) + " s"; }

}  // namespace

Verdict CheckTraceparentPropagated(ProbeContext& ctx, const CheckParams&) {
  const TraceProbe& p = SharedTraceProbe(ctx);
  if (!p.unjudged.empty()) return Verdict::Skip(p.unjudged);
  if (!p.error.ok()) return Verdict::Error(p.where + ": " + p.error.message());
  if (!p.trace_header.empty()) {
    return Verdict::Pass(p.where + " with a fresh traceparent: the trace id came back in the " + p.trace_header +
                         " header");
  }
  if (p.trace_logged) return Verdict::Pass(p.where + " with a fresh traceparent: its trace id is in the logs");
  if (!p.log_error.ok()) return Verdict::Skip("the log source cannot be read: " + p.log_error.message());
  if (!p.searched) {
    return Verdict::Skip(p.where + ": no traceresponse or server-timing header carries the trace id, and no log "
                                   "source is configured to look in");
  }
  return Verdict::Fail(p.where + " with traceparent trace id " + p.trace_id + ": not in the logs after " + Waited(p) +
                       ", and no traceresponse or server-timing header carries it");
}

Verdict CheckRequestIdPropagated(ProbeContext& ctx, const CheckParams&) {
  const TraceProbe& p = SharedTraceProbe(ctx);
  if (!p.unjudged.empty()) return Verdict::Skip(p.unjudged);
  if (!p.error.ok()) return Verdict::Error(p.where + ": " + p.error.message());
  if (p.request_id_echoed) return Verdict::Pass(p.where + ": the fresh X-Request-ID came back in the response");
  if (p.request_id_logged) return Verdict::Pass(p.where + ": the fresh X-Request-ID is in the logs");
  if (!p.log_error.ok()) return Verdict::Skip("the log source cannot be read: " + p.log_error.message());
  if (!p.searched) {
    return Verdict::Skip(p.where + ": the X-Request-ID was not echoed, and no log source is configured to look in");
  }
  return Verdict::Fail(p.where + ": X-Request-ID " + p.request_id + " was neither echoed nor logged within " +
                       Waited(p));
}

Verdict CheckInvalidTraceparentIgnored(ProbeContext& ctx, const CheckParams&) {
  const TraceProbe& p = SharedTraceProbe(ctx);
  if (!p.unjudged.empty()) return Verdict::Skip(p.unjudged);
  if (!p.error.ok()) return Verdict::Error(p.where + ": " + p.error.message());
  if (!p.bad_status.ok()) {
    return Verdict::Fail(p.where + " with an invalid traceparent failed: " + p.bad_status.status().message());
  }
  const int bad = *p.bad_status;
  if (bad / 100 != p.status / 100) {
    return Verdict::Fail(p.where + " answered " + std::to_string(bad) + " with an invalid traceparent and " +
                         std::to_string(p.status) + " with a valid one");
  }
  if (p.bad_logged) {
    return Verdict::Fail(p.where + ": the trace id of an invalid traceparent (version ff) was adopted as a log "
                                   "line's trace id; invalid headers must be ignored and a new trace started");
  }
  std::string detail = p.where + " answered " + std::to_string(bad) + " with an invalid traceparent";
  if (p.searched) detail += ", and its trace id is not in the logs";
  return Verdict::Pass(detail);
}

}  // namespace probity

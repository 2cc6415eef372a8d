#include "checks/tracing_checks.h"

#include <algorithm>
#include <cmath>

#include "checks/context.h"
#include "checks/metrics_facts.h"
#include "core/duration.h"
#include "core/text.h"
#include "core/trace_context.h"
#include "http/url.h"
#include "logs/log_analysis.h"
#include "logs/log_source.h"

namespace probity {
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

  static TraceProbe Compute(ProbeContext& ctx);
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

TraceProbe TraceProbe::Compute(ProbeContext& ctx) {
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
    StatusOr<LogSample> sample = ctx.logs().source->Read();
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

std::string Waited(const TraceProbe& p) { return FormatSeconds(std::round(ToSeconds(p.waited) * 10) / 10) + " s"; }

Verdict CheckTraceparentPropagated(ProbeContext& ctx, const CheckParams&) {
  const TraceProbe& p = ctx.Fact<TraceProbe>();
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
  const TraceProbe& p = ctx.Fact<TraceProbe>();
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
  const TraceProbe& p = ctx.Fact<TraceProbe>();
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

Verdict CheckExemplarsTraceId(ProbeContext& ctx, const CheckParams&) {
  // Whether there are request metrics at all is read from the text scrape,
  // which parses even where a target's OpenMetrics answer does not.
  Scrape& text = ctx.Fact<TextScrape>();
  if (auto unusable = UnusableScrape(ctx, text)) return *unusable;
  if (RequestFamilies(text.analysis).empty()) {
    return Verdict::Skip("no request counter or request-duration histogram to carry exemplars");
  }
  Scrape& s = ctx.Fact<OpenMetricsScrape>();
  if (auto unusable = UnusableScrape(ctx, s)) return *unusable;
  const std::vector<RequestFamily> families = RequestFamilies(s.analysis);
  if (s.format != exposition::Format::kOpenMetrics) {
    return Verdict::Fail("asked for OpenMetrics, the endpoint answered " + s.response->MediaType() +
                             ": exemplars exist only in OpenMetrics, so no request metric links to a trace",
                         "serve OpenMetrics (client libraries do when asked) with exemplars that carry trace_id");
  }
  std::size_t exemplars = 0, traced = 0;
  for (const RequestFamily& r : families) {
    exemplars += r.family->exemplars;
    traced += r.family->exemplars_with_trace_id;
  }
  const std::vector<std::string> names = NamesOf(families);
  if (exemplars == 0) return Verdict::Fail("no exemplars on the request families (" + ListNames(names) + ")");
  if (traced < exemplars) {
    return Verdict::Fail(std::to_string(exemplars - traced) + " of " + std::to_string(exemplars) +
                         " exemplars on the request families lack a trace_id label");
  }
  return Verdict::Pass(std::to_string(exemplars) + " exemplars on " + ListNames(names) + " carry trace_id");
}

}  // namespace

const std::vector<CheckInfo>& TracingChecks() {
  static const std::vector<CheckInfo> checks = {
      {"tracing.traceparent.propagated", Severity::kWarning, Level::kGold,
       "a request sent with a fresh traceparent leaves that trace id in the service's logs (or in a "
       "traceresponse/server-timing header)",
       "If the service does not adopt the incoming W3C traceparent, each call starts a new trace: distributed traces "
       "break at this service, and its spans and logs cannot be followed from the caller's request.",
       "adopt the incoming W3C traceparent (OpenTelemetry's propagators do) and log its trace id", {},
       {.traced_request = true, .logs = true}, CheckTraceparentPropagated},
      {"tracing.request_id.propagated", Severity::kInfo, Level::kNone,
       "a fresh X-Request-ID is echoed in the response or found in the logs",
       "An echoed and logged request id lets a user's error report, the proxy's access log and the service's own "
       "lines be matched; without it, finding one request among thousands of lines relies on timestamps.",
       "echo X-Request-ID in the response and log it as request_id", {},
       {.traced_request = true, .logs = true}, CheckRequestIdPropagated},
      {"tracing.traceparent.invalid_ignored", Severity::kInfo, Level::kNone,
       "an invalid traceparent does not break the request and its id is not logged",
       "W3C Trace Context says an invalid traceparent is ignored and a new trace started: a service that fails such "
       "requests lets a malformed header break traffic, and one that adopts the bad id merges unrelated requests into "
       "one trace.",
       "validate traceparent as W3C Trace Context says and start a new trace when it is invalid", {},
       {.traced_request = true, .logs = true}, CheckInvalidTraceparentIgnored},
      {"tracing.exemplars.trace_id", Severity::kInfo, Level::kNone,
       "OpenMetrics exemplars on request histograms/counters carry trace_id",
       "Exemplars link a metric sample to a trace: without a trace_id on them, a latency spike or error burst on a "
       "dashboard cannot be followed to a concrete request that shows where the time went.",
       "attach exemplars with the trace_id to request counters and histograms (OpenMetrics), so that "
       "Grafana can jump from a latency spike to its trace", {},
       {.metrics = true}, CheckExemplarsTraceId},
  };
  return checks;
}

}  // namespace probity

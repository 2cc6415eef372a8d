#include "checks/metrics_checks.h"

#include <re2/re2.h>

#include <algorithm>
#include <set>

#include "core/duration.h"
#include "core/text.h"
#include "exposition/analysis.h"

namespace probity {
namespace {

using exposition::Analysis;
using exposition::FamilySummary;
using exposition::Format;
using exposition::MetricType;
using exposition::Problem;

// One scrape of the metrics endpoint and what Probity read in it.
struct Scrape {
  StatusOr<HttpResponse> response = Status::Error("not fetched");
  Format format = Format::kText;
  Analysis analysis;
};

Format FormatOf(const HttpResponse& r) {
  return r.MediaType() == "application/openmetrics-text" ? Format::kOpenMetrics : Format::kText;
}

Scrape Fetch(ProbeContext& ctx, const char* accept) {
  Scrape scrape;
  HttpRequest request;
  request.url = ctx.endpoints().metrics.url;
  request.headers.emplace_back("Accept", accept);
  // When discovery could not reach the target, ask no more: one timeout per run.
  const StatusOr<HttpResponse>* earlier = ctx.Remembered(request.url);
  scrape.response = earlier && !earlier->ok() ? *earlier : ctx.Fetch(request);
  if (scrape.response.ok() && !scrape.response->body_truncated) {
    scrape.format = FormatOf(*scrape.response);
    exposition::AnalyzeOptions options;
    options.keep_counter_values = true;
    options.keep_label_values = 250;
    scrape.analysis = exposition::Analyze(scrape.response->body, scrape.format, options);
  }
  return scrape;
}

// The shared text-format scrape (what promtool and most scrapers read).
Scrape& TextScrape(ProbeContext& ctx) {
  return ctx.Shared<Scrape>("metrics.text", [&] { return Fetch(ctx, kTextAccept); });
}

// The shared OpenMetrics scrape (asked the way Prometheus asks).
Scrape& OpenMetricsScrape(ProbeContext& ctx) {
  return ctx.Shared<Scrape>("metrics.openmetrics", [&] { return Fetch(ctx, kOpenMetricsAccept); });
}

std::string Where(const ProbeContext& ctx) { return "GET " + ctx.endpoints().metrics.Path(); }

// Why the scrape cannot be judged, or nothing.
std::optional<Verdict> Unusable(ProbeContext& ctx, const Scrape& s, bool need_parse = true) {
  const Endpoint& e = ctx.endpoints().metrics;
  if (!e.found()) return Verdict::Fail("no metrics endpoint: " + e.missing_reason);
  if (!s.response.ok()) return Verdict::Error(Where(ctx) + ": " + s.response.status().message());
  if (s.response->status != 200) {
    return Verdict::Fail(Where(ctx) + " answered " + std::to_string(s.response->status) + ", not 200");
  }
  if (s.response->body_truncated) {
    return Verdict::Fail(Where(ctx) + ": the exposition is larger than the body limit and was cut",
                         "expose fewer series, or raise http.max_body_size if this size is intended");
  }
  if (need_parse && s.analysis.error) {
    return Verdict::Fail(Where(ctx) + " cannot be parsed, " + s.analysis.error->ToString(),
                         "fix the exposition so that Prometheus can ingest it (see metrics.exposition.valid)");
  }
  return std::nullopt;
}

// "a, b, c and 4 more"
std::string Names(const std::vector<std::string>& names, std::size_t show = 3) {
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < show; ++i) out += (i ? ", " : "") + Excerpt(names[i], 60);
  if (names.size() > show) out += " and " + std::to_string(names.size() - show) + " more";
  return out;
}

// A verdict over promlint-style problems of the given kinds.
Verdict FromProblems(ProbeContext& ctx, std::initializer_list<Problem::Kind> kinds, const std::string& what) {
  Scrape& s = TextScrape(ctx);
  if (auto bad = Unusable(ctx, s)) return *bad;
  std::vector<std::string> lines;
  std::set<std::string> families;
  for (const Problem& p : s.analysis.problems) {
    if (std::find(kinds.begin(), kinds.end(), p.kind) == kinds.end()) continue;
    families.insert(p.metric);
    if (lines.size() < 3) lines.push_back(p.ToString());
  }
  if (families.empty()) {
    return Verdict::Pass("no " + what + " findings in " + std::to_string(s.analysis.families.size()) + " families");
  }
  std::string detail = std::to_string(families.size()) + " famil" + (families.size() == 1 ? "y" : "ies") + ": ";
  for (std::size_t i = 0; i < lines.size(); ++i) detail += (i ? "; " : "") + Excerpt(lines[i], 200);
  return Verdict::Fail(detail);
}

bool Contains(std::string_view haystack, std::string_view needle) { return haystack.find(needle) != std::string_view::npos; }

const FamilySummary* FindFamily(const Analysis& a, std::string_view name) { return a.Find(name); }

// Request-rate families: *_requests_total counters, or request-duration histograms.
std::vector<const FamilySummary*> RequestFamilies(const Analysis& a) {
  std::vector<const FamilySummary*> out;
  for (const FamilySummary& f : a.families) {
    const bool counter = f.type == MetricType::kCounter || (f.type == MetricType::kUntyped && EndsWith(f.name, "_total"));
    // OpenMetrics names a counter family without its _total.
    const bool om_counter = f.type == MetricType::kCounter && EndsWith(f.name, "requests");
    if ((counter && EndsWith(f.name, "requests_total")) || om_counter ||
        (f.type == MetricType::kHistogram && Contains(f.name, "request") && Contains(f.name, "duration"))) {
      out.push_back(&f);
    }
  }
  return out;
}

bool HasLabel(const FamilySummary& f, std::initializer_list<std::string_view> names) {
  for (const std::string& l : f.label_names) {
    for (std::string_view n : names) {
      if (l == n) return true;
    }
  }
  return false;
}

}  // namespace

bool LooksLikeRawId(std::string_view value) {
  static const RE2 kUuid("(?i)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
  static const RE2 kDigits("(^|/)[0-9]+(/|$)");
  static const RE2 kHex("(^|/)[0-9a-fA-F]{16,}(/|$)");
  const re2::StringPiece v(value.data(), value.size());
  return RE2::PartialMatch(v, kUuid) || RE2::PartialMatch(v, kDigits) || RE2::PartialMatch(v, kHex);
}

Verdict CheckMetricsReachable(ProbeContext& ctx, const CheckParams& params) {
  Scrape& s = TextScrape(ctx);
  if (auto bad = Unusable(ctx, s, false)) return *bad;
  const Duration budget = params.GetDuration("budget");
  const Duration took = s.response->elapsed;
  const std::string ms = FormatDuration(std::chrono::duration_cast<std::chrono::milliseconds>(took));
  if (took > budget) {
    return Verdict::Fail(Where(ctx) + " answered 200 but took " + ms + ", more than " + FormatDuration(budget),
                         "make /metrics cheap: no collection work on the request path, fewer series");
  }
  return Verdict::Pass(Where(ctx) + " answered 200 in " + ms + " (" + std::to_string(s.response->body.size()) + " bytes)");
}

Verdict CheckMetricsContentType(ProbeContext& ctx, const CheckParams&) {
  Scrape& s = TextScrape(ctx);
  if (auto bad = Unusable(ctx, s, false)) return *bad;
  const std::string header = s.response->Header("content-type");
  const std::string type = s.response->MediaType();
  std::string version;
  for (std::size_t at = header.find(';'); at != std::string::npos; at = header.find(';', at + 1)) {
    std::string_view param = Trim(std::string_view(header).substr(at + 1, header.find(';', at + 1) - at - 1));
    if (StartsWith(param, "version=")) version = std::string(Trim(param.substr(8)));
  }
  const bool ok = (type == "text/plain" && (version.empty() || version == "0.0.4" || version == "1.0.0")) ||
                  (type == "application/openmetrics-text" && (version.empty() || version == "0.0.1" || version == "1.0.0"));
  if (!ok) {
    return Verdict::Fail(Where(ctx) + " answers Content-Type \"" + Excerpt(header, 80) +
                             "\", which Prometheus 3 does not accept for scraping",
                         "serve text/plain; version=0.0.4; charset=utf-8 (or application/openmetrics-text; version=1.0.0)");
  }
  return Verdict::Pass("Content-Type \"" + Excerpt(header, 80) + "\"");
}

Verdict CheckExpositionValid(ProbeContext& ctx, const CheckParams&) {
  Scrape& s = TextScrape(ctx);
  if (auto bad = Unusable(ctx, s, false)) return *bad;
  const char* format = s.format == Format::kOpenMetrics ? "OpenMetrics" : "text format 0.0.4";
  if (s.analysis.error) {
    return Verdict::Fail(Where(ctx) + " is not valid " + std::string(format) + ": " + s.analysis.error->ToString());
  }
  auto validity = s.analysis.Of(Problem::Kind::kValidity);
  if (!validity.empty()) return Verdict::Fail(Excerpt(validity.front()->ToString(), 200));
  return Verdict::Pass(std::string(format) + ", " + std::to_string(s.analysis.families.size()) + " families, " +
                       std::to_string(s.analysis.total_series) + " series");
}

Verdict CheckOpenMetricsValid(ProbeContext& ctx, const CheckParams&) {
  if (!ctx.endpoints().metrics.found()) return Verdict::Skip("no metrics endpoint");
  Scrape& s = OpenMetricsScrape(ctx);
  if (auto bad = Unusable(ctx, s, false)) return *bad;
  if (s.format != Format::kOpenMetrics) {
    return Verdict::Skip("asked for OpenMetrics, the endpoint answered " + s.response->MediaType());
  }
  if (s.analysis.error) return Verdict::Fail("the OpenMetrics answer is invalid: " + s.analysis.error->ToString());
  return Verdict::Pass("valid OpenMetrics 1.0, " + std::to_string(s.analysis.families.size()) + " families");
}

Verdict CheckSeriesUnique(ProbeContext& ctx, const CheckParams&) {
  return FromProblems(ctx, {Problem::Kind::kDuplicate}, "duplicate-series");
}

Verdict CheckHistogramConsistent(ProbeContext& ctx, const CheckParams&) {
  return FromProblems(ctx, {Problem::Kind::kHistogram}, "histogram");
}

Verdict CheckCounterMonotonic(ProbeContext& ctx, const CheckParams& params) {
  Scrape& first = TextScrape(ctx);
  if (auto bad = Unusable(ctx, first)) return *bad;
  auto start_time = [](const Analysis& a) {
    const FamilySummary* f = a.Find("process_start_time_seconds");
    return f ? f->first_value : -1.0;
  };
  std::map<std::string, double> before;
  double before_start = -1;
  const std::map<std::string, double>* after = &first.analysis.counter_values;
  double after_start = start_time(first.analysis);
  std::string how;
  Scrape second;
  TargetMemory* memory = ctx.memory();
  if (memory) {
    // `probity run`: compare with the previous run's scrape, no extra wait.
    const bool had = memory->has_counters;
    before = std::move(memory->counters);
    before_start = memory->process_start;
    memory->counters = first.analysis.counter_values;
    memory->process_start = after_start;
    memory->has_counters = true;
    if (!had) return Verdict::Skip("first run: counters are compared from the next run on");
    how = "since the previous run";
  } else {
    const Duration delay = params.GetDuration("delay");
    ctx.clock().SleepFor(delay);
    second = Fetch(ctx, kTextAccept);
    if (auto bad = Unusable(ctx, second)) return *bad;
    before = first.analysis.counter_values;
    before_start = after_start;
    after = &second.analysis.counter_values;
    after_start = start_time(second.analysis);
    how = "over a second scrape " + FormatDuration(delay) + " later";
  }
  if (before_start >= 0 && after_start >= 0 && before_start != after_start) {
    return Verdict::Skip("the process restarted " + how + " (process_start_time_seconds changed): counters may reset");
  }
  std::vector<std::string> decreased, vanished;
  for (const auto& [key, value] : before) {
    auto it = after->find(key);
    if (it == after->end()) {
      vanished.push_back(key);
    } else if (it->second < value) {
      decreased.push_back(key);
    }
  }
  if (!decreased.empty()) {
    return Verdict::Fail(std::to_string(decreased.size()) + " counter series decreased " + how + ": " + Names(decreased),
                         "never reset or decrement a counter while the process lives; use a gauge for values that go down");
  }
  if (!vanished.empty()) {
    return Verdict::Fail(std::to_string(vanished.size()) + " counter series vanished " + how + ": " + Names(vanished),
                         "keep exporting a counter series once it exists (initialise label sets up front)");
  }
  return Verdict::Pass(std::to_string(before.size()) + " counter series, none decreased or vanished " + how);
}

Verdict CheckCardinalityBudget(ProbeContext& ctx, const CheckParams& params) {
  Scrape& s = TextScrape(ctx);
  if (auto bad = Unusable(ctx, s)) return *bad;
  const std::size_t total_budget = static_cast<std::size_t>(params.GetInt("max_series"));
  const std::size_t family_budget = static_cast<std::size_t>(params.GetInt("max_series_per_family"));
  std::vector<std::string> over;
  const FamilySummary* largest = nullptr;
  for (const FamilySummary& f : s.analysis.families) {
    if (!largest || f.series > largest->series) largest = &f;
    if (f.series > family_budget) over.push_back(f.name + " (" + std::to_string(f.series) + ")");
  }
  const std::size_t total = s.analysis.total_series;
  if (total > total_budget) {
    return Verdict::Fail(std::to_string(total) + " series in total, over the budget of " + std::to_string(total_budget) +
                         (largest ? "; largest family " + largest->name + " with " + std::to_string(largest->series) : ""),
                         "drop unbounded labels (ids, paths, user agents) and unused families");
  }
  if (!over.empty()) {
    return Verdict::Fail("families over " + std::to_string(family_budget) + " series: " + Names(over),
                         "drop unbounded labels (ids, paths, user agents) from these families");
  }
  return Verdict::Pass(std::to_string(total) + " series" +
                       (largest ? ", largest family " + largest->name + " with " + std::to_string(largest->series) : ""));
}

Verdict CheckLintHelp(ProbeContext& ctx, const CheckParams&) {
  return FromProblems(ctx, {Problem::Kind::kHelp}, "missing-HELP");
}
Verdict CheckLintCounterSuffix(ProbeContext& ctx, const CheckParams&) {
  return FromProblems(ctx, {Problem::Kind::kCounterSuffix}, "_total suffix");
}
Verdict CheckLintUnits(ProbeContext& ctx, const CheckParams&) {
  return FromProblems(ctx, {Problem::Kind::kUnits}, "unit");
}
Verdict CheckLintReserved(ProbeContext& ctx, const CheckParams&) {
  return FromProblems(ctx, {Problem::Kind::kReserved}, "reserved-name");
}
Verdict CheckLintSnakeCase(ProbeContext& ctx, const CheckParams&) {
  return FromProblems(ctx, {Problem::Kind::kSnakeCase}, "snake_case");
}

Verdict CheckRedRequests(ProbeContext& ctx, const CheckParams&) {
  Scrape& s = TextScrape(ctx);
  if (auto bad = Unusable(ctx, s)) return *bad;
  std::vector<std::string> names;
  for (const FamilySummary* f : RequestFamilies(s.analysis)) names.push_back(f->name);
  if (names.empty()) {
    return Verdict::Fail("no request-rate series: no *_requests_total counter and no request-duration histogram");
  }
  return Verdict::Pass("request rate from " + Names(names));
}

Verdict CheckRedErrors(ProbeContext& ctx, const CheckParams&) {
  Scrape& s = TextScrape(ctx);
  if (auto bad = Unusable(ctx, s)) return *bad;
  for (const FamilySummary* f : RequestFamilies(s.analysis)) {
    if (HasLabel(*f, {"code", "status", "status_code", "http_status", "http_response_status_code", "response_code",
                      "error_type"})) {
      return Verdict::Pass(f->name + " carries a status dimension");
    }
  }
  for (const FamilySummary& f : s.analysis.families) {
    if (EndsWith(f.name, "_errors_total") || EndsWith(f.name, "_failures_total")) {
      return Verdict::Pass("errors counted by " + f.name);
    }
  }
  const auto requests = RequestFamilies(s.analysis);
  return Verdict::Fail(requests.empty() ? "no request metrics to carry a status, and no *_errors_total"
                                        : requests.front()->name + " has no code/status label and no *_errors_total exists");
}

Verdict CheckRedDurationHistogram(ProbeContext& ctx, const CheckParams&) {
  Scrape& s = TextScrape(ctx);
  if (auto bad = Unusable(ctx, s)) return *bad;
  std::vector<std::string> wrong;
  for (const FamilySummary& f : s.analysis.families) {
    const bool latency = (Contains(f.name, "request") || Contains(f.name, "http")) &&
                         (Contains(f.name, "duration") || Contains(f.name, "latency") || Contains(f.name, "time"));
    if (!latency) continue;
    // A whole word: "milliseconds" is not "seconds".
    const bool seconds = EndsWith(f.name, "_seconds") || Contains(f.name, "_seconds_");
    if (f.type == MetricType::kHistogram && seconds) return Verdict::Pass(f.name + " is a histogram in seconds");
    wrong.push_back(f.name + " (" + std::string(exposition::MetricTypeName(f.type, s.format)) +
                    (seconds ? ")" : ", not in seconds)"));
  }
  if (wrong.empty()) return Verdict::Fail("no request-latency metric");
  return Verdict::Fail("request latency is not a histogram in seconds: " + Names(wrong),
                       "record latency with a histogram named *_duration_seconds (base unit seconds)");
}

Verdict CheckRedRouteCardinality(ProbeContext& ctx, const CheckParams& params) {
  Scrape& s = TextScrape(ctx);
  if (auto bad = Unusable(ctx, s)) return *bad;
  const std::size_t limit = static_cast<std::size_t>(params.GetInt("max_routes"));
  bool any = false;
  for (const char* label : {"route", "path", "handler", "uri", "endpoint", "url", "http_route", "url_path", "http_target"}) {
    auto it = s.analysis.label_values.find(label);
    if (it == s.analysis.label_values.end()) continue;
    any = true;
    const auto& values = it->second;
    for (const std::string& v : values) {
      if (LooksLikeRawId(v)) {
        return Verdict::Fail("label " + std::string(label) + " holds raw ids, e.g. \"" + SanitizeUtf8(Excerpt(v, 60)) + "\"",
                             "label with the route template (/orders/{id}), never the raw path");
      }
    }
    if (values.size() >= limit) {
      return Verdict::Fail("label " + std::string(label) + " has " + std::to_string(values.size()) +
                               " or more distinct values, at least the limit of " + std::to_string(limit),
                           "label with the route template and group unknown routes under one value");
    }
  }
  if (!any) return Verdict::Skip("no route or path label");
  return Verdict::Pass("route labels are templates and few");
}

Verdict CheckSaturationPresent(ProbeContext& ctx, const CheckParams&) {
  Scrape& s = TextScrape(ctx);
  if (auto bad = Unusable(ctx, s)) return *bad;
  static const RE2 kSaturation(
      "(in_?flight|open_fds|max_fds|threads|goroutines|pool|queue|connections_(active|open|in_use)|utilization|"
      "saturation|backlog|workers_busy)");
  for (const FamilySummary& f : s.analysis.families) {
    if (RE2::PartialMatch(f.name, kSaturation)) return Verdict::Pass("saturation signal " + f.name);
  }
  return Verdict::Fail("no saturation signal (in-flight requests, open fds, threads, pool or queue gauges)",
                       "export how full the service is: in-flight requests, pool and queue usage, open fds");
}

Verdict CheckProcessStandard(ProbeContext& ctx, const CheckParams&) {
  Scrape& s = TextScrape(ctx);
  if (auto bad = Unusable(ctx, s)) return *bad;
  std::vector<std::string> missing;
  for (const char* name : {"process_cpu_seconds_total", "process_resident_memory_bytes", "process_start_time_seconds"}) {
    if (!FindFamily(s.analysis, name)) missing.emplace_back(name);
  }
  if (!missing.empty()) {
    return Verdict::Fail("missing " + Names(missing), "enable your client library's process collector");
  }
  return Verdict::Pass("process_cpu_seconds_total, process_resident_memory_bytes and process_start_time_seconds present");
}

Verdict CheckBuildInfoPresent(ProbeContext& ctx, const CheckParams&) {
  Scrape& s = TextScrape(ctx);
  if (auto bad = Unusable(ctx, s)) return *bad;
  std::string near_miss;
  for (const FamilySummary& f : s.analysis.families) {
    if (f.name == "target_info" || f.type == MetricType::kInfo) return Verdict::Pass(f.name + " describes the build");
    if (!EndsWith(f.name, "_build_info")) continue;
    const bool version = std::find(f.label_names.begin(), f.label_names.end(), "version") != f.label_names.end();
    if (version && f.first_value == 1) return Verdict::Pass(f.name + " with a version label");
    near_miss = f.name + (version ? " is not 1" : " has no version label");
  }
  if (!near_miss.empty()) return Verdict::Fail(near_miss);
  return Verdict::Fail("no *_build_info, target_info or info family",
                       "export <service>_build_info{version=\"…\",revision=\"…\"} 1");
}

Verdict CheckExemplarsTraceId(ProbeContext& ctx, const CheckParams&) {
  Scrape& s = OpenMetricsScrape(ctx);
  if (auto unusable = Unusable(ctx, s)) return *unusable;
  if (s.format != Format::kOpenMetrics) {
    return Verdict::Skip("asked for OpenMetrics, the endpoint answered " + s.response->MediaType() +
                         "; exemplars exist only in OpenMetrics");
  }
  const std::vector<const FamilySummary*> families = RequestFamilies(s.analysis);
  if (families.empty()) return Verdict::Skip("no request counter or request-duration histogram to carry exemplars");
  std::size_t exemplars = 0, traced = 0;
  std::vector<std::string> names;
  for (const FamilySummary* f : families) {
    exemplars += f->exemplars;
    traced += f->exemplars_with_trace_id;
    names.push_back(f->name);
  }
  if (exemplars == 0) return Verdict::Fail("no exemplars on the request families (" + Names(names) + ")");
  if (traced < exemplars) {
    return Verdict::Fail(std::to_string(exemplars - traced) + " of " + std::to_string(exemplars) +
                         " exemplars on the request families lack a trace_id label");
  }
  return Verdict::Pass(std::to_string(exemplars) + " exemplars on " + Names(names) + " carry trace_id");
}

}  // namespace probity

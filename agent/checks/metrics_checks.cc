#include "checks/metrics_checks.h"

#include <re2/re2.h>

#include <algorithm>
#include <map>
#include <set>

#include "checks/context.h"
#include "checks/metrics_facts.h"
#include "core/duration.h"
#include "core/text.h"
#include "exposition/analysis.h"

namespace probity {
namespace {

using K = ParamSpec::Kind;

using exposition::Analysis;
using exposition::FamilySummary;
using exposition::Format;
using exposition::MetricType;
using exposition::Problem;

Format FormatOf(const HttpResponse& r) {
  return r.MediaType() == "application/openmetrics-text" ? Format::kOpenMetrics : Format::kText;
}

Scrape Fetch(ProbeContext& ctx, const char* accept) {
  Scrape scrape;
  HttpRequest request;
  request.url = ctx.endpoints().metrics.url;
  request.headers.emplace_back("Accept", accept);
  const bool openmetrics_asked = std::string_view(accept) == kOpenMetricsAccept;
  if (openmetrics_asked) {
    // Asked for OpenMetrics and answered in another format: its checks go by
    // the Content-Type alone, and the text scrape reads the same metrics, so
    // that body is not kept.
    request.keep_body_if = [](const HttpResponse& head) { return FormatOf(head) == Format::kOpenMetrics; };
  }
  // When discovery could not reach the target, ask no more: one timeout per run.
  const StatusOr<HttpResponse>* earlier = ctx.Remembered(request.url);
  scrape.response = earlier && !earlier->ok() ? *earlier : ctx.Fetch(request);
  if (!scrape.response.ok()) return scrape;
  scrape.format = FormatOf(*scrape.response);
  if (openmetrics_asked && scrape.format != Format::kOpenMetrics) return scrape;
  if (!scrape.response->body_truncated) {
    exposition::AnalyzeOptions options;
    options.keep_counter_values = !openmetrics_asked;  // counter.monotonic reads the text scrape
    options.keep_label_values = 250;
    scrape.analysis = exposition::Analyze(scrape.response->body, scrape.format, options);
  }
  return scrape;
}

std::string Where(const ProbeContext& ctx) { return "GET " + ctx.endpoints().metrics.Path(); }

}  // namespace

TextScrape TextScrape::Compute(ProbeContext& ctx) { return {Fetch(ctx, kTextAccept)}; }
OpenMetricsScrape OpenMetricsScrape::Compute(ProbeContext& ctx) { return {Fetch(ctx, kOpenMetricsAccept)}; }

std::optional<Verdict> UnusableScrape(ProbeContext& ctx, const Scrape& s, bool need_parse, bool dependent) {
  const Endpoint& e = ctx.endpoints().metrics;
  std::optional<Verdict> v;
  std::string summary;
  if (!e.found()) {
    v = Verdict::Fail("no metrics endpoint: " + e.missing_reason);
    summary = "no metrics endpoint";
  } else if (!s.response.ok()) {
    v = Verdict::Error(Where(ctx) + ": " + s.response.status().message());
    summary = "metrics endpoint unreachable";
  } else if (s.response->status != 200) {
    v = Verdict::Fail(Where(ctx) + " answered " + std::to_string(s.response->status) + ", not 200");
    summary = "metrics endpoint answered " + std::to_string(s.response->status);
  } else if (s.response->body_truncated) {
    v = Verdict::Fail(Where(ctx) + ": the exposition is larger than the body limit and was cut",
                      "expose fewer series, or raise http.max_body_size if this size is intended");
    summary = "the exposition was cut at the body limit";
  } else if (need_parse && s.analysis.error) {
    if (!dependent) {
      return Verdict::Fail(Where(ctx) + " cannot be parsed, " + s.analysis.error->ToString(),
                           "fix the exposition so that Prometheus can ingest it (see metrics.exposition.valid)");
    }
    if (s.format == Format::kOpenMetrics) {
      return Verdict::NotEvaluated(CheckStatus::kFail, "metrics.openmetrics.valid",
                                   "the OpenMetrics answer cannot be parsed");
    }
    return Verdict::NotEvaluated(CheckStatus::kFail, "metrics.exposition.valid", "the exposition cannot be parsed");
  }
  if (!v || !dependent) return v;
  return Verdict::NotEvaluated(v->status, "metrics.endpoint.reachable", summary);
}

std::string ListNames(const std::vector<std::string>& names, std::size_t show) {
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < show; ++i) out += (i ? ", " : "") + Excerpt(names[i], 60);
  if (names.size() > show) out += " and " + std::to_string(names.size() - show) + " more";
  return out;
}

namespace {

// A verdict over promlint-style problems of the given kinds.
Verdict FromProblems(ProbeContext& ctx, std::initializer_list<Problem::Kind> kinds, const std::string& what) {
  Scrape& s = ctx.Fact<TextScrape>();
  if (auto bad = UnusableScrape(ctx, s)) return *bad;
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

const FamilySummary* FindFamily(const Analysis& a, std::string_view name) { return a.Find(name); }

// The words of a metric name ("prometheus_http_requests_total" ->
// prometheus, http, requests, total).
std::vector<std::string_view> Words(std::string_view name) {
  std::vector<std::string_view> words;
  for (std::size_t start = 0; start <= name.size();) {
    std::size_t end = name.find('_', start);
    if (end == std::string_view::npos) end = name.size();
    if (end > start) words.push_back(name.substr(start, end - start));
    start = end + 1;
  }
  return words;
}

bool HasWord(const std::vector<std::string_view>& words, std::initializer_list<std::string_view> any) {
  for (std::string_view w : words) {
    for (std::string_view a : any) {
      if (w == a) return true;
    }
  }
  return false;
}

// The scrape handler's own metrics (every Go binary has them): requests for
// /metrics, not the service's traffic.
bool IsScrapeHandler(std::string_view name) {
  return StartsWith(name, "promhttp_metric_handler_") || HasWord(Words(name), {"scrape", "scrapes"});
}

// Words that make a "requests" family something other than the service's own
// incoming traffic: outbound calls, storage, pools, cluster chatter.
bool IsOtherTraffic(const std::vector<std::string_view>& words) {
  return HasWord(words, {"client", "clients", "disk", "disks", "pool", "pools", "heartbeat", "peer", "peers", "raft",
                         "wal", "sd", "remote", "outgoing", "upstream", "backend", "backends", "proxy", "nfs", "nfsd",
                         "dns", "notification", "notifications", "lease", "snapshot"});
}

bool IsRequestLatency(const FamilySummary& f, const std::vector<std::string_view>& words) {
  if (f.type != MetricType::kHistogram && f.type != MetricType::kSummary) return false;
  const bool request = HasWord(words, {"request", "requests", "http", "grpc", "rpc", "handling", "api"});
  const bool time = HasWord(words, {"duration", "latency", "seconds", "milliseconds", "ms", "time", "handling"});
  return request && time;
}

}  // namespace

std::vector<RequestFamily> RequestFamilies(const Analysis& a) {
  std::vector<RequestFamily> out;
  for (const FamilySummary& f : a.families) {
    if (IsScrapeHandler(f.name)) continue;
    if (StartsWith(f.name, "grpc_server_")) {
      if (f.name == "grpc_server_handled_total" || f.name == "grpc_server_handled" ||
          f.name == "grpc_server_started_total" || f.name == "grpc_server_started") {
        out.push_back({&f, false});
      } else if (StartsWith(f.name, "grpc_server_handling_seconds")) {
        out.push_back({&f, f.type == MetricType::kHistogram || f.type == MetricType::kSummary});
      }
      continue;
    }
    const std::vector<std::string_view> words = Words(f.name);
    if (IsOtherTraffic(words)) continue;
    const bool counter = f.type == MetricType::kCounter || (f.type == MetricType::kUntyped && EndsWith(f.name, "_total"));
    // OpenMetrics names a counter family without its _total.
    const bool requests_counter = counter && (EndsWith(f.name, "requests_total") || EndsWith(f.name, "_requests"));
    if (requests_counter) {
      out.push_back({&f, false});
    } else if (IsRequestLatency(f, words)) {
      out.push_back({&f, true});
    }
  }
  return out;
}

namespace {

bool HasPrefixFamily(const Analysis& a, std::string_view prefix) {
  for (const FamilySummary& f : a.families) {
    if (StartsWith(f.name, prefix)) return true;
  }
  return false;
}

}  // namespace

std::vector<std::string> NamesOf(const std::vector<RequestFamily>& families) {
  std::vector<std::string> names;
  for (const RequestFamily& r : families) names.push_back(r.family->name);
  return names;
}

namespace {

// Set when a target exposes no request metrics of its own but the scrape
// handler's: what an exporter looks like.
std::string ExporterHint(const Analysis& a) {
  const FamilySummary* handler = nullptr;
  for (const FamilySummary& f : a.families) {
    if (IsScrapeHandler(f.name) && (!handler || EndsWith(f.name, "_requests_total"))) handler = &f;
  }
  if (!handler) return "";
  return "; this looks like an exporter (its only request metrics are the scrape handler's " + handler->name +
         "): if it is one, use `checklist: exporter`; if it serves traffic, export its request metrics";
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

namespace {

Verdict CheckMetricsReachable(ProbeContext& ctx, const CheckParams& params) {
  Scrape& s = ctx.Fact<TextScrape>();
  if (auto bad = UnusableScrape(ctx, s, false, false)) return *bad;
  const Duration budget = params.GetDuration("budget");
  const Duration took = s.response->elapsed;
  const std::string ms = FormatElapsed(took);
  if (took > budget) {
    return Verdict::Fail(Where(ctx) + " answered 200 but took " + ms + ", more than " + FormatDuration(budget),
                         "make /metrics cheap: no collection work on the request path, fewer series");
  }
  return Verdict::Pass(Where(ctx) + " answered 200 in " + ms + " (" + std::to_string(s.response->body.size()) + " bytes)");
}

Verdict CheckMetricsContentType(ProbeContext& ctx, const CheckParams&) {
  Scrape& s = ctx.Fact<TextScrape>();
  if (auto bad = UnusableScrape(ctx, s, false)) return *bad;
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
  Scrape& s = ctx.Fact<TextScrape>();
  if (auto bad = UnusableScrape(ctx, s, false)) return *bad;
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
  Scrape& s = ctx.Fact<OpenMetricsScrape>();
  if (auto bad = UnusableScrape(ctx, s, false)) return *bad;
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

// Names of counter series by hash, read again from a scrape's body (only
// when a check fails, so the common path keeps no names at all).
std::vector<std::string> SeriesNames(const Scrape& scrape, const std::set<std::uint64_t>& series) {
  exposition::AnalyzeOptions options;
  options.name_series = &series;
  const Analysis named = exposition::Analyze(scrape.response->body, scrape.format, options);
  std::vector<std::string> names;
  for (const auto& [hash, name] : named.series_names) names.push_back(name);
  return names;
}

// "N of family" for each family of some counter series of an earlier scrape.
std::vector<std::string> FamiliesOf(const std::vector<const exposition::CounterValue*>& series,
                                    const std::vector<std::string>& families) {
  std::map<std::uint32_t, std::size_t> count;
  for (const exposition::CounterValue* v : series) ++count[v->family];
  std::vector<std::string> out;
  for (const auto& [family, n] : count) {
    out.push_back((family < families.size() ? families[family] : "?") + " (" + std::to_string(n) + ")");
  }
  return out;
}

Verdict CheckCounterMonotonic(ProbeContext& ctx, const CheckParams& params) {
  using exposition::CounterValue;
  Scrape& first = ctx.Fact<TextScrape>();
  if (auto bad = UnusableScrape(ctx, first)) return *bad;
  auto start_time = [](const Analysis& a) {
    const FamilySummary* f = a.Find("process_start_time_seconds");
    return f ? f->first_value : -1.0;
  };
  // The earlier scrape (`before`, with its families) and the later one.
  std::vector<CounterValue> before;
  std::vector<std::string> before_families;
  double before_start = -1;
  const Scrape* before_scrape = nullptr;  // when its body is still at hand
  const Scrape* later = &first;
  std::string how;
  Scrape second;
  // Once the verdict is made, this scrape's counters move (not copy) into
  // the target's memory, for the next run to compare with.
  struct Keep {
    TargetMemory* memory = nullptr;
    Analysis* analysis = nullptr;
    ~Keep() {
      if (!memory) return;
      memory->counters = std::move(analysis->counter_values);
      memory->counter_families = std::move(analysis->counter_families);
    }
  } keep;
  TargetMemory* memory = ctx.memory();
  if (memory) {
    // `probity run`: compare with the previous run's scrape, no extra wait;
    // this scrape's counters are what the next run compares with.
    const bool had = memory->has_counters;
    before = std::move(memory->counters);
    before_families = std::move(memory->counter_families);
    before_start = memory->process_start;
    keep.memory = memory;
    keep.analysis = &first.analysis;
    memory->process_start = start_time(first.analysis);
    memory->has_counters = true;
    if (!had) return Verdict::Skip("first run: counters are compared from the next run on");
    how = "since the previous run";
  } else {
    const Duration delay = params.GetDuration("delay");
    ctx.clock().SleepFor(delay);
    second = Fetch(ctx, kTextAccept);
    if (auto bad = UnusableScrape(ctx, second)) return *bad;
    // No other check reads the first scrape's counters: they move.
    before = std::move(first.analysis.counter_values);
    before_families = std::move(first.analysis.counter_families);
    before_start = start_time(first.analysis);
    before_scrape = &first;
    later = &second;
    how = "over a second scrape " + FormatDuration(delay) + " later";
  }
  const double after_start = start_time(later->analysis);
  if (before_start >= 0 && after_start >= 0 && before_start != after_start) {
    return Verdict::Skip("the process restarted " + how + " (process_start_time_seconds changed): counters may reset");
  }
  // Both sides are sorted by series: one merge finds what decreased or vanished.
  const std::vector<CounterValue>& after = later->analysis.counter_values;
  std::set<std::uint64_t> decreased;
  std::vector<const CounterValue*> vanished;
  auto it = after.begin();
  for (const CounterValue& v : before) {
    while (it != after.end() && it->series < v.series) ++it;
    if (it == after.end() || it->series != v.series) {
      vanished.push_back(&v);
    } else if (it->value < v.value) {
      decreased.insert(v.series);
    }
  }
  if (!decreased.empty()) {
    return Verdict::Fail(std::to_string(decreased.size()) + " counter series decreased " + how + ": " +
                             ListNames(SeriesNames(*later, decreased)),
                         "never reset or decrement a counter while the process lives; use a gauge for values that go down");
  }
  if (!vanished.empty()) {
    std::string which;
    if (before_scrape) {
      std::set<std::uint64_t> hashes;
      for (const CounterValue* v : vanished) hashes.insert(v->series);
      which = ListNames(SeriesNames(*before_scrape, hashes));
    } else {
      which = "in " + ListNames(FamiliesOf(vanished, before_families));
    }
    return Verdict::Fail(std::to_string(vanished.size()) + " counter series vanished " + how + ": " + which,
                         "keep exporting a counter series once it exists (initialise label sets up front)");
  }
  return Verdict::Pass(std::to_string(before.size()) + " counter series, none decreased or vanished " + how);
}

Verdict CheckCardinalityBudget(ProbeContext& ctx, const CheckParams& params) {
  Scrape& s = ctx.Fact<TextScrape>();
  if (auto bad = UnusableScrape(ctx, s)) return *bad;
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
    return Verdict::Fail("families over " + std::to_string(family_budget) + " series: " + ListNames(over),
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
  Scrape& s = ctx.Fact<TextScrape>();
  if (auto bad = UnusableScrape(ctx, s)) return *bad;
  const std::vector<RequestFamily> families = RequestFamilies(s.analysis);
  if (families.empty()) {
    return Verdict::Fail("no request-rate series of the service's own traffic: no HTTP *_requests_total counter, "
                         "no request-duration histogram, no grpc_server_handled_total" + ExporterHint(s.analysis));
  }
  return Verdict::Pass("request rate from " + ListNames(NamesOf(families)));
}

Verdict CheckRedErrors(ProbeContext& ctx, const CheckParams&) {
  Scrape& s = ctx.Fact<TextScrape>();
  if (auto bad = UnusableScrape(ctx, s)) return *bad;
  const std::vector<RequestFamily> families = RequestFamilies(s.analysis);
  if (families.empty()) {
    Verdict v = Verdict::Fail("not evaluated: no request metrics to carry a status (see metrics.red.requests)" +
                              ExporterHint(s.analysis));
    v.blocked_by = "metrics.red.requests";
    return v;
  }
  const std::initializer_list<std::string_view> kStatusLabels = {
      "code", "status", "status_code", "http_status", "http_response_status_code", "response_code", "grpc_code",
      "error_type", "outcome"};
  for (const RequestFamily& r : families) {
    if (HasLabel(*r.family, kStatusLabels)) return Verdict::Pass(r.family->name + " carries a status dimension");
  }
  // A sibling of the same subsystem: responses by code (HAProxy's
  // *_http_responses_total{code}) first, else an errors counter of the
  // requests' own subsystem; a pool's or a heartbeat's failures are not.
  for (const bool by_status : {true, false}) {
    for (const RequestFamily& r : families) {
      const std::string_view name = r.family->name;
      const std::size_t cut = name.find("_request");
      if (cut == std::string_view::npos) continue;
      const std::string_view subsystem = name.substr(0, cut + 1);
      for (const FamilySummary& f : s.analysis.families) {
        if (!StartsWith(f.name, subsystem) || f.type != MetricType::kCounter) continue;
        const std::vector<std::string_view> words = Words(std::string_view(f.name).substr(subsystem.size()));
        if (IsOtherTraffic(words)) continue;
        if (by_status && HasWord(words, {"responses"}) && HasLabel(f, kStatusLabels)) {
          return Verdict::Pass(f.name + " counts " + std::string(name) + "'s answers by status");
        }
        if (!by_status && HasWord(words, {"errors", "error", "failures", "failed"})) {
          return Verdict::Pass("errors of " + std::string(name) + " counted by " + f.name);
        }
      }
    }
  }
  return Verdict::Fail(ListNames(NamesOf(families)) + (families.size() == 1 ? " has" : " have") +
                       " no status label (code, status, grpc_code …) and no errors counter of the same subsystem "
                       "exists");
}

Verdict CheckRedDurationHistogram(ProbeContext& ctx, const CheckParams&) {
  Scrape& s = ctx.Fact<TextScrape>();
  if (auto bad = UnusableScrape(ctx, s)) return *bad;
  std::vector<std::string> wrong;
  const std::vector<RequestFamily> families = RequestFamilies(s.analysis);
  for (const RequestFamily& r : families) {
    const FamilySummary& f = *r.family;
    if (!r.latency) continue;
    // A whole word: "milliseconds" is not "seconds".
    const bool seconds = HasWord(Words(f.name), {"seconds"});
    if (f.type == MetricType::kHistogram && seconds) return Verdict::Pass(f.name + " is a histogram in seconds");
    wrong.push_back(f.name + " (" + std::string(exposition::MetricTypeName(f.type, s.format)) +
                    (seconds ? ")" : ", not in seconds)"));
  }
  // Latency kept as a gauge is not a request family, but it is the answer to
  // name when there is no histogram.
  for (const FamilySummary& f : s.analysis.families) {
    const std::vector<std::string_view> words = Words(f.name);
    if (f.type != MetricType::kGauge || IsScrapeHandler(f.name) || IsOtherTraffic(words)) continue;
    if (HasWord(words, {"request", "requests", "http", "grpc"}) && HasWord(words, {"duration", "latency"})) {
      wrong.push_back(f.name + (HasWord(words, {"seconds"}) ? " (gauge)" : " (gauge, not in seconds)"));
    }
  }
  if (!wrong.empty()) {
    return Verdict::Fail("request latency is not a histogram in seconds: " + ListNames(wrong),
                         "record latency with a histogram named *_duration_seconds (base unit seconds)");
  }
  if (families.empty()) {
    return Verdict::Fail("no request-latency histogram: the service exports no request metrics" +
                         ExporterHint(s.analysis));
  }
  if (HasPrefixFamily(s.analysis, "grpc_server_handled")) {
    return Verdict::Fail("no request-latency histogram: grpc_server_handled_total counts requests but "
                         "grpc_server_handling_seconds is not exported",
                         "enable the gRPC server handling-time histogram (go-grpc-prometheus "
                         "EnableHandlingTimeHistogram; etcd --metrics=extensive)");
  }
  return Verdict::Fail("no request-latency histogram for " + ListNames(NamesOf(families)));
}

Verdict CheckRedRouteCardinality(ProbeContext& ctx, const CheckParams& params) {
  Scrape& s = ctx.Fact<TextScrape>();
  if (auto bad = UnusableScrape(ctx, s)) return *bad;
  const std::size_t limit = static_cast<std::size_t>(params.GetInt("max_routes"));
  const std::vector<RequestFamily> families = RequestFamilies(s.analysis);
  if (families.empty()) return Verdict::Skip("no request metrics, so no route label to judge");
  bool any = false;
  for (const char* label : {"route", "path", "handler", "uri", "endpoint", "url", "http_route", "url_path", "http_target"}) {
    // Only a label the request families carry is a route.
    const bool on_requests = std::any_of(families.begin(), families.end(),
                                         [&](const RequestFamily& r) { return HasLabel(*r.family, {label}); });
    if (!on_requests) continue;
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
  Scrape& s = ctx.Fact<TextScrape>();
  if (auto bad = UnusableScrape(ctx, s)) return *bad;
  static const RE2 kSaturation(
      "(in_?flight|open_fds|max_fds|threads|goroutines|pool|queue|connections_(active|open|in_use)|utilization|"
      "saturation|backlog|workers_busy|current_(sessions|connections))");
  // How full the service is now: a gauge, not a counter of past events
  // (a pool's failures_total says nothing about its use).
  for (const FamilySummary& f : s.analysis.families) {
    if (f.type == MetricType::kCounter || EndsWith(f.name, "_total")) continue;
    if (RE2::PartialMatch(f.name, kSaturation)) return Verdict::Pass("saturation signal " + f.name);
  }
  return Verdict::Fail("no saturation signal (in-flight requests, open fds, threads, pool or queue gauges)",
                       "export how full the service is: in-flight requests, pool and queue usage, open fds");
}

Verdict CheckProcessStandard(ProbeContext& ctx, const CheckParams&) {
  Scrape& s = ctx.Fact<TextScrape>();
  if (auto bad = UnusableScrape(ctx, s)) return *bad;
  std::vector<std::string> missing;
  for (const char* name : {"process_cpu_seconds_total", "process_resident_memory_bytes", "process_start_time_seconds"}) {
    if (!FindFamily(s.analysis, name)) missing.emplace_back(name);
  }
  if (!missing.empty()) {
    return Verdict::Fail("missing " + ListNames(missing), "enable your client library's process collector");
  }
  return Verdict::Pass("process_cpu_seconds_total, process_resident_memory_bytes and process_start_time_seconds present");
}

Verdict CheckBuildInfoPresent(ProbeContext& ctx, const CheckParams&) {
  Scrape& s = ctx.Fact<TextScrape>();
  if (auto bad = UnusableScrape(ctx, s)) return *bad;
  for (const FamilySummary& f : s.analysis.families) {
    if (f.name == "target_info" || f.type == MetricType::kInfo) return Verdict::Pass(f.name + " describes the build");
  }
  std::string near_miss;
  for (const FamilySummary& f : s.analysis.families) {
    if (!EndsWith(f.name, "_build_info")) continue;
    const bool versioned = f.first_version && !Trim(*f.first_version).empty();
    if (versioned && f.first_value == 1) {
      return Verdict::Pass(f.name + " with version \"" + SanitizeUtf8(Excerpt(*f.first_version, 40)) + "\"");
    }
    if (near_miss.empty()) {
      near_miss = f.name + (!f.first_version ? " has no version label"
                            : !versioned     ? " has an empty version label"
                                             : " is not 1");
    }
  }
  if (!near_miss.empty()) {
    return Verdict::Fail(near_miss, "export <service>_build_info{version=\"…\",revision=\"…\"} 1 with the "
                                    "version this binary was built from");
  }
  return Verdict::Fail("no *_build_info, target_info or info family",
                       "export <service>_build_info{version=\"…\",revision=\"…\"} 1");
}


}  // namespace

const std::vector<CheckInfo>& MetricsChecks() {
  const std::string lint_remedy = "follow the Prometheus naming conventions; `probity lint-metrics` lists every finding";
  static const std::vector<CheckInfo> checks = {
      {"metrics.endpoint.reachable", Severity::kCritical, Level::kBronze,
       "metrics endpoint answers 200 within 1 s",
       "If the metrics endpoint does not answer, or answers too slowly for the scrape timeout, Prometheus records "
       "up == 0 and no samples: every dashboard and alert built on the service's metrics goes blank.",
       "serve /metrics (or configure endpoints.metrics) and keep it fast enough to scrape",
       {{"budget", K::kDuration, "1s", "slowest acceptable answer"}},
       {.metrics = true, .metrics_body = true}, CheckMetricsReachable},
      {"metrics.exposition.content_type", Severity::kCritical, Level::kBronze,
       "Content-Type is one Prometheus 3 accepts (text/plain version 0.0.4 or 1.0.0, "
       "application/openmetrics-text 0.0.1 or 1.0.0)",
       "Prometheus picks its parser from the Content-Type, and Prometheus 3 fails a scrape whose Content-Type it does "
       "not recognize unless the job sets a fallback protocol: the metrics stop being collected after an upgrade.",
       "serve text/plain; version=0.0.4; charset=utf-8", {},
       {.metrics = true}, CheckMetricsContentType},
      {"metrics.exposition.valid", Severity::kCritical, Level::kBronze,
       "the body parses under the text-format grammar: escaping, UTF-8, one HELP/TYPE per family before "
       "its samples, contiguous families, float and timestamp syntax",
       "Prometheus rejects the whole scrape when one line does not parse, not just that line: a single malformed "
       "sample makes every metric of the service disappear until it is fixed.",
       "use a maintained client library's serializer rather than writing the format by hand", {},
       {.metrics = true}, CheckExpositionValid},
      {"metrics.openmetrics.valid", Severity::kWarning, Level::kGold,
       "asked for OpenMetrics 1.0.0, an OpenMetrics answer obeys OpenMetrics (# EOF, metadata order, "
       "_total/_created, exemplars of at most 128 characters); a text/plain answer is skipped",
       "Prometheus asks for OpenMetrics first by default and parses it strictly: an answer that advertises "
       "OpenMetrics but breaks its rules (no # EOF, metadata out of order) fails the whole scrape, not just the "
       "broken family.",
       "fix the OpenMetrics serializer, or stop advertising application/openmetrics-text", {},
       {.metrics = true}, CheckOpenMetricsValid},
      {"metrics.series.unique", Severity::kCritical, Level::kSilver,
       "no name and label set appears twice",
       "Prometheus stores only the first sample of a name and label set in a scrape and counts the others as "
       "duplicate-timestamp errors: whatever the second instrument measured is silently lost.",
       "register each metric once and never emit the same label set twice", {},
       {.metrics = true}, CheckSeriesUnique},
      {"metrics.histogram.consistent", Severity::kCritical, Level::kSilver,
       "each histogram has +Inf, sorted unique le, cumulative non-decreasing buckets, +Inf = _count, "
       "_sum not NaN",
       "histogram_quantile() and heatmaps assume cumulative buckets that end in +Inf: a missing +Inf, unsorted le or "
       "decreasing counts give NaN or wrong percentiles, so latency SLOs and alerts on them are wrong.",
       "let the client library build histograms; never write buckets by hand", {},
       {.metrics = true}, CheckHistogramConsistent},
      {"metrics.counter.monotonic", Severity::kWarning, Level::kGold,
       "two scrapes apart, no counter decreased (unless process_start_time_seconds changed) and no series "
       "vanished",
       "rate() and increase() treat any decrease of a counter as a restart from zero: a counter that goes down while "
       "the process lives shows as a false spike, and a series that vanishes leaves gaps in graphs and alerts.",
       "never decrement or reset a counter while the process lives; use a gauge for values that go down",
       {{"delay", K::kDuration, "2s", "scan only: time between the two scrapes"}},
       {.metrics = true, .metrics_body = true}, CheckCounterMonotonic},
      {"metrics.cardinality.budget", Severity::kWarning, Level::kGold,
       "at most 10 000 series in total and 2 000 per family",
       "Every series costs Prometheus memory and index space and slows every query over its family: tens of thousands "
       "of series can exhaust the server, and a job with a sample_limit fails the whole scrape once it is exceeded.",
       "drop unbounded labels (ids, paths, user agents) and unused families",
       {{"max_series", K::kInt, "10000", "series budget for the whole exposition"},
        {"max_series_per_family", K::kInt, "2000", "series budget for one family"}},
       {.metrics = true}, CheckCardinalityBudget},
      {"metrics.lint.help", Severity::kWarning, Level::kGold, "every family has HELP (promlint)",
       "HELP is the only description of a metric that reaches its readers: query editors such as the Prometheus UI "
       "and Grafana show it next to the name, and without it whoever debugs an incident must guess what the number "
       "means.",
       lint_remedy, {},
       {.metrics = true}, CheckLintHelp},
      {"metrics.lint.counter_suffix", Severity::kWarning, Level::kGold,
       "counters end in _total, other types do not (promlint)",
       "rate() and increase() are only correct on counters, and dashboards and recording rules find counters by the "
       "_total suffix; a misnamed counter is graphed as a gauge and its resets go unnoticed.",
       lint_remedy, {},
       {.metrics = true}, CheckLintCounterSuffix},
      {"metrics.lint.units", Severity::kWarning, Level::kGold,
       "base units, no abbreviations (promlint units and abbreviations)",
       "Prometheus conventions use spelled-out base units (seconds, bytes) so that series compare and combine: a "
       "metric in milliseconds or with an abbreviated unit is misread, and sums, ratios and thresholds come out off "
       "by a factor such as 1000.",
       lint_remedy, {},
       {.metrics = true}, CheckLintUnits},
      {"metrics.lint.reserved", Severity::kWarning, Level::kGold,
       "no reserved suffixes or labels out of place, no type in the name, no ':', no __ labels (promlint)",
       "Prometheus reserves label names beginning with __ for internal use and colons for recording rules, and "
       "_count, _sum, _bucket, le and quantile mean histogram or summary parts: misused, they collide with real "
       "series and mislead queries and tools.",
       lint_remedy, {},
       {.metrics = true}, CheckLintReserved},
      {"metrics.lint.snake_case", Severity::kWarning, Level::kGold,
       "metric and label names are snake_case (promlint)",
       "PromQL names are case-sensitive and the Prometheus ecosystem names everything in snake_case: a camelCase "
       "metric or label is missed by queries and dashboards written by convention, and names that differ only in case "
       "split one signal in two.",
       lint_remedy, {},
       {.metrics = true}, CheckLintSnakeCase},
      {"metrics.red.requests", Severity::kCritical, Level::kSilver,
       "a request-rate series exists (*_requests_total, or the _count of a request-duration histogram)",
       "Request rate is the baseline every other service signal is read against: without a series of the service's "
       "own traffic there is no throughput graph, no error ratio to alert on, and no way to tell an idle service from "
       "a dead one.",
       "count requests: http_requests_total, or a http_server_request_duration_seconds histogram", {},
       {.metrics = true}, CheckRedRequests},
      {"metrics.red.errors", Severity::kCritical, Level::kSilver,
       "request metrics carry a status dimension (code, status, http_response_status_code, error_type) or "
       "an *_errors_total exists",
       "The error ratio is the usual SLO and the first alert of a service: if request metrics carry no status and no "
       "error counter exists, failing requests cannot be told from successful ones and an outage raises no alert.",
       "label request metrics with the status code", {},
       {.metrics = true}, CheckRedErrors},
      {"metrics.red.duration_histogram", Severity::kCritical, Level::kSilver,
       "request latency is a histogram in seconds (not a gauge, not milliseconds)",
       "Percentiles and latency SLOs can be aggregated across instances only from histogram buckets: a gauge keeps "
       "one value per scrape and loses the distribution, and milliseconds break dashboards and alerts that expect "
       "seconds.",
       "record latency with a histogram named *_duration_seconds", {},
       {.metrics = true}, CheckRedDurationHistogram},
      {"metrics.red.route_cardinality", Severity::kWarning, Level::kGold,
       "route/path label values are templates (no raw ids, numbers, UUIDs) and fewer than 200",
       "A label with raw paths creates a new series for every id or UUID requested: Prometheus memory grows without "
       "bound, queries slow down, and per-endpoint graphs cannot group the requests of one route.",
       "label with the route template (/orders/{id}), never the raw path",
       {{"max_routes", K::kInt, "200", "distinct route values that count as too many"}},
       {.metrics = true}, CheckRedRouteCardinality},
      {"metrics.saturation.present", Severity::kWarning, Level::kGold,
       "at least one saturation signal (in-flight requests, open fds vs max, threads/goroutines, pool or "
       "queue gauges)",
       "Saturation warns before latency and errors do: without in-flight, pool, queue or file-descriptor gauges, a "
       "service running out of capacity is noticed only once requests already fail or time out.",
       "export how full the service is: in-flight requests, pool and queue usage, open fds", {},
       {.metrics = true}, CheckSaturationPresent},
      {"metrics.process.standard", Severity::kWarning, Level::kSilver,
       "process_cpu_seconds_total, process_resident_memory_bytes, process_start_time_seconds",
       "Dashboards and alerts read CPU, memory and restarts from these standard series: without them a memory leak or "
       "a CPU-bound process is noticed only when it is killed, and restarts (and the counter resets they cause) go "
       "unseen.",
       "enable your client library's process collector", {},
       {.metrics = true}, CheckProcessStandard},
      {"metrics.build_info.present", Severity::kWarning, Level::kSilver,
       "a *_build_info (value 1, version label), target_info, or an OpenMetrics info family",
       "A build_info series tells which version runs where: without it a regression cannot be matched to the deploy "
       "that caused it, and dashboards cannot show or join the version during a rollout.",
       "export <service>_build_info{version=\"…\",revision=\"…\"} 1", {},
       {.metrics = true}, CheckBuildInfoPresent},
  };
  return checks;
}

}  // namespace probity

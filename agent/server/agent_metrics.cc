#include "server/agent_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <map>
#include <mutex>

#include "core/build_info.h"
#include "server/openmetrics_serializer.h"
#include "server/process_collector.h"

namespace probity {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

ClientMetric Sample(std::vector<ClientMetric::Label> labels, double value, MetricType type) {
  ClientMetric m;
  m.label = std::move(labels);
  if (type == MetricType::Counter) m.counter.value = value;
  else m.gauge.value = value;
  return m;
}

// The per-target families, for any number of reports. Without `details`
// they leave out the per-check and per-category families; without
// `all_levels` the level state set carries each target's own level only.
class TargetFamilies {
 public:
  explicit TargetFamilies(bool details = true, bool all_levels = true)
      : details_(details),
        all_levels_(all_levels),
        passed_{"probity_check_passed", "1 if the check passed, 0 if it failed or could not be evaluated; skipped checks are not exported.", MetricType::Gauge, {}},
        status_{"probity_check_status", "The current status of each check: 1 for the status it has (pass, fail, skip, error), 0 for the others.", MetricType::Gauge, {}},
        duration_{"probity_check_duration_seconds", "Time the last evaluation of the check took.", MetricType::Gauge, {}},
        score_{"probity_score_ratio", "Weighted share of the target's scored checks that passed (0..1).", MetricType::Gauge, {}},
        category_{"probity_category_score_ratio", "Weighted share of a category's scored checks that passed (0..1).", MetricType::Gauge, {}},
        level_{"probity_level", "The readiness level the target reached: 1 for its level (none, bronze, silver, gold), 0 for the others.", MetricType::Gauge, {}},
        critical_{"probity_critical_failures", "Number of critical checks that failed or could not be evaluated in the last run.", MetricType::Gauge, {}} {}

  void Add(const TargetReport& t) {
    std::vector<ClientMetric::Label> base{{"target", t.name}};
    for (const auto& [k, v] : t.labels) base.push_back({k, v});
    auto with = [&](std::initializer_list<ClientMetric::Label> extra) {
      std::vector<ClientMetric::Label> l = base;
      l.insert(l.end(), extra);
      return l;
    };
    if (details_) {
      for (const CheckResult& c : t.checks) {
        if (c.status != CheckStatus::kSkip) {
          passed_.metric.push_back(Sample(with({{"check", c.id}, {"category", c.category},
                                                {"severity", std::string(SeverityName(c.severity))}}),
                                          c.status == CheckStatus::kPass ? 1 : 0, MetricType::Gauge));
        }
        for (CheckStatus s : {CheckStatus::kPass, CheckStatus::kFail, CheckStatus::kSkip, CheckStatus::kError}) {
          status_.metric.push_back(Sample(with({{"check", c.id}, {"status", std::string(StatusName(s))}}),
                                          c.status == s ? 1 : 0, MetricType::Gauge));
        }
        duration_.metric.push_back(Sample(with({{"check", c.id}}), ToSeconds(c.duration), MetricType::Gauge));
      }
      for (const auto& [name, value] : t.categories) {
        category_.metric.push_back(Sample(with({{"category", name}}), value, MetricType::Gauge));
      }
    }
    score_.metric.push_back(Sample(base, t.score, MetricType::Gauge));
    for (Level l : {Level::kNone, Level::kBronze, Level::kSilver, Level::kGold}) {
      if (!all_levels_ && t.level != l) continue;
      level_.metric.push_back(Sample(with({{"level", std::string(LevelName(l))}}), t.level == l ? 1 : 0, MetricType::Gauge));
    }
    critical_.metric.push_back(Sample(base, t.critical_failures, MetricType::Gauge));
  }

  void AppendTo(std::vector<MetricFamily>* out) {
    for (MetricFamily* f : {&passed_, &status_, &duration_, &score_, &category_, &level_, &critical_}) {
      if (!f->metric.empty()) out->push_back(std::move(*f));
    }
  }

 private:
  const bool details_;
  const bool all_levels_;
  MetricFamily passed_, status_, duration_, score_, category_, level_, critical_;
};

}  // namespace

struct AgentMetrics::Impl {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  // The trace id of the last request per (handler, code): the counter's exemplar.
  std::map<std::pair<std::string, std::string>, std::string> last_trace;
  prometheus::Family<prometheus::Counter>& requests =
      prometheus::BuildCounter()
          .Name("probity_http_requests_total")
          .Help("Requests served by the agent's HTTP server, by handler and status code.")
          .Register(*registry);
  prometheus::Family<prometheus::Histogram>& latency =
      prometheus::BuildHistogram()
          .Name("probity_http_request_duration_seconds")
          .Help("Time the agent's HTTP server took to answer, by handler.")
          .Register(*registry);
  prometheus::Gauge& reload_ok = prometheus::BuildGauge()
                                     .Name("probity_config_last_reload_successful")
                                     .Help("1 if the last configuration load or reload succeeded, 0 if it failed.")
                                     .Register(*registry)
                                     .Add({});
  prometheus::Gauge& reload_time = prometheus::BuildGauge()
                                       .Name("probity_config_last_reload_success_timestamp_seconds")
                                       .Help("Time of the last successful configuration load, in seconds since the epoch.")
                                       .Register(*registry)
                                       .Add({});
  prometheus::Family<prometheus::Gauge>& sd_targets =
      prometheus::BuildGauge()
          .Name("probity_sd_discovered_targets")
          .Help("Targets service discovery finds now, by mechanism (file, http), before sharding.")
          .Register(*registry);
  prometheus::Family<prometheus::Counter>& sd_failures =
      prometheus::BuildCounter()
          .Name("probity_sd_refresh_failures_total")
          .Help("Service-discovery reads that failed (the source's last good targets were kept), by mechanism.")
          .Register(*registry);
  std::mutex mu;  // prometheus-cpp families are thread-safe; this guards Add() of new label sets
};

AgentMetrics::AgentMetrics() : impl_(std::make_unique<Impl>()) {
  prometheus::BuildGauge()
      .Name("probity_build_info")
      .Help("Always 1; the labels tell which Probity build is running.")
      .Register(*impl_->registry)
      .Add({{"version", kVersion}, {"revision", kRevision}})
      .Set(1);
}

AgentMetrics::~AgentMetrics() = default;

void AgentMetrics::ObserveRequest(const std::string& handler, int code, double seconds, const std::string& trace_id) {
  static const prometheus::Histogram::BucketBoundaries kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                                    0.25,  0.5,    1,     2.5,  5,    10};
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->requests.Add({{"handler", handler}, {"code", std::to_string(code)}}).Increment();
  impl_->latency.Add({{"handler", handler}}, kBuckets).Observe(seconds);
  if (!trace_id.empty()) impl_->last_trace[{handler, std::to_string(code)}] = trace_id;
}

void AgentMetrics::SetConfigReload(bool ok, WallTime when) {
  impl_->reload_ok.Set(ok ? 1 : 0);
  if (ok) impl_->reload_time.Set(std::chrono::duration<double>(when.time_since_epoch()).count());
}

void AgentMetrics::SetDiscovered(const std::map<std::string, std::size_t>& targets) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  for (const char* mechanism : {"file", "http"}) {
    const auto t = targets.find(mechanism);
    impl_->sd_targets.Add({{"mechanism", mechanism}}).Set(t == targets.end() ? 0 : static_cast<double>(t->second));
    impl_->sd_failures.Add({{"mechanism", mechanism}});  // present from the start, at 0
  }
}

void AgentMetrics::CountDiscoveryFailures(const std::string& mechanism, std::uint64_t failed) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->sd_failures.Add({{"mechanism", mechanism}}).Increment(static_cast<double>(failed));
}

std::string AgentMetrics::Exposition(const ResultStore& store, bool openmetrics) const {
  std::vector<MetricFamily> families;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    families = impl_->registry->Collect();
  }
  for (MetricFamily& f : CollectProcessMetrics()) families.push_back(std::move(f));
  const Report report = store.Snapshot();
  // Each family stays within the limit: the per-check families (four
  // status series per check) and the per-category scores come as a whole or
  // not at all; the level state set shrinks to each target's own level.
  std::size_t checks = 0, categories = 0;
  for (const TargetReport& t : report.targets) {
    checks += t.checks.size();
    categories += t.categories.size();
  }
  const auto limit = static_cast<std::size_t>(check_series_limit_.load());
  TargetFamilies targets(std::max(4 * checks, categories) <= limit, 4 * report.targets.size() <= limit);
  for (const TargetReport& t : report.targets) targets.Add(t);
  targets.AppendTo(&families);

  MetricFamily last_run{"probity_last_run_timestamp_seconds", "End of the target's last completed run, in seconds since the epoch.", MetricType::Gauge, {}};
  for (const auto& [name, when] : store.LastRunEnd()) {
    last_run.metric.push_back(Sample({{"target", name}}, std::chrono::duration<double>(when.time_since_epoch()).count(), MetricType::Gauge));
  }
  if (!last_run.metric.empty()) families.push_back(std::move(last_run));
  MetricFamily runs{"probity_runs_total", "Completed runs per target; result is error when some check could not be evaluated.", MetricType::Counter, {}};
  for (const auto& [name, counts] : store.Runs()) {
    runs.metric.push_back(Sample({{"target", name}, {"result", "ok"}}, static_cast<double>(counts.ok), MetricType::Counter));
    runs.metric.push_back(Sample({{"target", name}, {"result", "error"}}, static_cast<double>(counts.error), MetricType::Counter));
  }
  if (!runs.metric.empty()) families.push_back(std::move(runs));
  if (!openmetrics) return prometheus::TextSerializer().Serialize(families);
  std::lock_guard<std::mutex> lock(impl_->mu);
  return SerializeOpenMetrics(families, [this](const std::string& family,
                                               const std::vector<prometheus::ClientMetric::Label>& labels) {
    if (family != "probity_http_requests_total") return std::string();
    std::string handler, code;
    for (const auto& l : labels) {
      if (l.name == "handler") handler = l.value;
      if (l.name == "code") code = l.value;
    }
    auto it = impl_->last_trace.find({handler, code});
    return it == impl_->last_trace.end() ? std::string() : "{trace_id=\"" + it->second + "\"} 1";
  });
}

std::string AgentMetrics::TargetExposition(const TargetReport& report, bool openmetrics) {
  TargetFamilies targets;
  targets.Add(report);
  std::vector<MetricFamily> families;
  targets.AppendTo(&families);
  return openmetrics ? SerializeOpenMetrics(families) : prometheus::TextSerializer().Serialize(families);
}

}  // namespace probity

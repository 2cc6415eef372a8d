#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <cstdint>
#include <string>

#include "core/clock.h"
#include "report/report.h"
#include "runner/results.h"

namespace probity {

inline constexpr char kTextContentType[] = "text/plain; version=0.0.4; charset=utf-8";

// The agent's own metrics (PRODUCT.md's table) in Prometheus text format
// 0.0.4. prometheus-cpp stays behind this class. Thread-safe.
class AgentMetrics {
 public:
  AgentMetrics();
  ~AgentMetrics();

  // The agent's HTTP server: handler is one of the agent's routes or "other".
  // The trace id becomes the OpenMetrics exemplar of the request counter.
  void ObserveRequest(const std::string& handler, int code, double seconds, const std::string& trace_id = "");
  void SetConfigReload(bool ok, WallTime when);
  // Service discovery: the targets each mechanism ("file", "http") finds now;
  // `failed` more reads of that mechanism failed.
  void SetDiscovered(const std::map<std::string, std::size_t>& targets);
  void CountDiscoveryFailures(const std::string& mechanism, std::uint64_t failed);
  // global.check_series_limit: past it, /metrics leaves the per-check detail
  // to /probe (see Exposition).
  void SetCheckSeriesLimit(int limit) { check_series_limit_ = limit; }

  // Everything: build info, reload state, HTTP server, process_*, and the
  // per-target families built from the store's latest results.
  // `openmetrics` picks OpenMetrics 1.0 text instead of text 0.0.4.
  std::string Exposition(const ResultStore& store, bool openmetrics = false) const;

  // Only the per-target families of one report (what /probe returns).
  static std::string TargetExposition(const TargetReport& report, bool openmetrics = false);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::atomic<int> check_series_limit_{2000};
};

}  // namespace probity

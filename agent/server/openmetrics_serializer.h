#pragma once

#include <functional>
#include <string>
#include <vector>

#include <prometheus/client_metric.h>
#include <prometheus/metric_family.h>

namespace probity {

inline constexpr char kOpenMetricsContentType[] = "application/openmetrics-text; version=1.0.0; charset=utf-8";

// Writes metric families as OpenMetrics 1.0 text: counter families named
// without _total (their samples carry it), histograms as _bucket/_count/_sum,
// shortest round-trip numbers, and the closing "# EOF".
// `exemplar_for`, when given, may return an exemplar for a counter sample
// ("{trace_id=\"…\"} 1"), written after the value.
using ExemplarFor =
    std::function<std::string(const std::string& family, const std::vector<prometheus::ClientMetric::Label>& labels)>;
std::string SerializeOpenMetrics(const std::vector<prometheus::MetricFamily>& families,
                                 const ExemplarFor& exemplar_for = nullptr);

// True when an Accept header asks for OpenMetrics (as Prometheus's does).
bool WantsOpenMetrics(const std::string& accept);

}  // namespace probity

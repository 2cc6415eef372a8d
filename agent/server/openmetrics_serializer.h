#pragma once

#include <string>
#include <vector>

namespace prometheus {
struct MetricFamily;
}

namespace probity {

inline constexpr char kOpenMetricsContentType[] = "application/openmetrics-text; version=1.0.0; charset=utf-8";

// Writes metric families as OpenMetrics 1.0 text: counter families named
// without _total (their samples carry it), histograms as _bucket/_count/_sum,
// shortest round-trip numbers, and the closing "# EOF".
std::string SerializeOpenMetrics(const std::vector<prometheus::MetricFamily>& families);

// True when an Accept header asks for OpenMetrics (as Prometheus's does).
bool WantsOpenMetrics(const std::string& accept);

}  // namespace probity

#pragma once

#include <string_view>
#include <vector>

#include "checks/check.h"

namespace probity {

// The `metrics` category of CHECKS.md, defined in metrics_checks.cc. All of
// them read one scrape of the metrics endpoint per run (text format, as
// promtool reads it) and its analysis (checks/metrics_facts.h);
// metrics.openmetrics.valid asks a second time for OpenMetrics.
const std::vector<CheckInfo>& MetricsChecks();

// True when a route label value looks like a raw id rather than a template:
// a path segment of digits, a UUID, or a long hex string.
bool LooksLikeRawId(std::string_view route_value);

// The Accept header Prometheus sends: OpenMetrics first, text as fallback.
inline constexpr char kOpenMetricsAccept[] =
    "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
    "text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
inline constexpr char kTextAccept[] = "text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

}  // namespace probity

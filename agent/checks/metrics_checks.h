#pragma once

#include "checks/check.h"

namespace probity {

// The `metrics` category of CHECKS.md. All of them read one shared scrape of
// the metrics endpoint per run (text format, as promtool reads it) and its
// analysis; metrics.openmetrics.valid asks a second time for OpenMetrics.
Verdict CheckMetricsReachable(ProbeContext& ctx, const CheckParams& params);        // metrics.endpoint.reachable
Verdict CheckMetricsContentType(ProbeContext& ctx, const CheckParams& params);      // metrics.exposition.content_type
Verdict CheckExpositionValid(ProbeContext& ctx, const CheckParams& params);         // metrics.exposition.valid
Verdict CheckOpenMetricsValid(ProbeContext& ctx, const CheckParams& params);        // metrics.openmetrics.valid
Verdict CheckSeriesUnique(ProbeContext& ctx, const CheckParams& params);            // metrics.series.unique
Verdict CheckHistogramConsistent(ProbeContext& ctx, const CheckParams& params);     // metrics.histogram.consistent
Verdict CheckCounterMonotonic(ProbeContext& ctx, const CheckParams& params);        // metrics.counter.monotonic
Verdict CheckCardinalityBudget(ProbeContext& ctx, const CheckParams& params);       // metrics.cardinality.budget
Verdict CheckLintHelp(ProbeContext& ctx, const CheckParams& params);                // metrics.lint.help
Verdict CheckLintCounterSuffix(ProbeContext& ctx, const CheckParams& params);       // metrics.lint.counter_suffix
Verdict CheckLintUnits(ProbeContext& ctx, const CheckParams& params);               // metrics.lint.units
Verdict CheckLintReserved(ProbeContext& ctx, const CheckParams& params);            // metrics.lint.reserved
Verdict CheckLintSnakeCase(ProbeContext& ctx, const CheckParams& params);           // metrics.lint.snake_case
Verdict CheckRedRequests(ProbeContext& ctx, const CheckParams& params);             // metrics.red.requests
Verdict CheckRedErrors(ProbeContext& ctx, const CheckParams& params);               // metrics.red.errors
Verdict CheckRedDurationHistogram(ProbeContext& ctx, const CheckParams& params);    // metrics.red.duration_histogram
Verdict CheckRedRouteCardinality(ProbeContext& ctx, const CheckParams& params);     // metrics.red.route_cardinality
Verdict CheckSaturationPresent(ProbeContext& ctx, const CheckParams& params);       // metrics.saturation.present
Verdict CheckProcessStandard(ProbeContext& ctx, const CheckParams& params);         // metrics.process.standard
Verdict CheckBuildInfoPresent(ProbeContext& ctx, const CheckParams& params);        // metrics.build_info.present
Verdict CheckExemplarsTraceId(ProbeContext& ctx, const CheckParams& params);        // tracing.exemplars.trace_id

// After the last metrics check of a run: the scrapes' bodies are let go
// (their analyses stay for the tracing checks, which read no body).
void ReleaseMetricsBodies(ProbeContext& ctx);

// True when a route label value looks like a raw id rather than a template:
// a path segment of digits, a UUID, or a long hex string.
bool LooksLikeRawId(std::string_view route_value);

// The Accept header Prometheus sends: OpenMetrics first, text as fallback.
inline constexpr char kOpenMetricsAccept[] =
    "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
    "text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
inline constexpr char kTextAccept[] = "text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

}  // namespace probity

#pragma once

#include "checks/check.h"

namespace probity {

// The `logs` category of CHECKS.md. All of them read one sample of the
// configured log source per run; without a source they are skipped, and
// when the source cannot be read only logs.source.reachable fails.
Verdict CheckLogsSourceReachable(ProbeContext& ctx, const CheckParams& params);   // logs.source.reachable
Verdict CheckLogsParseable(ProbeContext& ctx, const CheckParams& params);         // logs.structured.parseable
Verdict CheckLogsTimestamp(ProbeContext& ctx, const CheckParams& params);         // logs.fields.timestamp
Verdict CheckLogsLevel(ProbeContext& ctx, const CheckParams& params);             // logs.fields.level
Verdict CheckLogsService(ProbeContext& ctx, const CheckParams& params);           // logs.fields.service
Verdict CheckLogsTraceId(ProbeContext& ctx, const CheckParams& params);           // logs.fields.trace_id
Verdict CheckLogsFreshness(ProbeContext& ctx, const CheckParams& params);          // logs.freshness
Verdict CheckLogsSecrets(ProbeContext& ctx, const CheckParams& params);           // logs.secrets.none
Verdict CheckLogsPii(ProbeContext& ctx, const CheckParams& params);               // logs.pii.none
Verdict CheckLogsErrorRatio(ProbeContext& ctx, const CheckParams& params);        // logs.errors.ratio

// The `tracing` category: one request with a fresh traceparent and
// X-Request-ID (and one with an invalid traceparent before it), then the
// log source is polled for the ids. tracing.exemplars.trace_id reads the
// OpenMetrics scrape and lives with the metrics checks.
Verdict CheckTraceparentPropagated(ProbeContext& ctx, const CheckParams& params);  // tracing.traceparent.propagated
Verdict CheckRequestIdPropagated(ProbeContext& ctx, const CheckParams& params);    // tracing.request_id.propagated
Verdict CheckInvalidTraceparentIgnored(ProbeContext& ctx, const CheckParams& params);  // tracing.traceparent.invalid_ignored

}  // namespace probity

#pragma once

#include "checks/check.h"

namespace probity {

// The `health` category of CHECKS.md. Each reads the target's liveness and
// readiness endpoints through the ProbeContext (one shared GET per endpoint
// per run, plus the extra requests a check needs) and never throws.
Verdict CheckLivenessReachable(ProbeContext& ctx, const CheckParams& params);   // health.liveness.reachable
Verdict CheckReadinessReachable(ProbeContext& ctx, const CheckParams& params);  // health.readiness.reachable
Verdict CheckStatusConsistent(ProbeContext& ctx, const CheckParams& params);    // health.status.consistent
Verdict CheckLivenessIndependent(ProbeContext& ctx, const CheckParams& params); // health.liveness.independent
Verdict CheckLatencyBudget(ProbeContext& ctx, const CheckParams& params);       // health.latency.budget
Verdict CheckFormatRecognized(ProbeContext& ctx, const CheckParams& params);    // health.format.recognized
Verdict CheckDetailsSafe(ProbeContext& ctx, const CheckParams& params);         // health.details.safe

// After the last health check of a run: the health bodies (and what was
// parsed from them) are let go; no other category reads them.
void ReleaseHealthBodies(ProbeContext& ctx);

// True when a component name or type looks like a downstream dependency
// (database, cache, queue, external service) rather than the process itself.
bool IsDownstreamDependency(const std::string& name, const std::string& type,
                            const std::vector<std::string>& extra_names);

}  // namespace probity

#pragma once

#include <string>
#include <vector>

#include "checks/check.h"

namespace probity {

// The `health` category of CHECKS.md, defined in health_checks.cc. Each
// reads the target's liveness and readiness endpoints through the
// ProbeContext (one shared GET per endpoint per run, plus the extra requests
// a check needs) and never throws.
const std::vector<CheckInfo>& HealthChecks();

// True when a component name or type looks like a downstream dependency
// (database, cache, queue, external service) rather than the process itself.
bool IsDownstreamDependency(const std::string& name, const std::string& type,
                            const std::vector<std::string>& extra_names);

}  // namespace probity

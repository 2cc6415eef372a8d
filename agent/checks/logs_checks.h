#pragma once

#include <vector>

#include "checks/check.h"

namespace probity {

// The `logs` category of CHECKS.md, defined in logs_checks.cc. All of them
// read one sample of the configured log source per run; without a source
// they are skipped, and when the source cannot be read only
// logs.source.reachable fails.
const std::vector<CheckInfo>& LogsChecks();

}  // namespace probity

#pragma once

#include <vector>

#include "checks/check.h"

namespace probity {

// The `tracing` category of CHECKS.md, defined in tracing_checks.cc: one
// request with a fresh traceparent and X-Request-ID (and one with an invalid
// traceparent before it), then the log source is polled for the ids; the
// exemplars check reads the OpenMetrics scrape.
const std::vector<CheckInfo>& TracingChecks();

}  // namespace probity

#pragma once

#include <string>
#include <vector>

#include "checks/context.h"
#include "runner/target.h"

namespace probity {

// Candidate paths per endpoint kind, in PRODUCT.md's order.
const std::vector<std::string>& LivenessCandidates();
const std::vector<std::string>& ReadinessCandidates();
const std::vector<std::string>& MetricsCandidates();
const std::vector<std::string>& OpenApiCandidates();

// Which endpoint kinds checks with these needs read.
struct NeededEndpoints {
  bool liveness = false;
  bool readiness = false;
  bool metrics = false;
  bool openapi = false;
};
NeededEndpoints EndpointsNeededBy(const Needs& needs);

// Resolves the target's endpoints: configured ones as given (relative to the
// target URL), missing ones by trying the candidates in order. Before the
// first candidate, a random path that cannot exist is asked for; a candidate
// counts only if it answers (any HTTP status but 404, 405, 410 or 501) and
// answers differently from that path (status, media type, or body once the
// path and digits are set aside), so a landing page, an SPA fallback or a
// catch-all 200 is "no such endpoint". Responses are left in the context's
// memo so checks do not ask again. When the target cannot be reached at all,
// discovery stops at the first request and every endpoint carries that error,
// so the run costs one timeout, not many.
Endpoints DiscoverEndpoints(const TargetSpec& target, const NeededEndpoints& needed, ProbeContext& ctx);

}  // namespace probity

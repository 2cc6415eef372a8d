#include "runner/discovery.h"

#include "http/url.h"

namespace probity {

const std::vector<std::string>& LivenessCandidates() {
  static const std::vector<std::string> v = {"/livez", "/healthz", "/health/live", "/actuator/health/liveness",
                                             "/-/healthy", "/health"};
  return v;
}
const std::vector<std::string>& ReadinessCandidates() {
  static const std::vector<std::string> v = {"/readyz", "/health/ready", "/actuator/health/readiness", "/-/ready",
                                             "/ready"};
  return v;
}
const std::vector<std::string>& MetricsCandidates() {
  static const std::vector<std::string> v = {"/metrics", "/actuator/prometheus", "/q/metrics"};
  return v;
}
const std::vector<std::string>& OpenApiCandidates() {
  static const std::vector<std::string> v = {"/openapi.json", "/v3/api-docs", "/swagger.json", "/openapi.yaml"};
  return v;
}

NeededEndpoints EndpointsNeededBy(const CheckPlan& plan) {
  NeededEndpoints needed;
  for (const PlannedCheck& p : plan) {
    if (p.info->category == "health") needed.liveness = needed.readiness = true;
    if (p.info->category == "metrics") needed.metrics = true;
    if (p.info->category == "api") needed.openapi = true;
    if (p.info->category == "tracing") {
      // The traced request goes to readiness (liveness when there is none);
      // exemplars come with the metrics.
      needed.liveness = needed.readiness = true;
      if (p.info->id == "tracing.exemplars.trace_id") needed.metrics = true;
    }
  }
  return needed;
}

namespace {

bool Answers(int status) { return status != 404 && status != 405 && status != 410 && status != 501; }

}  // namespace

Endpoints DiscoverEndpoints(const TargetSpec& target, const NeededEndpoints& needed, ProbeContext& ctx) {
  Endpoints out;
  StatusOr<Url> base = ParseUrl(target.url);
  if (!base.ok()) {
    for (Endpoint* e : {&out.liveness, &out.readiness, &out.metrics, &out.openapi}) {
      e->missing_reason = "target URL is invalid: " + base.status().message();
    }
    return out;
  }
  std::optional<Status> unreachable;
  const struct {
    const char* key;
    bool needed;
    const std::optional<std::string>& configured;
    const std::vector<std::string>& candidates;
    Endpoint* endpoint;
  } kinds[] = {
      {"liveness", needed.liveness, target.endpoints.liveness, LivenessCandidates(), &out.liveness},
      {"readiness", needed.readiness, target.endpoints.readiness, ReadinessCandidates(), &out.readiness},
      {"metrics", needed.metrics, target.endpoints.metrics, MetricsCandidates(), &out.metrics},
      {"openapi", needed.openapi, target.endpoints.openapi, OpenApiCandidates(), &out.openapi},
  };
  for (const auto& kind : kinds) {
    if (kind.configured) {
      kind.endpoint->url = ResolveEndpoint(*base, *kind.configured);
      continue;
    }
    if (!kind.needed) continue;
    if (!target.discover) {
      kind.endpoint->missing_reason =
          std::string("endpoints.") + kind.key + " is not configured and discovery is off";
      continue;
    }
    if (unreachable) {
      kind.endpoint->url = ResolveEndpoint(*base, kind.candidates.front());
      kind.endpoint->discovered = true;
      ctx.Remember(kind.endpoint->url, *unreachable);
      continue;
    }
    std::string tried;
    for (const std::string& path : kind.candidates) {
      const std::string url = ResolveEndpoint(*base, path);
      const StatusOr<HttpResponse>& r = ctx.Get(url);
      if (!r.ok()) {
        unreachable = r.status();
        kind.endpoint->url = url;
        kind.endpoint->discovered = true;
        break;
      }
      if (Answers(r->status)) {
        kind.endpoint->url = url;
        kind.endpoint->discovered = true;
        break;
      }
      tried += (tried.empty() ? "" : ", ") + path + " " + std::to_string(r->status);
    }
    if (!kind.endpoint->found()) {
      kind.endpoint->missing_reason = "none of the conventional paths answered (" + tried +
                                      "); set endpoints." + kind.key + " if it lives elsewhere";
    }
  }
  return out;
}

}  // namespace probity

#include "runner/discovery.h"

#include <algorithm>
#include <optional>

#include "core/trace_context.h"
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

NeededEndpoints EndpointsNeededBy(const Needs& needs) {
  NeededEndpoints e;
  // The traced request goes to readiness, or liveness when there is none.
  e.liveness = needs.liveness || needs.traced_request;
  e.readiness = needs.readiness || needs.traced_request;
  e.metrics = needs.metrics || needs.metrics_body;
  e.openapi = needs.openapi;
  return e;
}

namespace {

bool Answers(int status) { return status != 404 && status != 405 && status != 410 && status != 501; }

// A body as compared with another path's: the requested path and every run of
// digits (clocks, counters, request ids) stand for themselves no longer.
std::string Normalized(std::string_view body, std::string_view path) {
  std::string out;
  out.reserve(std::min<std::size_t>(body.size(), 64 * 1024));
  for (std::size_t i = 0; i < body.size() && out.size() < 64 * 1024;) {
    if (!path.empty() && body.compare(i, path.size(), path) == 0) {
      out += "{path}";
      i += path.size();
    } else if (body[i] >= '0' && body[i] <= '9') {
      out += '0';
      while (i < body.size() && body[i] >= '0' && body[i] <= '9') ++i;
    } else {
      out += body[i++];
    }
  }
  return out;
}

// What the target answers for a path that cannot exist. A candidate that
// answers the same (a landing page, an SPA fallback, a catch-all 200) is not
// an endpoint of its own.
struct Yardstick {
  std::string path;
  int status = 0;
  std::string media_type;
  std::string body;  // Normalized
};

bool AnswersLike(const Yardstick& y, const HttpResponse& r, std::string_view path) {
  return r.status == y.status && r.MediaType() == y.media_type && Normalized(r.body, path) == y.body;
}

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
  std::optional<Yardstick> yardstick;
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
    if (!unreachable && !yardstick) {
      const std::string path = "/probity-no-such-path-" + NewRequestId();
      const std::string url = ResolveEndpoint(*base, path);
      const StatusOr<HttpResponse>& r = ctx.Get(url);
      if (r.ok()) {
        yardstick = Yardstick{path, r->status, r->MediaType(), Normalized(r->body, ParseUrl(url)->target)};
      } else {
        unreachable = r.status();
      }
    }
    if (unreachable) {
      kind.endpoint->url = ResolveEndpoint(*base, kind.candidates.front());
      kind.endpoint->discovered = true;
      ctx.Remember(kind.endpoint->url, *unreachable);
      continue;
    }
    std::string tried;
    int like_nothing = 0;
    for (const std::string& path : kind.candidates) {
      const std::string url = ResolveEndpoint(*base, path);
      const StatusOr<HttpResponse>& r = ctx.Get(url);
      if (!r.ok()) {
        unreachable = r.status();
        kind.endpoint->url = url;
        kind.endpoint->discovered = true;
        break;
      }
      if (Answers(r->status) && !AnswersLike(*yardstick, *r, ParseUrl(url)->target)) {
        kind.endpoint->url = url;
        kind.endpoint->discovered = true;
        break;
      }
      if (Answers(r->status)) ++like_nothing;
      tried += (tried.empty() ? "" : ", ") + path + " " + std::to_string(r->status);
    }
    if (!kind.endpoint->found()) {
      std::string why = "none of the conventional paths answered (" + tried + ")";
      if (like_nothing > 0) {
        why = "no conventional path answered differently from a path that cannot exist (" + tried +
              ", and " + std::to_string(yardstick->status) + " for " + yardstick->path.substr(0, 22) +
              "…: a landing page or catch-all)";
      }
      kind.endpoint->missing_reason = why + "; set endpoints." + kind.key + " if it lives elsewhere";
    }
  }
  return out;
}

}  // namespace probity

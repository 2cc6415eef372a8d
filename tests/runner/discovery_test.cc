#include <catch2/catch.hpp>

#include "runner/discovery.h"
#include "runner/probe.h"
#include "support/fake_http_client.h"

using namespace probity;
using namespace probity::testing;

namespace {

TargetSpec Target(const std::string& url = "http://svc:80") {
  TargetSpec t = TargetForUrl(url, GlobalConfig{});
  return t;
}

NeededEndpoints All() { return NeededEndpoints{true, true, true, true}; }

}  // namespace

TEST_CASE("Discovery takes the first conventional path that answers", "[runner]") {
  FakeClock clock;
  FakeHttpClient http(clock);
  http.On("http://svc:80/healthz", 200, "text/plain", "ok");
  http.On("http://svc:80/health", 200, "text/plain", "ok");
  http.On("http://svc:80/-/ready", 503, "text/plain", "not ready");
  http.On("http://svc:80/actuator/prometheus", 200, "text/plain", "");
  TargetSpec t = Target();
  ProbeContext ctx(http, t.http, clock);
  Endpoints e = DiscoverEndpoints(t, All(), ctx);
  CHECK(e.liveness.url == "http://svc:80/healthz");
  CHECK(e.liveness.discovered);
  CHECK(e.readiness.url == "http://svc:80/-/ready");  // a 503 answers: it exists
  CHECK(e.metrics.url == "http://svc:80/actuator/prometheus");
  CHECK_FALSE(e.openapi.found());
  CHECK(e.openapi.missing_reason.find("/openapi.json 404") != std::string::npos);
  // Checks reuse what discovery fetched.
  ctx.Get("http://svc:80/healthz");
  CHECK(http.CountFor("http://svc:80/healthz") == 1);
}

TEST_CASE("Discovery follows PRODUCT.md's order", "[runner]") {
  CHECK(LivenessCandidates() == std::vector<std::string>{"/livez", "/healthz", "/health/live", "/actuator/health/liveness", "/-/healthy", "/health"});
  CHECK(ReadinessCandidates() == std::vector<std::string>{"/readyz", "/health/ready", "/actuator/health/readiness", "/-/ready", "/ready"});
  CHECK(MetricsCandidates() == std::vector<std::string>{"/metrics", "/actuator/prometheus", "/q/metrics"});
  CHECK(OpenApiCandidates() == std::vector<std::string>{"/openapi.json", "/v3/api-docs", "/swagger.json", "/openapi.yaml"});
}

TEST_CASE("Configured endpoints are used as given, relative to the target's path", "[runner]") {
  FakeClock clock;
  FakeHttpClient http(clock);
  TargetSpec t = Target("http://svc:80/api/");
  t.endpoints.liveness = "/live";
  t.endpoints.readiness = "http://other:81/ready";
  ProbeContext ctx(http, t.http, clock);
  Endpoints e = DiscoverEndpoints(t, All(), ctx);
  CHECK(e.liveness.url == "http://svc:80/api/live");
  CHECK_FALSE(e.liveness.discovered);
  CHECK(e.readiness.url == "http://other:81/ready");
}

TEST_CASE("An unreachable target costs one request, not one per candidate", "[runner]") {
  FakeClock clock;
  FakeHttpClient http(clock);
  http.FailAnyOther("no complete answer within the 5s timeout");
  TargetSpec t = Target();
  ProbeContext ctx(http, t.http, clock);
  Endpoints e = DiscoverEndpoints(t, All(), ctx);
  CHECK(http.requests().size() == 1);
  CHECK(e.readiness.url == "http://svc:80/readyz");
  CHECK_FALSE(ctx.Get(e.readiness.url).ok());
  CHECK(http.requests().size() == 1);
}

TEST_CASE("Discovery off leaves unconfigured endpoints missing with a reason", "[runner]") {
  FakeClock clock;
  FakeHttpClient http(clock);
  TargetSpec t = Target();
  t.discover = false;
  ProbeContext ctx(http, t.http, clock);
  Endpoints e = DiscoverEndpoints(t, All(), ctx);
  CHECK(e.liveness.missing_reason == "endpoints.liveness is not configured and discovery is off");
  CHECK(http.requests().empty());
}

TEST_CASE("A probe of an unreachable target errors every check but stays quick", "[runner]") {
  FakeClock clock;
  FakeHttpClient http(clock);
  http.FailAnyOther("connection failed: refused");
  TargetReport r = ProbeTarget(Target(), http, clock, Severity::kCritical);
  CHECK(http.requests().size() == 1);
  CHECK_FALSE(r.ready);
  CHECK(r.score == 0);
  for (const CheckResult& c : r.checks) {
    INFO(c.id);
    // No log source, no Prometheus configured, plain HTTP: nothing to look at.
    if (c.category == "logs" || c.category == "monitoring" || c.category == "tls") {
      CHECK(c.status == CheckStatus::kSkip);
      continue;
    }
    CHECK(c.status == CheckStatus::kError);
    CHECK_FALSE(c.remedy.empty());
  }
}

TEST_CASE("A catch-all 200 is no endpoint: candidates must answer unlike a path that cannot exist", "[runner]") {
  FakeClock clock;
  FakeHttpClient http(clock);
  // An exporter's landing page (or an SPA fallback) on every path.
  const std::string landing = "<html><head><title>Node Exporter</title></head><body>Metrics</body></html>";
  http.OnAnyOther(200, "text/html", landing);
  http.On("http://svc:80/metrics", 200, "text/plain; version=0.0.4", "up 1\n");
  // A real health endpoint behind the same catch-all differs from it.
  http.On("http://svc:80/-/healthy", 200, "text/html", "Healthy");
  TargetSpec t = Target();
  ProbeContext ctx(http, t.http, clock);
  Endpoints e = DiscoverEndpoints(t, All(), ctx);
  CHECK(e.liveness.url == "http://svc:80/-/healthy");
  CHECK(e.metrics.url == "http://svc:80/metrics");
  CHECK_FALSE(e.readiness.found());
  CHECK(e.readiness.missing_reason.find("no conventional path answered differently from a path that cannot exist") ==
        0);
  CHECK(e.readiness.missing_reason.find("/readyz 200") != std::string::npos);
  CHECK(e.readiness.missing_reason.find("a landing page or catch-all") != std::string::npos);
  // The random path was asked for once, before the first candidate.
  const auto requests = http.requests();
  REQUIRE_FALSE(requests.empty());
  CHECK(requests.front().url.find("http://svc:80/probity-no-such-path-") == 0);
}

TEST_CASE("A catch-all page that shows a clock still answers like nothing", "[runner]") {
  FakeClock clock;
  FakeHttpClient http(clock);
  http.OnAnyOther(200, "text/html", "<p>page rendered at 1700000000.125</p>");
  // It differs from the random path's answer only in digits.
  http.On("http://svc:80/livez", 200, "text/html", "<p>page rendered at 1700000042.5</p>");
  TargetSpec t = Target();
  ProbeContext ctx(http, t.http, clock);
  Endpoints e = DiscoverEndpoints(t, All(), ctx);
  CHECK_FALSE(e.liveness.found());
}

TEST_CASE("A run scrapes its metrics twice, text and OpenMetrics, however many checks read them", "[runner]") {
  // The scrapes' bodies go after the last metrics check; what the tracing
  // check reads after that (their analyses) stays, without a third scrape.
  FakeClock clock;
  FakeHttpClient http(clock);
  http.On("http://svc:80/metrics", 200, "application/openmetrics-text; version=1.0.0",
          "# TYPE http_requests counter\n# HELP http_requests Requests served.\n"
          "http_requests_total{code=\"200\"} 3 # {trace_id=\"4bf92f3577b34da6a3ce929d0e0e4736\"} 1\n# EOF\n");
  TargetSpec t = Target();
  t.endpoints.metrics = "/metrics";
  TargetMemory memory;
  TargetReport r = ProbeTarget(t, http, clock, Severity::kCritical, &memory);
  CHECK(http.CountFor("http://svc:80/metrics") == 2);
  const auto exemplars = std::find_if(r.checks.begin(), r.checks.end(),
                                      [](const CheckResult& c) { return c.id == "tracing.exemplars.trace_id"; });
  REQUIRE(exemplars != r.checks.end());
  CHECK(exemplars->status == CheckStatus::kPass);
  CHECK(exemplars->detail == "1 exemplars on http_requests carry trace_id");
}

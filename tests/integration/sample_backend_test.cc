#include <catch2/catch.hpp>

#include "http/httplib_client.h"
#include "runner/probe.h"
#include "support/process.h"

using namespace probity;
using namespace probity::testing;

namespace {

TargetReport Probe(const std::vector<std::string>& backend_args) {
  SampleBackend backend(backend_args);
  TargetSpec spec = TargetForUrl(backend.url(), GlobalConfig{});
  HttplibClient http;
  return ProbeTarget(spec, http, SystemClock::Instance(), Severity::kCritical);
}

const CheckResult& Find(const TargetReport& r, const std::string& id) {
  for (const CheckResult& c : r.checks) {
    if (c.id == id) return c;
  }
  throw std::runtime_error("no result for " + id);
}

}  // namespace

TEST_CASE("A healthy sample backend passes every health check over a real socket", "[integration]") {
  for (const std::string format : {"healthjson", "spring", "k8s"}) {
    INFO(format);
    TargetReport r = Probe({"--health-format", format});
    for (const CheckResult& c : r.checks) {
      INFO(c.id << ": " << c.detail);
      CHECK(c.status == CheckStatus::kPass);
    }
    CHECK(r.level == Level::kGold);
    CHECK(r.score == 1.0);
    CHECK(r.ready);
  }
}

TEST_CASE("Each sample backend fault fails its check over a real socket", "[integration]") {
  struct Case {
    std::vector<std::string> args;
    std::string check;
    std::string detail_part;
  };
  const std::vector<Case> cases = {
      {{"--fault", "no-liveness"}, "health.liveness.reachable", "no liveness endpoint"},
      {{"--fault", "liveness-500"}, "health.liveness.reachable", "answered 500"},
      {{"--fault", "flaky-liveness"}, "health.liveness.reachable", "try 3 of 3"},
      {{"--fault", "no-readiness"}, "health.readiness.reachable", "no readiness endpoint"},
      {{"--fault", "not-ready"}, "health.readiness.reachable", "answered 503: not ready, body says \"fail\" (failing: db)"},
      {{"--fault", "status-mismatch"}, "health.status.consistent", "answered 200 but its body says \"fail\""},
      {{"--fault", "liveness-lists-db"}, "health.liveness.independent", "postgres, redis"},
      {{"--health-format", "k8s", "--fault", "liveness-lists-db"}, "health.liveness.independent", "?verbose"},
      {{"--health-delay", "300"}, "health.latency.budget", "is not under the 250ms budget"},
      {{"--health-format", "plain"}, "health.format.recognized", "follows no health convention"},
      {{"--fault", "stack-trace"}, "health.details.safe", "java-stack-trace"},
      {{"--fault", "secret-in-health"}, "health.details.safe", "url-credentials: s3c****"},
      {{"--fault", "huge-health"}, "health.liveness.reachable", "larger than the 10MiB limit"},
  };
  for (const Case& c : cases) {
    TargetReport r = Probe(c.args);
    const CheckResult& result = Find(r, c.check);
    INFO(c.check << " with " << c.args.back() << ": " << result.detail);
    CHECK(result.status == CheckStatus::kFail);
    CHECK(result.detail.find(c.detail_part) != std::string::npos);
    CHECK_FALSE(result.remedy.empty());
    CHECK(result.detail.find("s3cr3tPassw0rd") == std::string::npos);
  }
}

#include <catch2/catch.hpp>

#include <set>

#include "checks/catalogue.h"
#include "checks/context.h"
#include "checks/health_body.h"
#include "checks/health_checks.h"
#include "support/fake_http_client.h"

using namespace probity;
using namespace probity::testing;
using namespace std::chrono_literals;

namespace {

const std::string kLive = "http://svc:80/livez";
const std::string kReady = "http://svc:80/readyz";
constexpr char kPass[] = R"({"status":"pass"})";
constexpr char kFail[] = R"({"status":"fail"})";
constexpr char kHealthJson[] = "application/health+json";

struct Fixture {
  FakeClock clock;
  FakeHttpClient http{clock};
  HttpOptions options;
  Endpoints endpoints;

  Fixture() {
    endpoints.liveness.url = kLive;
    endpoints.readiness.url = kReady;
  }

  Verdict Run(const std::string& id) {
    ProbeContext ctx(http, options, clock, endpoints);
    for (const PlannedCheck& p : DefaultPlan()) {
      if (p.info->id == id) return p.info->run(ctx, p.params);
    }
    FAIL("no check " << id);
    return Verdict::Error("");
  }

  void Healthy() {
    http.On(kLive, 200, kHealthJson, kPass);
    http.On(kReady, 200, kHealthJson, kPass);
  }
};

}  // namespace

TEST_CASE("health.liveness.reachable passes on three good answers in a row", "[checks]") {
  Fixture f;
  f.Healthy();
  Verdict v = f.Run("health.liveness.reachable");
  CHECK(v.status == CheckStatus::kPass);
  CHECK(f.http.CountFor(kLive) == 3);
}

TEST_CASE("health.liveness.reachable fails when one of the tries answers 500", "[checks]") {
  Fixture f;
  HttpResponse ok;
  ok.status = 200;
  HttpResponse bad;
  bad.status = 500;
  f.http.OnSequence(kLive, {ok, ok, bad});
  Verdict v = f.Run("health.liveness.reachable");
  CHECK(v.status == CheckStatus::kFail);
  CHECK(v.detail == "try 3 of 3, GET /livez answered 500");
}

TEST_CASE("health.liveness.reachable errors when nothing answers", "[checks]") {
  Fixture f;
  f.http.FailOn(kLive, "no complete answer within the 5s timeout");
  Verdict v = f.Run("health.liveness.reachable");
  CHECK(v.status == CheckStatus::kError);
  CHECK(v.detail.find("timeout") != std::string::npos);
}

TEST_CASE("health.liveness.reachable fails when no endpoint was found", "[checks]") {
  Fixture f;
  f.endpoints.liveness = Endpoint{"", false, "none of the conventional paths answered"};
  Verdict v = f.Run("health.liveness.reachable");
  CHECK(v.status == CheckStatus::kFail);
  CHECK(v.detail.find("no liveness endpoint") != std::string::npos);
}

TEST_CASE("health.readiness.reachable passes on 2xx", "[checks]") {
  Fixture f;
  f.Healthy();
  CHECK(f.Run("health.readiness.reachable").status == CheckStatus::kPass);
}

TEST_CASE("health.readiness.reachable turns a 503 with a body into a reasoned failure", "[checks]") {
  Fixture f;
  f.http.On(kReady, 503, "application/json", R"({"status":"DOWN","components":{"db":{"status":"DOWN"},"disk":{"status":"UP"}}})");
  Verdict v = f.Run("health.readiness.reachable");
  CHECK(v.status == CheckStatus::kFail);
  CHECK(v.detail == "GET /readyz answered 503: not ready, body says \"DOWN\" (failing: db)");
}

TEST_CASE("health.readiness.reachable errors on a transport failure", "[checks]") {
  Fixture f;
  f.http.FailOn(kReady, "connection failed: refused or unreachable");
  CHECK(f.Run("health.readiness.reachable").status == CheckStatus::kError);
}

TEST_CASE("health.status.consistent passes when codes match bodies", "[checks]") {
  Fixture f;
  f.http.On(kLive, 200, kHealthJson, kPass);
  f.http.On(kReady, 503, kHealthJson, kFail);
  CHECK(f.Run("health.status.consistent").status == CheckStatus::kPass);
}

TEST_CASE("health.status.consistent fails on 200 with DOWN", "[checks]") {
  Fixture f;
  f.http.On(kLive, 200, kHealthJson, kPass);
  f.http.On(kReady, 200, "application/json", R"({"status":"DOWN"})");
  Verdict v = f.Run("health.status.consistent");
  CHECK(v.status == CheckStatus::kFail);
  CHECK(v.detail.find("answered 200 but its body says \"DOWN\"") != std::string::npos);
}

TEST_CASE("health.status.consistent fails on 503 with UP", "[checks]") {
  Fixture f;
  f.http.On(kLive, 503, "application/json", R"({"status":"UP"})");
  f.http.On(kReady, 200, kHealthJson, kPass);
  CHECK(f.Run("health.status.consistent").status == CheckStatus::kFail);
}

TEST_CASE("health.status.consistent skips bodies without a status and errors when unreachable", "[checks]") {
  Fixture f;
  f.http.On(kLive, 200, "text/html", "<html>hello</html>");
  f.http.On(kReady, 200, "text/html", "<html>hello</html>");
  CHECK(f.Run("health.status.consistent").status == CheckStatus::kSkip);
  Fixture g;
  g.http.FailOn(kLive, "connection failed");
  g.http.FailOn(kReady, "connection failed");
  CHECK(g.Run("health.status.consistent").status == CheckStatus::kError);
}

TEST_CASE("health.liveness.independent passes for local components", "[checks]") {
  Fixture f;
  f.http.On(kLive, 200, "application/json", R"({"status":"UP","components":{"diskSpace":{"status":"UP"},"ping":{"status":"UP"},"livenessState":{"status":"UP"}}})");
  Verdict v = f.Run("health.liveness.independent");
  CHECK(v.status == CheckStatus::kPass);
  CHECK(v.detail.find("diskSpace") != std::string::npos);
}

TEST_CASE("health.liveness.independent fails when liveness checks the database", "[checks]") {
  Fixture f;
  f.http.On(kLive, 200, kHealthJson, R"({"status":"pass","checks":{"orders-store":[{"componentType":"datastore","status":"pass"}]}})");
  Verdict v = f.Run("health.liveness.independent");
  CHECK(v.status == CheckStatus::kFail);
  CHECK(v.detail.find("orders-store") != std::string::npos);
}

TEST_CASE("health.liveness.independent asks Kubernetes-style endpoints for ?verbose", "[checks]") {
  Fixture f;
  f.http.On(kLive, 200, "text/plain", "ok");
  f.http.On(kLive + "?verbose", 200, "text/plain", "[+]ping ok\n[+]etcd ok\nlivez check passed\n");
  Verdict v = f.Run("health.liveness.independent");
  CHECK(v.status == CheckStatus::kFail);
  CHECK(v.detail.find("GET /livez?verbose lists downstream dependencies: etcd") == 0);
}

TEST_CASE("health.liveness.independent says so when a body lists more components than are read", "[checks]") {
  Fixture f;
  std::string body = R"({"status":"pass","checks":{)";
  for (std::size_t i = 0; i < kMaxHealthComponents + 20; ++i) {
    body += (i ? "," : "") + ("\"worker-" + std::to_string(i) + R"(":[{"status":"pass"}])");
  }
  f.http.On(kLive, 200, kHealthJson, body + "}}");
  Verdict v = f.Run("health.liveness.independent");
  CHECK(v.status == CheckStatus::kPass);
  CHECK(v.detail.find("(the first 1000 of 1020 listed were read)") != std::string::npos);
  CHECK(v.detail.size() < 400);
}

TEST_CASE("health.liveness.independent honours configured dependency names", "[checks]") {
  CHECK(IsDownstreamDependency("billing-api", "", {"billing"}));
  CHECK_FALSE(IsDownstreamDependency("billing-api", "", {}));
  CHECK(IsDownstreamDependency("redisCluster", "", {}));
  CHECK_FALSE(IsDownstreamDependency("readinessState", "", {}));
  CHECK_FALSE(IsDownstreamDependency("diskSpace", "", {}));
}

TEST_CASE("health.liveness.independent skips without a liveness endpoint and errors when unreachable", "[checks]") {
  Fixture f;
  f.endpoints.liveness = Endpoint{};
  CHECK(f.Run("health.liveness.independent").status == CheckStatus::kSkip);
  Fixture g;
  g.http.FailOn(kLive, "connection failed");
  CHECK(g.Run("health.liveness.independent").status == CheckStatus::kError);
}

TEST_CASE("health.latency.budget passes when p95 is under budget", "[checks]") {
  Fixture f;
  f.http.On(kLive, 200, kHealthJson, kPass, 20ms);
  Verdict v = f.Run("health.latency.budget");
  CHECK(v.status == CheckStatus::kPass);
  CHECK(f.http.CountFor(kLive) == 11);  // the shared request, then ten timed ones
}

TEST_CASE("health.latency.budget uses the nearest-rank p95: one slow answer in ten fails", "[checks]") {
  Fixture f;
  HttpResponse fast;
  fast.status = 200;
  fast.elapsed = 10ms;
  HttpResponse slow = fast;
  slow.elapsed = 400ms;
  f.http.OnSequence(kLive, {fast, fast, fast, fast, fast, fast, fast, fast, fast, slow});
  Verdict v = f.Run("health.latency.budget");
  CHECK(v.status == CheckStatus::kFail);
  CHECK(v.detail == "p95 400.0ms over 10 requests to /livez (median 10.0ms) is not under the 250ms budget");
}

TEST_CASE("health.latency.budget errors when a request fails", "[checks]") {
  Fixture f;
  f.http.FailOn(kLive, "no complete answer within the 5s timeout");
  CHECK(f.Run("health.latency.budget").status == CheckStatus::kError);
}

TEST_CASE("health.format.recognized passes for each convention", "[checks]") {
  for (const auto& [type, body] : std::vector<std::pair<std::string, std::string>>{
           {kHealthJson, kPass}, {"application/json", R"({"status":"UP"})"}, {"text/plain", "ok"}}) {
    Fixture f;
    f.http.On(kLive, 200, type, body);
    f.http.On(kReady, 200, type, body);
    INFO(body);
    CHECK(f.Run("health.format.recognized").status == CheckStatus::kPass);
  }
}

TEST_CASE("health.format.recognized fails for free text", "[checks]") {
  Fixture f;
  f.http.On(kLive, 200, "text/plain", "Prometheus Server is Healthy.\n");
  f.http.On(kReady, 200, kHealthJson, kPass);
  Verdict v = f.Run("health.format.recognized");
  CHECK(v.status == CheckStatus::kFail);
  CHECK(v.detail == "liveness GET /livez answers text/plain \"Prometheus Server is Healthy.\", which follows no health convention");
}

TEST_CASE("health.format.recognized errors when no body could be fetched", "[checks]") {
  Fixture f;
  f.http.FailOn(kLive, "connection failed");
  f.http.FailOn(kReady, "connection failed");
  CHECK(f.Run("health.format.recognized").status == CheckStatus::kError);
}

TEST_CASE("health.details.safe passes for clean bodies", "[checks]") {
  Fixture f;
  f.Healthy();
  CHECK(f.Run("health.details.safe").status == CheckStatus::kPass);
}

TEST_CASE("health.details.safe fails on a leaked password and masks it", "[checks]") {
  Fixture f;
  f.http.On(kLive, 200, kHealthJson, kPass);
  f.http.On(kReady, 200, "application/json", R"({"status":"UP","db":"jdbc:postgresql://admin:VerySecret123@db.internal/x"})");
  Verdict v = f.Run("health.details.safe");
  CHECK(v.status == CheckStatus::kFail);
  CHECK(v.detail.find("VerySecret123") == std::string::npos);
  CHECK(v.detail.find("url-credentials") != std::string::npos);
}

TEST_CASE("health.details.safe looks at what anonymous callers see", "[checks]") {
  Fixture f;
  f.options.bearer_token = Secret("probe-token");
  f.Healthy();
  CHECK(f.Run("health.details.safe").status == CheckStatus::kPass);
  int anonymous = 0;
  for (const HttpRequest& r : f.http.requests()) anonymous += r.with_auth ? 0 : 1;
  CHECK(anonymous == 2);  // one per health endpoint
}

TEST_CASE("health.details.safe errors when no body could be fetched", "[checks]") {
  Fixture f;
  f.http.FailOn(kLive, "connection failed");
  f.http.FailOn(kReady, "connection failed");
  CHECK(f.Run("health.details.safe").status == CheckStatus::kError);
}

TEST_CASE("A health body over the size limit fails with that reason", "[checks]") {
  Fixture f;
  f.options.max_body_bytes = 1024;
  f.http.On(kLive, 200, kHealthJson, std::string(4096, ' '));
  Verdict v = f.Run("health.liveness.reachable");
  CHECK(v.status == CheckStatus::kFail);
  CHECK(v.detail == "GET /livez: body is larger than the 1KiB limit and was cut");
}

TEST_CASE("Catalogue ids are unique, in a known category, with a remedy and code", "[checks]") {
  const std::set<std::string> categories = {"health", "metrics", "logs", "tracing", "api", "tls", "monitoring"};
  std::set<std::string> ids;
  for (const CheckInfo& c : Catalogue()) {
    CHECK(ids.insert(c.id).second);
    CHECK(categories.count(std::string(c.category())) == 1);
    CHECK_FALSE(c.remedy.empty());
    CHECK(c.run);
  }
}

TEST_CASE("A body quoted in a detail never shows a secret it carries", "[checks]") {
  Fixture f;
  f.http.On(kLive, 200, "text/plain", "alive; token=ghp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
  f.http.On(kReady, 200, kHealthJson, kPass);
  Verdict v = f.Run("health.format.recognized");
  CHECK(v.status == CheckStatus::kFail);
  CHECK(v.detail.find("aaaaaaaaaaaa") == std::string::npos);
  CHECK(v.detail.find("ghp_****") != std::string::npos);
}

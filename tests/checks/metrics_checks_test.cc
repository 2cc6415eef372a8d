#include <catch2/catch.hpp>

#include "checks/catalogue.h"
#include "checks/context.h"
#include "support/fake_http_client.h"

using namespace probity;
using namespace probity::testing;

namespace {

const std::string kMetrics = "http://svc:80/metrics";

std::string Exposition(const std::string& samples) {
  return "# HELP a_total A.\n# TYPE a_total counter\n# HELP b_total B.\n# TYPE b_total counter\n" + samples;
}

HttpResponse Text(const std::string& body) {
  HttpResponse r;
  r.status = 200;
  r.headers = {{"content-type", "text/plain; version=0.0.4"}};
  r.body = body;
  return r;
}

}  // namespace

TEST_CASE("In run, metrics.counter.monotonic compares each run with the previous one it remembers", "[checks]") {
  FakeClock clock;
  FakeHttpClient http{clock};
  HttpOptions options;
  Endpoints endpoints;
  endpoints.metrics.url = kMetrics;
  http.OnSequence(kMetrics, {Text(Exposition("a_total{x=\"1\"} 5\na_total{x=\"2\"} 7\nb_total 1\n")),
                             Text(Exposition("a_total{x=\"2\"} 8\na_total{x=\"1\"} 6\nb_total 1\n")),
                             Text(Exposition("a_total{x=\"1\"} 6\na_total{x=\"2\"} 3\nb_total 1\n")),
                             Text(Exposition("a_total{x=\"1\"} 6\na_total{x=\"2\"} 3\n"))});
  TargetMemory memory;
  auto run = [&] {
    ProbeContext ctx(http, options, clock, endpoints);
    ctx.set_memory(&memory);
    for (const PlannedCheck& p : DefaultPlan()) {
      if (p.info->id == "metrics.counter.monotonic") return p.info->run(ctx, p.params);
    }
    FAIL("no counter.monotonic check");
    return Verdict::Error("");
  };
  Verdict first = run();
  CHECK(first.status == CheckStatus::kSkip);
  CHECK(memory.counters.size() == 3);  // kept by series hash, not by name
  // The order of samples is not the order of series.
  Verdict second = run();
  INFO(second.detail);
  CHECK(second.status == CheckStatus::kPass);
  CHECK(second.detail == "3 counter series, none decreased or vanished since the previous run");
  Verdict third = run();
  CHECK(third.status == CheckStatus::kFail);
  CHECK(third.detail == "1 counter series decreased since the previous run: a_total{x=\"2\",}");
  // A series gone since the previous run is named by its family: its name went with that scrape.
  Verdict fourth = run();
  CHECK(fourth.status == CheckStatus::kFail);
  CHECK(fourth.detail == "1 counter series vanished since the previous run: in b_total (1)");
}

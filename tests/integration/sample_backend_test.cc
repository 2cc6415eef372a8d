#include <catch2/catch.hpp>

#include "http/httplib_client.h"
#include "runner/probe.h"
#include "support/process.h"

using namespace probity;
using namespace probity::testing;

namespace {

// Secrets the sample backend's faults leak; no report may ever show them.
const char* const kLeaked[] = {"s3cr3tPassw0rd", "AKIAPROBITYLEAKTEST1", "prbtyLeakedBearerToken0123456789",
                               "4111 1111 1111 1111"};

TargetReport Probe(std::vector<std::string> backend_args) {
  TempDir dir;
  const std::string log_file = dir.path() + "/sample.log";
  backend_args.insert(backend_args.end(), {"--log-file", log_file});
  SampleBackend backend(backend_args);
  // A request on the API route first, so that route labels exist.
  HttpGet(std::stoi(backend.url().substr(backend.url().rfind(':') + 1)), "/api/orders");
  TargetSpec spec = TargetForUrl(backend.url(), GlobalConfig{});
  spec.logs.kind = LogsConfig::Kind::kFile;
  spec.logs.path = log_file;
  spec.tracing.wait = std::chrono::seconds(1);
  // Two scrapes 100ms apart are enough to see a counter go down here.
  for (PlannedCheck& p : spec.plan) {
    if (p.info->id == "metrics.counter.monotonic") p.params.Set("delay", Duration(std::chrono::milliseconds(100)));
  }
  HttplibClient http;
  return ProbeTarget(spec, http, SystemClock::Instance(), Severity::kCritical);
}

const CheckResult& Find(const TargetReport& r, const std::string& id) {
  for (const CheckResult& c : r.checks) {
    if (c.id == id) return c;
  }
  throw std::runtime_error("no result for " + id);
}

// A sample backend switch and the check it must make fail.
struct FaultCase {
  std::vector<std::string> args;
  std::string check;
  std::string detail_part;
};

void ExpectEachFaultFails(const std::vector<FaultCase>& cases) {
  for (const FaultCase& c : cases) {
    TargetReport r = Probe(c.args);
    const CheckResult& result = Find(r, c.check);
    INFO(c.check << " with " << c.args.back() << ": " << result.detail);
    CHECK(result.status == CheckStatus::kFail);
    CHECK(result.detail.find(c.detail_part) != std::string::npos);
    CHECK_FALSE(result.remedy.empty());
    for (const CheckResult& any : r.checks) {
      for (const char* secret : kLeaked) CHECK(any.detail.find(secret) == std::string::npos);
    }
  }
}

}  // namespace

TEST_CASE("A healthy sample backend passes every check over a real socket", "[integration]") {
  for (const std::string format : {"healthjson", "spring", "k8s"}) {
    INFO(format);
    TargetReport r = Probe({"--health-format", format});
    for (const CheckResult& c : r.checks) {
      INFO(c.id << ": " << c.detail);
      // The backend serves no OpenAPI document and plain HTTP, and no
      // Prometheus is configured: those categories do not apply.
      const bool not_applicable = c.category == "api" || c.category == "tls" || c.category == "monitoring";
      CHECK(c.status == (not_applicable ? CheckStatus::kSkip : CheckStatus::kPass));
    }
    CHECK(r.level == Level::kGold);
    CHECK(r.score == 1.0);
    CHECK(r.ready);
  }
}

TEST_CASE("Each sample backend fault fails its check over a real socket", "[integration]") {
  ExpectEachFaultFails({
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
      {{"--fault", "bad-traceparent-400"}, "tracing.traceparent.invalid_ignored",
       "answered 400 with an invalid traceparent and 200 with a valid one"},
  });
}

TEST_CASE("Each sample backend metrics fault fails its check over a real socket", "[integration]") {
  ExpectEachFaultFails({
      {{"--metrics-fault", "no-metrics"}, "metrics.endpoint.reachable", "(/metrics 404,"},
      {{"--metrics-delay", "1200"}, "metrics.endpoint.reachable", "more than 1s"},
      {{"--metrics-fault", "wrong-content-type"}, "metrics.exposition.content_type", "application/json"},
      {{"--metrics-fault", "invalid-exposition"}, "metrics.exposition.valid", "second TYPE line for metric name \"sample_up\""},
      {{"--metrics-fault", "bad-openmetrics"}, "metrics.openmetrics.valid", "missing # EOF"},
      {{"--metrics-fault", "duplicate-series"}, "metrics.series.unique", "appears more than once"},
      {{"--metrics-fault", "broken-histogram"}, "metrics.histogram.consistent", "differs from _count"},
      {{"--metrics-fault", "counter-reset"}, "metrics.counter.monotonic", "sample_jobs_total{}"},
      {{"--metrics-fault", "many-series"}, "metrics.cardinality.budget", "over the budget of 10000"},
      {{"--metrics-fault", "no-help"}, "metrics.lint.help", "sample_queue_depth no help text"},
      {{"--metrics-fault", "no-total"}, "metrics.lint.counter_suffix", "sample_retries counter metrics should have \"_total\" suffix"},
      {{"--metrics-fault", "ms-gauge-latency"}, "metrics.lint.units", "use base unit \"seconds\" instead of \"milliseconds\""},
      {{"--metrics-fault", "reserved-name"}, "metrics.lint.reserved", "sample:ratio metric names should not contain ':'"},
      {{"--metrics-fault", "camel-case"}, "metrics.lint.snake_case", "sampleCacheEntries metric names should be written in 'snake_case'"},
      {{"--metrics-fault", "no-requests"}, "metrics.red.requests", "no request-rate series"},
      {{"--metrics-fault", "no-status-code"}, "metrics.red.errors", "no status label (code, status, grpc_code …)"},
      {{"--metrics-fault", "ms-gauge-latency"}, "metrics.red.duration_histogram", "http_request_duration_milliseconds (gauge, not in seconds)"},
      {{"--metrics-fault", "raw-routes"}, "metrics.red.route_cardinality", "/api/orders/12345"},
      {{"--metrics-fault", "no-saturation"}, "metrics.saturation.present", "no saturation signal"},
      {{"--metrics-fault", "no-process"}, "metrics.process.standard", "missing process_cpu_seconds_total"},
      {{"--metrics-fault", "no-build-info"}, "metrics.build_info.present", "no *_build_info"},
      {{"--metrics-fault", "no-exemplars"}, "tracing.exemplars.trace_id", "no exemplars on the request families"},
  });
}

TEST_CASE("Each sample backend log fault fails its check over a real socket and a real file", "[integration]") {
  ExpectEachFaultFails({
      {{"--log-fault", "plain-text"}, "logs.structured.parseable", "below 99%; the first that is neither, line 1: "},
      {{"--log-fault", "no-level"}, "logs.fields.level", "have no level, log.level, severity or SeverityText"},
      {{"--log-fault", "leak-aws-key"}, "logs.secrets.none", "aws-access-key"},
      {{"--log-fault", "leak-aws-key"}, "logs.secrets.none", "AKIA****"},
      {{"--log-fault", "leak-bearer"}, "logs.secrets.none", "authorization-value"},
      {{"--log-fault", "card-number"}, "logs.pii.none", "card-number"},
      {{"--log-fault", "stale"}, "logs.freshness", "old, more than 5m"},
      {{"--log-fault", "no-trace"}, "logs.fields.trace_id", "have no trace_id (or trace.id)"},
      {{"--log-fault", "no-trace"}, "tracing.traceparent.propagated", "not in the logs after"},
      {{"--log-fault", "no-request-id"}, "tracing.request_id.propagated", "was neither echoed nor logged within"},
      {{"--log-fault", "bad-timestamp"}, "logs.fields.timestamp",
       "have a timestamp that is neither RFC 3339 with a zone nor an epoch"},
      {{"--log-fault", "no-service"}, "logs.fields.service", "have no service.name (or service)"},
      {{"--log-fault", "error-storm"}, "logs.errors.ratio", "are ERROR or FATAL, more than 5%"},
      {{"--log-fault", "any-traceparent"}, "tracing.traceparent.invalid_ignored",
       "the trace id of an invalid traceparent (version ff) was adopted as a log line's trace id"},
  });
}

TEST_CASE("An unreadable log source fails logs.source.reachable and skips the other log checks", "[integration]") {
  SampleBackend backend;
  TargetSpec spec = TargetForUrl(backend.url(), GlobalConfig{});
  spec.logs.kind = LogsConfig::Kind::kFile;
  spec.logs.path = "/nonexistent/probity/app.log";
  HttplibClient http;
  TargetReport r = ProbeTarget(spec, http, SystemClock::Instance(), Severity::kCritical);
  const CheckResult& source = Find(r, "logs.source.reachable");
  CHECK(source.status == CheckStatus::kFail);
  CHECK(source.detail == "file /nonexistent/probity/app.log: cannot open /nonexistent/probity/app.log: No such file "
                         "or directory");
  for (const CheckResult& c : r.checks) {
    if (c.category != "logs" || c.id == "logs.source.reachable") continue;
    INFO(c.id << ": " << c.detail);
    CHECK(c.status == CheckStatus::kSkip);
  }
  // Tracing sees the traceresponse-less backend and cannot read the logs either.
  CHECK(Find(r, "tracing.traceparent.propagated").status == CheckStatus::kSkip);
}

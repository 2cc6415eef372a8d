// Verdicts that real programs (Debian's exporters, Caddy, InfluxDB, etcd,
// postgres_exporter …) got wrong, each reproduced over a real loopback socket
// or a real log file with what that program serves or writes.
#include <catch2/catch.hpp>

#include <ctime>
#include <fstream>
#include <map>
#include <mutex>

#include "core/text.h"
#include "http/httplib_client.h"
#include "report/render.h"
#include "runner/probe.h"
#include "support/process.h"
#include "support/test_servers.h"

using namespace probity;
using namespace probity::testing;
using namespace std::chrono_literals;

namespace {

// Probes `url` the way a zero-config scan does (optionally with a log file),
// returning the results by check id.
std::map<std::string, CheckResult> Probe(const std::string& url, const std::string& log_file = "",
                                         const std::function<void(TargetSpec&)>& adjust = nullptr) {
  TargetSpec spec = TargetForUrl(url, GlobalConfig{});
  spec.http.timeout = spec.http.connect_timeout = 2s;
  if (!log_file.empty()) {
    spec.logs.kind = LogsConfig::Kind::kFile;
    spec.logs.path = log_file;
    spec.tracing.wait = 1s;
  }
  if (adjust) adjust(spec);
  HttplibClient http;
  TargetReport report = ProbeTarget(spec, http, SystemClock::Instance(), Severity::kCritical);
  std::map<std::string, CheckResult> out;
  for (CheckResult& c : report.checks) out[c.id] = std::move(c);
  return out;
}

std::string Now(const char* format) {
  char buf[64];
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
}

// node_exporter 1.5's landing page, served for every path but /metrics.
const char* kLandingPage =
    "<html>\n<head><title>Node Exporter</title></head>\n<body>\n<h1>Node Exporter</h1>\n"
    "<p><a href=\"/metrics\">Metrics</a></p>\n</body>\n</html>\n";

// What an exporter serves: only the scrape handler's requests, host counters
// that say "requests" or "errors", and Debian's empty go_build_info version.
const char* kExporterMetrics =
    "# HELP go_build_info Build information about the main Go module.\n# TYPE go_build_info gauge\n"
    "go_build_info{checksum=\"\",path=\"\",version=\"\"} 1\n"
    "# HELP node_nfs_requests_total Number of NFS procedures invoked.\n# TYPE node_nfs_requests_total counter\n"
    "node_nfs_requests_total{method=\"Read\",proto=\"3\"} 0\n"
    "# HELP etcd_disk_backend_requests_total Disk requests.\n# TYPE etcd_disk_backend_requests_total counter\n"
    "etcd_disk_backend_requests_total 4\n"
    "# HELP db_pool_requests_total Pool checkouts.\n# TYPE db_pool_requests_total counter\n"
    "db_pool_requests_total 9\n"
    "# HELP etcd_server_heartbeat_send_failures_total Heartbeats that failed.\n"
    "# TYPE etcd_server_heartbeat_send_failures_total counter\n"
    "etcd_server_heartbeat_send_failures_total 0\n"
    "# HELP promhttp_metric_handler_requests_total Total number of scrapes by HTTP status code.\n"
    "# TYPE promhttp_metric_handler_requests_total counter\n"
    "promhttp_metric_handler_requests_total{code=\"200\"} 3\n"
    "promhttp_metric_handler_requests_total{code=\"500\"} 0\n";

// A gRPC service as go-grpc-prometheus exports it.
const char* kGrpcMetrics =
    "# HELP grpc_server_handled_total Total number of RPCs completed on the server.\n"
    "# TYPE grpc_server_handled_total counter\n"
    "grpc_server_handled_total{grpc_code=\"OK\",grpc_method=\"Get\",grpc_service=\"kv.KV\",grpc_type=\"unary\"} 7\n"
    "# HELP grpc_server_handling_seconds Histogram of response latency.\n"
    "# TYPE grpc_server_handling_seconds histogram\n"
    "grpc_server_handling_seconds_bucket{grpc_method=\"Get\",grpc_service=\"kv.KV\",grpc_type=\"unary\",le=\"0.1\"} 7\n"
    "grpc_server_handling_seconds_bucket{grpc_method=\"Get\",grpc_service=\"kv.KV\",grpc_type=\"unary\",le=\"+Inf\"} 7\n"
    "grpc_server_handling_seconds_sum{grpc_method=\"Get\",grpc_service=\"kv.KV\",grpc_type=\"unary\"} 0.07\n"
    "grpc_server_handling_seconds_count{grpc_method=\"Get\",grpc_service=\"kv.KV\",grpc_type=\"unary\"} 7\n"
    "# HELP promhttp_metric_handler_requests_total Total number of scrapes by HTTP status code.\n"
    "# TYPE promhttp_metric_handler_requests_total counter\n"
    "promhttp_metric_handler_requests_total{code=\"200\"} 3\n";

const char* kTextMetrics = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace

TEST_CASE("Item 1: an exporter's landing page on every path is no health endpoint", "[integration][verdicts]") {
  RawServer server(Routes({{"/metrics", {200, kTextMetrics, kExporterMetrics}}},
                          {200, "text/html; charset=utf-8", kLandingPage}));
  auto c = Probe(server.Url());
  INFO(c["health.liveness.reachable"].detail);
  CHECK(c["health.liveness.reachable"].status == CheckStatus::kFail);
  CHECK(c["health.liveness.reachable"].detail.find("no conventional path answered differently from a path that "
                                                   "cannot exist") != std::string::npos);
  CHECK(c["health.readiness.reachable"].status == CheckStatus::kFail);
  CHECK(c["metrics.endpoint.reachable"].status == CheckStatus::kPass);
}

TEST_CASE("Item 1: blackbox_exporter's /-/healthy is found behind its landing page", "[integration][verdicts]") {
  RawServer server(Routes({{"/-/healthy", {200, "text/plain; charset=utf-8", "Healthy"}},
                           {"/metrics", {200, kTextMetrics, kExporterMetrics}}},
                          {200, "text/html; charset=utf-8", kLandingPage}));
  auto c = Probe(server.Url());
  INFO(c["health.liveness.reachable"].detail);
  CHECK(c["health.liveness.reachable"].status == CheckStatus::kPass);
  CHECK(c["health.liveness.reachable"].detail.rfind("GET /-/healthy answered", 0) == 0);
}

TEST_CASE("Item 3: RED checks judge what a family measures", "[integration][verdicts]") {
  SECTION("an exporter's scrape-handler, disk, pool and heartbeat counters are not the service's requests") {
    RawServer server(Routes({{"/metrics", {200, kTextMetrics, kExporterMetrics}}}, {404, "text/plain", "no"}));
    auto c = Probe(server.Url());
    INFO(c["metrics.red.requests"].detail);
    CHECK(c["metrics.red.requests"].status == CheckStatus::kFail);
    CHECK(c["metrics.red.requests"].detail.find("this looks like an exporter") != std::string::npos);
    CHECK(c["metrics.red.requests"].detail.find("checklist: exporter") != std::string::npos);
    INFO(c["metrics.red.errors"].detail);
    CHECK(c["metrics.red.errors"].status == CheckStatus::kFail);
    CHECK(c["metrics.red.errors"].blocked_by == "metrics.red.requests");
    CHECK(c["metrics.red.errors"].detail.rfind("not evaluated:", 0) == 0);
    INFO(c["metrics.red.duration_histogram"].detail);
    CHECK(c["metrics.red.duration_histogram"].detail.find("this looks like an exporter") != std::string::npos);
    // Item 8: Debian's go_build_info has an empty version.
    INFO(c["metrics.build_info.present"].detail);
    CHECK(c["metrics.build_info.present"].status == CheckStatus::kFail);
    CHECK(c["metrics.build_info.present"].detail == "go_build_info has an empty version label");
  }
  SECTION("a gRPC service's handled and handling families are its requests, errors and latency") {
    RawServer server(Routes({{"/metrics", {200, kTextMetrics, kGrpcMetrics}}}, {404, "text/plain", "no"}));
    auto c = Probe(server.Url());
    INFO(c["metrics.red.requests"].detail);
    CHECK(c["metrics.red.requests"].status == CheckStatus::kPass);
    CHECK(c["metrics.red.requests"].detail.find("promhttp") == std::string::npos);
    INFO(c["metrics.red.errors"].detail);
    CHECK(c["metrics.red.errors"].status == CheckStatus::kPass);
    CHECK(c["metrics.red.errors"].detail == "grpc_server_handled_total carries a status dimension");
    INFO(c["metrics.red.duration_histogram"].detail);
    CHECK(c["metrics.red.duration_histogram"].status == CheckStatus::kPass);
    CHECK(c["metrics.red.duration_histogram"].detail == "grpc_server_handling_seconds is a histogram in seconds");
  }
}

TEST_CASE("Items 4, 5, 8: real programs' log lines are read right from a real file", "[integration][verdicts]") {
  RawServer server(Routes({{"/livez", {200, "text/plain", "OK\n"}}}, {404, "text/plain", "404 page not found\n"}));
  TempDir dir;
  // zap's ISO8601 encoder on a machine at UTC+1 (etcd), postgres_exporter's
  // redacted DSN, Debian's build user, and a `lvl` key (go-kit).
  const std::string ts = Now("%Y-%m-%dT%H:%M:%S.000+0000");
  const std::string log = dir.Write(
      "app.log",
      "{\"level\":\"info\",\"ts\":\"" + ts + "\",\"caller\":\"etcdmain/etcd.go:73\",\"msg\":\"Running\",\"service\":\"etcd\"}\n"
      "ts=" + Now("%Y-%m-%dT%H:%M:%S.000Z") + " lvl=error service=pg msg=\"Error opening connection to database\" "
      "dsn=\"postgresql://probe:PASSWORD_REMOVED@127.0.0.1:1/db\"\n"
      "ts=" + Now("%Y-%m-%dT%H:%M:%S.000Z") + " lvl=info service=pg msg=\"Build context\" "
      "build_context=\"(go=go1.19.8, user=team+pkg-go@tracker.debian.org, date=20230814-01:02:03)\"\n");
  auto c = Probe(server.Url(), log);
  for (const char* id : {"logs.fields.timestamp", "logs.fields.level", "logs.freshness", "logs.secrets.none",
                         "logs.pii.none", "logs.structured.parseable"}) {
    INFO(id << ": " << c[id].detail);
    CHECK(c[id].status == CheckStatus::kPass);
  }
  // Item 8: "OK" is the plain ok convention, as "ok" is.
  INFO(c["health.format.recognized"].detail);
  CHECK(c["health.format.recognized"].status == CheckStatus::kPass);
}

TEST_CASE("Items 6 and 7: an access log that records raw request headers has not adopted them",
          "[integration][verdicts]") {
  TempDir dir;
  const std::string log = dir.path() + "/access.log";
  std::ofstream(log).close();
  std::mutex mu;
  // Caddy's JSON access log, nested request fields and every header; the
  // service answers 503 to every request, valid traceparent or not.
  RawServer server(Routes({{"/livez", {200, "text/plain", "ok"}}}, {503, "text/plain", "unavailable"},
                          [&](const std::string& head, CannedResponse*) {
                            const std::string tp = HeaderOf(head, "traceparent");
                            const std::string uri = head.substr(4, head.find(' ', 4) - 4);
                            std::lock_guard<std::mutex> lock(mu);
                            std::ofstream(log, std::ios::app)
                                << "{\"level\":\"info\",\"ts\":" << std::time(nullptr)
                                << ".5,\"logger\":\"http.log.access\",\"msg\":\"handled request\",\"request\":{"
                                   "\"method\":\"GET\",\"uri\":\"" << uri << "\",\"headers\":{\"Traceparent\":[\""
                                << tp << "\"]}},\"status\":503}\n";
                          }));
  auto c = Probe(server.Url(), log, [](TargetSpec& spec) { spec.tracing.path = "/api"; });
  INFO(c["tracing.traceparent.invalid_ignored"].detail);
  CHECK(c["tracing.traceparent.invalid_ignored"].status == CheckStatus::kPass);
  CHECK(c["tracing.traceparent.invalid_ignored"].detail.find("answered 503 with an invalid traceparent") !=
        std::string::npos);
  // The valid trace id is in the logged headers: an operator can find the
  // request by it (as with nginx's $http_traceparent).
  INFO(c["tracing.traceparent.propagated"].detail);
  CHECK(c["tracing.traceparent.propagated"].status == CheckStatus::kPass);
  // Request-scoped lines (nested request.method/uri) without a trace id.
  INFO(c["logs.fields.trace_id"].detail);
  CHECK(c["logs.fields.trace_id"].status == CheckStatus::kFail);
}

TEST_CASE("Item 8: a missing metrics endpoint is said once, and dependents are grouped", "[integration][verdicts]") {
  RawServer server(Routes({{"/livez", {200, "text/plain", "ok"}}, {"/readyz", {200, "text/plain", "ok"}}},
                          {404, "text/plain", "404 page not found\n"}));
  auto c = Probe(server.Url());
  CHECK(c["metrics.endpoint.reachable"].status == CheckStatus::kFail);
  CHECK(c["metrics.endpoint.reachable"].detail.rfind("no metrics endpoint: none of the conventional paths", 0) == 0);
  std::size_t blocked = 0;
  for (const auto& [id, r] : c) {
    if (r.category != "metrics" || id == "metrics.endpoint.reachable" || r.status == CheckStatus::kSkip) continue;
    INFO(id << ": " << r.detail);
    CHECK(r.detail == "not evaluated: no metrics endpoint");
    CHECK(r.blocked_by == "metrics.endpoint.reachable");
    ++blocked;
  }
  CHECK(blocked >= 15);
  Report report;
  TargetReport t;
  t.name = "svc";
  for (auto& [id, r] : c) t.checks.push_back(r);
  report.targets.push_back(t);
  const std::string text = Render(report, ReportFormat::kText, RenderOptions{});
  // One line for the group, not one per check.
  std::size_t lines = 0;
  for (std::size_t at = 0; (at = text.find("not evaluated: no metrics endpoint", at)) != std::string::npos; ++at) {
    ++lines;
  }
  CHECK(lines == 2);  // once for the metrics group, once for tracing.exemplars.trace_id (tracing)
  CHECK(text.find(" checks not evaluated: no metrics endpoint (metrics.endpoint.reachable)") != std::string::npos);
}

TEST_CASE("Item 8: without any health endpoint the tracing checks skip and say why", "[integration][verdicts]") {
  RawServer server(FixedResponse(404, "text/plain", "404 page not found\n"));
  TempDir dir;
  const std::string log = dir.Write("app.log", "");
  auto c = Probe(server.Url(), log);
  for (const char* id : {"tracing.traceparent.propagated", "tracing.request_id.propagated",
                         "tracing.traceparent.invalid_ignored"}) {
    INFO(id << ": " << c[id].detail);
    CHECK(c[id].status == CheckStatus::kSkip);
    CHECK(c[id].detail.find("GET :") == std::string::npos);
    CHECK(c[id].detail.find("no readiness or liveness endpoint") != std::string::npos);
  }
}

TEST_CASE("Item 8: a health body cut at the size limit is over the latency budget", "[integration][verdicts]") {
  RawServer server(Routes({{"/livez", {200, "text/plain", std::string(64 * 1024, 'x')}}}, {404, "text/plain", ""}));
  auto c = Probe(server.Url(), "", [](TargetSpec& spec) { spec.http.max_body_bytes = 1024; });
  INFO(c["health.latency.budget"].detail);
  CHECK(c["health.latency.budget"].status == CheckStatus::kFail);
  CHECK(c["health.latency.budget"].detail.find("were cut at the 1KiB body limit") != std::string::npos);
}

TEST_CASE("Item 8: durations read like durations", "[integration][verdicts]") {
  RawServer server(Routes({{"/livez", {200, "text/plain", "ok"}}}, {404, "text/plain", ""}));
  auto c = Probe(server.Url());
  const std::string& d = c["health.liveness.reachable"].detail;
  INFO(d);
  // "(slowest 0.4ms)", never "(slowest 0s)".
  CHECK(d.find("(slowest 0s)") == std::string::npos);
  CHECK(d.find("ms)") != std::string::npos);
}

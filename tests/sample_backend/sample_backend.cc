// A small backend for the demo and the tests: it serves liveness, readiness,
// metrics and an API route, writes JSON logs, and can be told to misbehave
// in each of the ways Probity's checks look for.
#include <httplib.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <mutex>
#include <random>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>

namespace {

const std::set<std::string> kFaults = {
    "no-liveness",        // liveness paths answer 404
    "no-readiness",       // readiness paths answer 404
    "liveness-500",       // liveness answers 500
    "flaky-liveness",     // every third liveness request answers 500
    "not-ready",          // readiness answers 503 with a well-formed body naming the failing db
    "status-mismatch",    // health answers 200 while its body says DOWN/fail
    "liveness-lists-db",  // liveness body lists the database and cache
    "stack-trace",        // readiness body carries a Java stack trace
    "secret-in-health",   // readiness body leaks a connection string with a password
    "huge-health",        // liveness body is 20 MiB
    "bad-traceparent-400",  // a request with an invalid traceparent answers 400
};

const std::set<std::string> kMetricsFaults = {
    "no-metrics",          // /metrics answers 404
    "wrong-content-type",  // Content-Type: application/json
    "invalid-exposition",  // a TYPE line after its samples
    "bad-openmetrics",     // asked for OpenMetrics, answers it without # EOF
    "duplicate-series",    // one series twice
    "broken-histogram",    // +Inf bucket differs from _count
    "counter-reset",       // a counter that goes down between scrapes
    "many-series",         // 100 000 series
    "no-help",             // a family without HELP
    "no-total",            // a counter without _total
    "ms-gauge-latency",    // latency as a gauge in milliseconds, no histogram
    "reserved-name",       // a ':' in a metric name
    "camel-case",          // camelCase metric name
    "no-requests",         // no request metrics at all
    "no-status-code",      // request counter without a code label
    "raw-routes",          // route label with raw ids
    "no-saturation",       // no in-flight gauge
    "no-process",          // no process_* metrics
    "no-build-info",       // no *_build_info
    "no-exemplars",        // OpenMetrics without exemplars
};

// --log-fault: how the JSON log file goes wrong.
const std::set<std::string> kLogFaults = {
    "plain-text",    // lines of text instead of JSON
    "no-level",      // JSON without a level
    "leak-aws-key",  // an AWS access key id in a field
    "leak-bearer",   // the Authorization header value in a field
    "card-number",   // a card number in the message
    "stale",         // every line stamped an hour ago
    "no-trace",      // traceparent ignored: no trace_id in the logs
    "no-request-id",    // X-Request-ID neither echoed nor logged
    "bad-timestamp",    // timestamps without a zone ("2026-11-22 10:00:00")
    "no-service",       // JSON without service.name
    "error-storm",      // every line at level error
    "any-traceparent",  // the trace id of an invalid traceparent (version ff) adopted too
};

struct Options {
  std::string listen = "127.0.0.1:0";
  std::string format = "healthjson";
  std::set<std::string> faults;
  std::set<std::string> metrics_faults;
  std::set<std::string> log_faults;
  int health_delay_ms = 0;
  int metrics_delay_ms = 0;
  std::string log_file;
};

// A trace id of a valid W3C traceparent (version 00..fe, lowercase hex, not
// all zero), or "".
std::string TraceIdOf(const std::string& tp) {
  auto hex = [](const std::string& s) { return s.find_first_not_of("0123456789abcdef") == std::string::npos; };
  if (tp.size() < 55 || tp[2] != '-' || tp[35] != '-' || tp[52] != '-') return "";
  const std::string version = tp.substr(0, 2), id = tp.substr(3, 32), parent = tp.substr(36, 16);
  if (!hex(version) || version == "ff" || !hex(id) || !hex(parent) || id == std::string(32, '0')) return "";
  return id;
}

std::string RandomTraceId() {
  static std::mutex mu;
  static std::mt19937_64 rng{std::random_device{}()};
  std::lock_guard<std::mutex> lock(mu);
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(rng() | 1),
                static_cast<unsigned long long>(rng()));
  return buf;
}

std::string Now(int shift_seconds = 0) {
  const auto now = std::chrono::system_clock::now() + std::chrono::seconds(shift_seconds);
  const std::time_t secs = std::chrono::system_clock::to_time_t(now);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

class Backend {
 public:
  explicit Backend(Options o) : o_(std::move(o)) {
    if (!o_.log_file.empty()) log_.open(o_.log_file, std::ios::app);
    if (log_) Write({{"message", "sample backend started"}}, "info");
  }

  bool Has(const std::string& fault) const { return o_.faults.count(fault) > 0; }

  bool LogFault(const std::string& fault) const { return o_.log_faults.count(fault) > 0; }

  // Writes one log line with the envelope fields, as the log faults allow.
  void Write(nlohmann::json line, const std::string& level) {
    const std::string ts = Now(LogFault("stale") ? -3600 : 0);
    if (LogFault("plain-text")) {
      std::string text = ts + " " + level + " " + line.value("message", "");
      for (const auto& [k, v] : line.items()) {
        if (k != "message") text += " " + (v.is_string() ? v.get<std::string>() : v.dump());
      }
      std::lock_guard<std::mutex> lock(log_mu_);
      log_ << text << std::endl;
      return;
    }
    line["timestamp"] = LogFault("bad-timestamp") ? ts.substr(0, 10) + " " + ts.substr(11, 8) : ts;
    if (!LogFault("no-level")) line["level"] = LogFault("error-storm") ? "error" : level;
    if (!LogFault("no-service")) line["service.name"] = "sample-backend";
    if (LogFault("leak-aws-key")) line["aws_access_key_id"] = "AKIAPROBITYLEAKTEST1";
    if (LogFault("leak-bearer")) line["authorization"] = "Bearer prbtyLeakedBearerToken0123456789";
    if (LogFault("card-number")) line["message"] = line.value("message", "") + " for card 4111 1111 1111 1111";
    std::lock_guard<std::mutex> lock(log_mu_);
    log_ << line.dump() << std::endl;
  }

  void Log(const httplib::Request& req, httplib::Response& res, int status) {
    nlohmann::json line = {{"message", "request served"}, {"http.request.method", req.method},
                           {"url.path", req.path}, {"http.response.status_code", status}};
    if (!LogFault("no-trace")) {
      // Adopt a valid traceparent, start a new trace otherwise.
      const std::string traceparent = req.get_header_value("traceparent");
      std::string trace_id = TraceIdOf(traceparent);
      if (trace_id.empty() && LogFault("any-traceparent") && traceparent.size() >= 35) {
        trace_id = traceparent.substr(3, 32);
      }
      if (trace_id.empty()) trace_id = RandomTraceId();
      line["trace_id"] = trace_id;
      std::lock_guard<std::mutex> lock(mu_);
      last_trace_id_ = trace_id;
    }
    const std::string request_id = req.get_header_value("X-Request-ID");
    if (!request_id.empty() && request_id.size() <= 128 && !LogFault("no-request-id")) {
      line["request_id"] = request_id;
      res.set_header("X-Request-ID", request_id);
    }
    if (log_) Write(line, status >= 500 ? "error" : "info");
    std::lock_guard<std::mutex> lock(mu_);
    ++requests_[std::to_string(status) + " " + Route(req.path)];
  }

  // Body of a health endpoint in the chosen format.
  std::string HealthBody(bool up, const nlohmann::json& components, std::string* type) const {
    if (o_.format == "plain") {
      *type = "text/plain";
      return up ? "Healthy.\n" : "Unhealthy.\n";
    }
    if (o_.format == "k8s") {
      *type = "text/plain; charset=utf-8";
      return up ? "ok" : "[-]db failed: reason withheld\nreadyz check failed\n";
    }
    if (o_.format == "spring") {
      *type = "application/vnd.spring-boot.actuator.v3+json";
      nlohmann::json body = {{"status", up ? "UP" : "DOWN"}};
      if (!components.empty()) {
        nlohmann::json c;
        for (const auto& [name, status] : components.items()) c[name] = {{"status", status.get<std::string>() == "pass" ? "UP" : "DOWN"}};
        body["components"] = c;
      }
      return body.dump();
    }
    *type = "application/health+json";
    nlohmann::json body = {{"status", up ? "pass" : "fail"}, {"serviceId", "sample-backend"}};
    if (!components.empty()) {
      nlohmann::json checks;
      for (const auto& [name, status] : components.items()) {
        checks[name] = nlohmann::json::array({{{"componentType", name == "process" ? "system" : "datastore"},
                                               {"status", status}}});
      }
      body["checks"] = checks;
    }
    return body.dump();
  }

  void Liveness(const httplib::Request& req, httplib::Response& res) {
    Delay();
    if (Has("no-liveness")) return Answer(req, res, 404, "not found\n", "text/plain");
    const int n = ++liveness_count_;
    std::string type;
    nlohmann::json components = nlohmann::json::object();
    if (Has("liveness-lists-db")) components = {{"postgres", "pass"}, {"redis", "pass"}};
    std::string body = HealthBody(!Has("status-mismatch"), components, &type);
    if (o_.format == "k8s" && req.has_param("verbose")) {
      body = "[+]ping ok\n[+]log ok\n";
      for (const auto& [name, status] : components.items()) body += "[+]" + name + " ok\n";
      body += "livez check passed\n";
    }
    if (Has("huge-health")) body.append(20u << 20, ' ');
    int status = Has("liveness-500") || (Has("flaky-liveness") && n % 3 == 0) ? 500 : 200;
    Answer(req, res, status, body, type);
  }

  void Readiness(const httplib::Request& req, httplib::Response& res) {
    Delay();
    if (Has("no-readiness")) return Answer(req, res, 404, "not found\n", "text/plain");
    std::string type;
    const bool ready = !Has("not-ready") && !Has("status-mismatch");
    std::string body = HealthBody(ready, {{"db", ready ? "pass" : "fail"}}, &type);
    if (Has("stack-trace")) {
      type = "text/plain";
      body = "java.lang.IllegalStateException: pool exhausted\n\tat com.example.db.Pool.get(Pool.java:42)\n"
             "\tat com.example.health.ReadyHandler.handle(ReadyHandler.java:17)\n";
    }
    if (Has("secret-in-health")) {
      type = "application/json";
      body = R"({"status":"UP","components":{"db":{"status":"UP","details":{"url":"postgres://orders:s3cr3tPassw0rd@db.internal:5432/orders"}}}})";
    }
    int status = ready || Has("status-mismatch") ? 200 : 503;
    Answer(req, res, status, body, type);
  }

  bool MetricsFault(const std::string& f) const { return o_.metrics_faults.count(f) > 0; }

  void Metrics(const httplib::Request& req, httplib::Response& res) {
    if (o_.metrics_delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(o_.metrics_delay_ms));
    if (MetricsFault("no-metrics")) return Answer(req, res, 404, "not found\n", "text/plain");
    const bool om = req.get_header_value("Accept").find("application/openmetrics-text") != std::string::npos;
    std::string out;
    auto family = [&](const std::string& name, const std::string& type, const std::string& help) {
      if (!MetricsFault("no-help") || name != "sample_queue_depth") out += "# HELP " + name + " " + help + "\n";
      out += "# TYPE " + name + " " + type + "\n";
    };
    // Counters: OpenMetrics names the family without _total.
    auto counter = [&](const std::string& name, const std::string& help) {
      family(om ? name.substr(0, name.size() - 6) : name, "counter", help);
    };
    const long scrape = ++scrapes_;
    if (!MetricsFault("no-build-info")) {
      family("sample_build_info", "gauge", "Build information.");
      out += "sample_build_info{revision=\"abc123\",version=\"1.0.0\"} 1\n";
    }
    if (MetricsFault("invalid-exposition")) out += "sample_up 1\n# TYPE sample_up gauge\n";
    if (!MetricsFault("no-requests")) {
      counter("http_requests_total", "Requests served, by route and status code.");
      std::lock_guard<std::mutex> lock(mu_);
      for (const auto& [key, count] : requests_) {
        const std::string code = key.substr(0, key.find(' '));
        std::string route = key.substr(key.find(' ') + 1);
        if (MetricsFault("raw-routes") && route == "/api/orders") route = "/api/orders/12345";
        const std::string labels = MetricsFault("no-status-code") ? "{route=\"" + route + "\"}"
                                                                   : "{code=\"" + code + "\",route=\"" + route + "\"}";
        out += "http_requests_total" + labels + " " + std::to_string(count) + "\n";
        if (MetricsFault("duplicate-series")) out += "http_requests_total" + labels + " " + std::to_string(count) + "\n";
      }
      if (MetricsFault("ms-gauge-latency")) {
        family("http_request_duration_milliseconds", "gauge", "Latency of the last request.");
        out += "http_request_duration_milliseconds 12\n";
      } else {
        family("http_server_request_duration_seconds", "histogram", "Request latency.");
        const long n = scrape * 3;
        const std::string inf = MetricsFault("broken-histogram") ? std::to_string(n + 1) : std::to_string(n);
        std::string exemplar;
        if (om && !MetricsFault("no-exemplars")) {  // mu_ is held
          exemplar = " # {trace_id=\"" + last_trace_id_ + "\"} 0.012";
        }
        out += "http_server_request_duration_seconds_bucket{le=\"0.005\"} " + std::to_string(n / 3) + "\n" +
               "http_server_request_duration_seconds_bucket{le=\"0.05\"} " + std::to_string(n - 1) + exemplar + "\n" +
               "http_server_request_duration_seconds_bucket{le=\"+Inf\"} " + inf + "\n" +
               "http_server_request_duration_seconds_sum " + std::to_string(n * 0.01) + "\n" +
               "http_server_request_duration_seconds_count " + std::to_string(n) + "\n";
      }
    }
    counter("sample_jobs_total", "Jobs processed.");
    out += "sample_jobs_total " + std::to_string(MetricsFault("counter-reset") ? 1000 - scrape : 10 + scrape) + "\n";
    if (MetricsFault("no-total")) {
      family("sample_retries", "counter", "Retries.");
      out += "sample_retries 3\n";
    }
    if (MetricsFault("reserved-name")) {
      family("sample:ratio", "gauge", "A recording-rule name in an exporter.");
      out += "sample:ratio 0.5\n";
    }
    if (MetricsFault("camel-case")) {
      family("sampleCacheEntries", "gauge", "Cache entries.");
      out += "sampleCacheEntries 7\n";
    }
    family("sample_queue_depth", "gauge", "Jobs waiting.");
    out += "sample_queue_depth 0\n";
    if (!MetricsFault("no-saturation")) {
      family("http_server_requests_in_flight", "gauge", "Requests being served.");
      out += "http_server_requests_in_flight 1\n";
    } else {
      // Without it, the queue gauge above must not count as saturation either.
      out.erase(out.find("# HELP sample_queue_depth"));
    }
    if (MetricsFault("many-series")) {
      family("sample_cache_item_hits_total", "counter", "Hits per cache item.");
      for (int i = 0; i < 100000; ++i) out += "sample_cache_item_hits_total{item=\"" + std::to_string(i) + "\"} 1\n";
    }
    if (!MetricsFault("no-process")) {
      counter("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.");
      out += "process_cpu_seconds_total 0.5\n";
      family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
      out += "process_resident_memory_bytes 1.2e+07\n";
      family("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.");
      out += "process_start_time_seconds " + std::to_string(start_time_) + "\n";
    }
    if (om && !MetricsFault("bad-openmetrics")) out += "# EOF\n";
    std::string type = om ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
                          : "text/plain; version=0.0.4; charset=utf-8";
    if (MetricsFault("wrong-content-type")) type = "application/json";
    res.set_content(out, type.c_str());
  }

  void Answer(const httplib::Request& req, httplib::Response& res, int status, const std::string& body,
              const std::string& type) {
    res.status = status;
    res.set_content(body, type.c_str());
    Log(req, res, status);
  }

 private:
  static std::string Route(const std::string& path) {
    static const std::set<std::string> known = {"/livez", "/healthz", "/readyz", "/metrics", "/api/orders"};
    return known.count(path) ? path : "other";
  }
  void Delay() const {
    if (o_.health_delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(o_.health_delay_ms));
  }

  Options o_;
  std::mutex mu_;
  std::mutex log_mu_;
  std::ofstream log_;
  std::string last_trace_id_ = "4bf92f3577b34da6a3ce929d0e0e4736";
  std::map<std::string, long> requests_;
  std::atomic<int> liveness_count_{0};
  std::atomic<long> scrapes_{0};
  const long start_time_ = static_cast<long>(std::time(nullptr));
};

}  // namespace

std::string Join(const std::set<std::string>& names) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
  return s;
}

int main(int argc, char** argv) {
  Options o;
  std::vector<std::string> faults;
  CLI::App app{"Sample backend for Probity's demo and tests"};
  app.add_option("--listen", o.listen, "host:port to listen on (port 0 picks one)")->capture_default_str();
  app.add_option("--health-format", o.format, "Health body format")
      ->check(CLI::IsMember({"healthjson", "spring", "k8s", "plain"}))
      ->capture_default_str();
  app.add_option("--fault", faults, "Misbehave: " + Join(kFaults))->check(CLI::IsMember(kFaults));
  std::vector<std::string> metrics_faults;
  app.add_option("--metrics-fault", metrics_faults, "Misbehave on /metrics: " + Join(kMetricsFaults))
      ->check(CLI::IsMember(kMetricsFaults));
  app.add_option("--metrics-delay", o.metrics_delay_ms, "Delay every /metrics answer by this many milliseconds");
  app.add_option("--health-delay", o.health_delay_ms, "Delay every health answer by this many milliseconds");
  app.add_option("--log-file", o.log_file, "Append JSON logs to this file");
  std::vector<std::string> log_faults;
  app.add_option("--log-fault", log_faults, "Misbehave in the log file: " + Join(kLogFaults))
      ->check(CLI::IsMember(kLogFaults));
  CLI11_PARSE(app, argc, argv);
  o.faults.insert(faults.begin(), faults.end());
  o.metrics_faults.insert(metrics_faults.begin(), metrics_faults.end());
  o.log_faults.insert(log_faults.begin(), log_faults.end());

  const auto colon = o.listen.rfind(':');
  const std::string host = o.listen.substr(0, colon);
  const int port = std::stoi(o.listen.substr(colon + 1));

  Backend backend(o);
  httplib::Server server;
  for (const char* path : {"/livez", "/healthz"}) {
    server.Get(path, [&](const httplib::Request& req, httplib::Response& res) { backend.Liveness(req, res); });
  }
  server.Get("/readyz", [&](const httplib::Request& req, httplib::Response& res) { backend.Readiness(req, res); });
  server.Get("/metrics", [&](const httplib::Request& req, httplib::Response& res) { backend.Metrics(req, res); });
  server.Get("/api/orders", [&](const httplib::Request& req, httplib::Response& res) {
    backend.Answer(req, res, 200, R"({"orders":[]})", "application/json");
  });
  server.set_pre_routing_handler([&](const httplib::Request& req, httplib::Response& res) {
    if (backend.Has("bad-traceparent-400") && req.has_header("traceparent") &&
        TraceIdOf(req.get_header_value("traceparent")).empty()) {
      backend.Answer(req, res, 400, R"({"type":"about:blank","title":"Bad traceparent","status":400})",
                     "application/problem+json");
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  server.set_error_handler([&](const httplib::Request& req, httplib::Response& res) {
    if (res.status == 404 && res.body.empty()) {
      backend.Answer(req, res, 404, R"({"type":"about:blank","title":"Not Found","status":404})",
                     "application/problem+json");
    }
  });
  const int bound = port == 0 ? server.bind_to_any_port(host) : (server.bind_to_port(host, port) ? port : -1);
  if (bound <= 0) {
    std::cerr << "sample_backend: cannot listen on " << o.listen << "\n";
    return 1;
  }
  std::cout << "sample_backend listening on http://" << host << ":" << bound << std::endl;
  signal(SIGPIPE, SIG_IGN);
  server.listen_after_bind();
  return 0;
}

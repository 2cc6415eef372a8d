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
};

struct Options {
  std::string listen = "127.0.0.1:0";
  std::string format = "healthjson";
  std::set<std::string> faults;
  int health_delay_ms = 0;
  std::string log_file;
};

std::string Now() {
  const auto now = std::chrono::system_clock::now();
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
  }

  bool Has(const std::string& fault) const { return o_.faults.count(fault) > 0; }

  void Log(const httplib::Request& req, int status) {
    nlohmann::json line = {{"timestamp", Now()}, {"level", status >= 500 ? "error" : "info"},
                           {"message", "request served"}, {"service.name", "sample-backend"},
                           {"http.request.method", req.method}, {"url.path", req.path},
                           {"http.response.status_code", status}};
    const std::string tp = req.get_header_value("traceparent");
    if (tp.size() >= 55) line["trace_id"] = tp.substr(3, 32);
    std::lock_guard<std::mutex> lock(mu_);
    if (log_) log_ << line.dump() << std::endl;
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

  void Metrics(const httplib::Request& req, httplib::Response& res) {
    std::string out =
        "# HELP sample_build_info Build information.\n# TYPE sample_build_info gauge\n"
        "sample_build_info{version=\"1.0.0\"} 1\n"
        "# HELP http_requests_total Requests served.\n# TYPE http_requests_total counter\n";
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [key, count] : requests_) {
      const std::string code = key.substr(0, key.find(' '));
      const std::string route = key.substr(key.find(' ') + 1);
      out += "http_requests_total{code=\"" + code + "\",route=\"" + route + "\"} " + std::to_string(count) + "\n";
    }
    res.set_content(out, "text/plain; version=0.0.4; charset=utf-8");
    (void)req;
  }

  void Answer(const httplib::Request& req, httplib::Response& res, int status, const std::string& body,
              const std::string& type) {
    res.status = status;
    res.set_content(body, type.c_str());
    Log(req, status);
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
  std::ofstream log_;
  std::map<std::string, long> requests_;
  std::atomic<int> liveness_count_{0};
};

}  // namespace

int main(int argc, char** argv) {
  Options o;
  std::vector<std::string> faults;
  CLI::App app{"Sample backend for Probity's demo and tests"};
  app.add_option("--listen", o.listen, "host:port to listen on (port 0 picks one)")->capture_default_str();
  app.add_option("--health-format", o.format, "Health body format")
      ->check(CLI::IsMember({"healthjson", "spring", "k8s", "plain"}))
      ->capture_default_str();
  app.add_option("--fault", faults, "Misbehave: " + [] {
    std::string s;
    for (const auto& f : kFaults) s += (s.empty() ? "" : ", ") + f;
    return s;
  }())->check(CLI::IsMember(kFaults));
  app.add_option("--health-delay", o.health_delay_ms, "Delay every health answer by this many milliseconds");
  app.add_option("--log-file", o.log_file, "Append JSON logs to this file");
  CLI11_PARSE(app, argc, argv);
  o.faults.insert(faults.begin(), faults.end());

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

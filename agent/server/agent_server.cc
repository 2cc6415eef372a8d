#include "server/agent_server.h"

#include <algorithm>
#include <random>
#include <set>

#include <nlohmann/json.hpp>

#include "checks/catalogue.h"
#include "core/build_info.h"
#include "core/memory.h"
#include "core/text.h"
#include "core/trace_context.h"
#include "report/render.h"
#include "report/status_page.h"
#include "runner/probe.h"
#include "server/basic_auth.h"
#include "server/openmetrics_serializer.h"

namespace probity {

namespace {

constexpr char kHealthJson[] = "application/health+json";

}  // namespace

namespace {

// The OpenAPI 3.1 description of the agent's HTTP API, served at
// /openapi.json (what Probity's own api checks look for).
std::string AgentOpenApiDocument() {
  using nlohmann::ordered_json;
  auto text = [](const char* media, const char* description) {
    return ordered_json{{"description", description}, {"content", {{media, ordered_json::object()}}}};
  };
  ordered_json doc = {
      {"openapi", "3.1.0"},
      {"info",
       {{"title", "Probity agent"},
        {"version", kVersion},
        {"description", "Observability readiness verdicts of the targets this agent probes."}}},
      {"paths",
       {{"/api/v1/report",
         {{"get",
           {{"summary", "The last run of every target: scores, levels and every check with detail and remedy"},
            {"operationId", "getReport"},
            {"responses", {{"200", text("application/json", "The report (PRODUCT.md's JSON report shape)")}}}}}}},
        {"/probe",
         {{"get",
           {{"summary", "Probes one configured target now and answers its verdicts as metrics"},
            {"operationId", "probe"},
            {"parameters",
             ordered_json::array({{{"name", "target"}, {"in", "query"}, {"required", true},
                                   {"schema", {{"type", "string"}}},
                                   {"description", "A configured target's name"}}})},
            {"responses",
             {{"200", text("text/plain", "Prometheus text exposition (OpenMetrics when asked)")},
              {"400", text("text/plain", "No target named")},
              {"404", text("text/plain", "No configured target of that name")}}}}}}},
        {"/metrics",
         {{"get",
           {{"summary", "The agent's own metrics and every target's verdicts"},
            {"operationId", "metrics"},
            {"responses", {{"200", text("text/plain", "Prometheus text exposition (OpenMetrics when asked)")}}}}}}},
        {"/-/healthy",
         {{"get",
           {{"summary", "Liveness"},
            {"operationId", "healthy"},
            {"responses", {{"200", text("application/health+json", "The agent is alive")}}}}}}},
        {"/-/ready",
         {{"get",
           {{"summary", "Readiness: every target has been probed once"},
            {"operationId", "ready"},
            {"responses",
             {{"200", text("application/health+json", "Ready")},
              {"503", text("application/health+json", "Not every target has run yet")}}}}}}},
        {"/-/reload",
         {{"post",
           {{"summary", "Reloads the configuration (with --web.enable-lifecycle)"},
            {"operationId", "reload"},
            {"responses",
             {{"200", text("text/plain", "Reloaded")},
              {"500", text("text/plain", "Invalid configuration: the running one is kept")},
              {"403", text("text/plain", "Lifecycle API not enabled")}}}}}}}}},
  };
  return doc.dump(2) + "\n";
}

}  // namespace

Agent::Agent(AgentOptions options, Logger& logger, HttpClient& http, const Clock& clock)
    : options_(std::move(options)), logger_(logger), http_(http), clock_(clock), instance_id_(NewRequestId()), server_(options_.server_limits) {}

Agent::~Agent() { Stop(); }

StatusOr<Agent::Loaded> Agent::Load() {
  std::vector<ConfigError> errors;
  Loaded loaded;
  loaded.config = LoadConfig(options_.config_path, &errors);
  if (!errors.empty()) return Status::Error(JoinErrors(errors));
  loaded.shard = options_.shard ? options_.shard : loaded.config.global.shard;
  std::vector<TargetConfig> discovered;
  if (!loaded.config.service_discovery.empty()) {
    loaded.discovery =
        std::make_unique<ServiceDiscovery>(loaded.config.service_discovery, http_, clock_);
    loaded.discovery->Refresh();
    LogDiscovery(*loaded.discovery);
    discovered = loaded.discovery->Targets();
  }
  StatusOr<std::vector<TargetSpec>> targets = ComposeTargets(loaded.config, loaded.shard, discovered);
  if (!targets.ok()) return targets.status();
  loaded.targets = std::move(*targets);
  return loaded;
}

void Agent::LogDiscovery(ServiceDiscovery& discovery) {
  for (const std::string& error : discovery.new_errors()) {
    logger_.Warn("service discovery source failed; keeping its last good targets", {{"error", error}});
  }
  for (const auto& [mechanism, failed] : discovery.failures()) metrics_.CountDiscoveryFailures(mechanism, failed);
  std::map<std::string, std::size_t> found;
  for (const ServiceDiscovery::SourceState& s : discovery.Sources()) found[s.mechanism] += s.targets;
  metrics_.SetDiscovered(found);
}

void Agent::Install(Loaded loaded) {
  std::lock_guard<std::mutex> lock(sd_mu_);
  config_ = loaded.config;
  shard_ = loaded.shard;
  discovery_ = std::move(loaded.discovery);
  if (!discovery_) metrics_.SetDiscovered({});  // a reload that dropped every source
  Apply(std::move(loaded));
}

void Agent::DiscoveryLoop() {
  std::unique_lock<std::mutex> lock(sd_mu_);
  while (!sd_cv_.wait_for(lock, std::chrono::seconds(1), [this] { return sd_stop_; })) {
    if (!discovery_) continue;
    const bool changed = discovery_->Refresh();
    LogDiscovery(*discovery_);
    if (!changed) continue;
    StatusOr<std::vector<TargetSpec>> targets = ComposeTargets(config_, shard_, discovery_->Targets());
    if (!targets.ok()) {
      logger_.Error("discovered targets cannot be used; keeping the running ones", {{"error", targets.status().message()}});
      continue;
    }
    const std::string count = std::to_string(targets->size());
    Loaded loaded;
    loaded.config = config_;
    loaded.targets = std::move(*targets);
    Apply(std::move(loaded));
    logger_.Info("service discovery changed the targets", {{"targets", count}});
  }
}

void Agent::Apply(Loaded loaded) {
  metrics_.SetCheckSeriesLimit(loaded.config.global.check_series_limit);
  std::vector<std::string> names;
  for (TargetSpec& t : loaded.targets) {
    names.push_back(t.name);
    t.http.headers.emplace_back("X-Probity-Instance", instance_id_);
  }
  store_.SetTargets(names);
  LogLevel level = LogLevel::kInfo;
  if (options_.log_level) {
    logger_.set_min_level(*options_.log_level);
  } else if (ParseLogLevel(loaded.config.global.log_level, &level)) {
    logger_.set_min_level(level);
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    targets_ = loaded.targets;
    // Forget what removed targets remembered (a run in flight co-owns it).
    for (auto it = memories_.begin(); it != memories_.end();) {
      const bool kept = std::find(names.begin(), names.end(), it->first) != names.end();
      it = kept ? std::next(it) : memories_.erase(it);
    }
  }
  scheduler_->SetTargets(std::move(loaded.targets));
}

Status Agent::Start() {
  StatusOr<Loaded> loaded = Load();
  if (!loaded.ok()) {
    metrics_.SetConfigReload(false, clock_.WallNow());
    return Status::Error("invalid configuration:\n" + loaded.status().message());
  }
  const std::string listen = options_.listen_override.empty() ? loaded->config.global.listen : options_.listen_override;
  max_concurrent_ = loaded->config.global.max_concurrent_probes;
  Routes();
  if (!options_.web_config_path.empty()) {
    std::vector<ConfigError> errors;
    WebConfig web = LoadWebConfigFile(options_.web_config_path, &errors);
    if (!errors.empty()) return Status::Error("invalid configuration:\n" + JoinErrors(errors));
    if (web.tls) {
      server_.UseTls({std::move(web.cert_pem), std::move(web.key_pem), std::move(web.client_ca_pem),
                      web.require_client_cert, web.min_version, web.max_version});
    }
    if (!web.basic_auth_users.empty()) {
      std::vector<std::string> open;
      if (options_.health_without_auth) open = {"/-/healthy", "/-/ready"};
      server_.RequireBasicAuth(std::make_shared<BcryptUsers>(std::move(web.basic_auth_users)), std::move(open));
    }
    server_.AddHeaders(std::move(web.headers));
  }
  Status bound = server_.Bind(listen);
  if (!bound.ok()) return bound;

  scheduler_ = std::make_unique<Scheduler>(
      [this](const TargetSpec& spec) {
        std::shared_ptr<TargetMemory> memory;
        {
          std::lock_guard<std::mutex> lock(mu_);
          auto& slot = memories_[spec.name];
          if (!slot) slot = std::make_shared<TargetMemory>();
          memory = slot;
        }
        store_.Started(spec.name);
        return ProbeTarget(spec, http_, clock_, Severity::kCritical, memory.get());
      },
      [this](const TargetSpec& spec, TargetReport report) {
        const std::string score = FormatSeconds(report.score);
        const std::string level(LevelName(report.level));
        const std::string duration = FormatSeconds(ToSeconds(report.duration));
        const std::string failures = std::to_string(report.critical_failures);
        store_.Record(std::move(report), clock_.WallNow());
        // What the run's bodies and parses used goes back to the system.
        ReleaseFreeMemory();
        logger_.Info("probe run completed", {{"target", spec.name}, {"score", score}, {"readiness_level", level},
                                             {"critical_failures", failures}, {"duration_seconds", duration}});
      },
      max_concurrent_, std::random_device{}(), clock_);
  if (loaded->targets.empty() && !loaded->discovery) logger_.Warn("no targets configured: nothing will be probed");
  Install(std::move(*loaded));
  metrics_.SetConfigReload(true, clock_.WallNow());
  scheduler_->Start();
  sd_thread_ = std::thread([this] { DiscoveryLoop(); });
  Status serving = server_.Start();
  if (!serving.ok()) return serving;
  logger_.Info("probity started", {{"listen", listen}, {"port", std::to_string(server_.port())},
                                   {"web_config", options_.web_config_path.empty() ? "none" : options_.web_config_path},
                                   {"lifecycle", options_.enable_lifecycle ? "enabled" : "disabled"},
                                   {"config", options_.config_path.empty() ? "<embedded default>" : options_.config_path}});
  return Status::Ok();
}

Status Agent::Reload() {
  StatusOr<Loaded> loaded = Load();
  if (!loaded.ok()) {
    metrics_.SetConfigReload(false, clock_.WallNow());
    logger_.Error("configuration reload failed; keeping the running configuration",
                  {{"error", loaded.status().message()}});
    return loaded.status();
  }
  if (loaded->config.global.max_concurrent_probes != max_concurrent_) {
    logger_.Warn("global.max_concurrent_probes changes take effect on restart");
  }
  const std::size_t count = loaded->targets.size();
  Install(std::move(*loaded));
  metrics_.SetConfigReload(true, clock_.WallNow());
  logger_.Info("configuration reloaded", {{"targets", std::to_string(count)}});
  return Status::Ok();
}

void Agent::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return;
    stopped_ = true;
  }
  http_.Cancel();
  {
    std::lock_guard<std::mutex> lock(sd_mu_);
    sd_stop_ = true;
  }
  sd_cv_.notify_all();
  if (sd_thread_.joinable()) sd_thread_.join();
  if (scheduler_) scheduler_->Stop();
  server_.Stop();
  logger_.Info("probity stopped");
}

void Agent::Instrument(const std::string& method, const std::string& path, const std::string& handler,
                       ServerHandler h, Pace pace) {
  auto instrumented = [this, handler, h = std::move(h)](const ServerRequest& req, ServerResponse& res) {
    const auto start = clock_.Now();
    h(req, res);
    const double seconds = ToSeconds(clock_.Now() - start);
    // A request that brings no valid traceparent starts a trace of its own,
    // as W3C Trace Context asks; either way the line carries the trace id.
    const std::optional<Traceparent> parent = ParseTraceparent(req.Header("traceparent"));
    const std::string trace_id = parent ? parent->trace_id : NewTraceId();
    metrics_.ObserveRequest(handler, res.status, seconds, trace_id);
    const std::string given_id = req.Header("x-request-id");
    const std::string request_id = IsSafeRequestId(given_id) ? given_id : NewRequestId();
    res.headers.emplace_back("X-Request-ID", request_id);
    res.headers.emplace_back("traceresponse", FormatTraceparent(trace_id, NewSpanId()));
    // Traced requests are worth a line at info; scrapes and probes at debug.
    const LogLevel level = parent ? LogLevel::kInfo : LogLevel::kDebug;
    if (logger_.Enabled(level)) {
      const std::string code = std::to_string(res.status);
      const std::string duration = FormatSeconds(seconds);
      logger_.Log(level, "request served",
                  {{"http.request.method", req.method}, {"handler", handler}, {"code", code},
                   {"duration_seconds", duration}, {"trace_id", trace_id}, {"request_id", request_id}});
    }
  };
  if (pace == Pace::kSlow) {
    server_.RouteSlow(method, path, std::move(instrumented));
  } else {
    server_.Route(method, path, std::move(instrumented));
  }
}

std::string Agent::StatusPage() {
  StatusPageOptions options;
  options.live = true;
  options.now = clock_.WallNow();
  const Report report = store_.Snapshot();
  Duration shortest = std::chrono::seconds(10);
  std::map<std::string, Duration> intervals;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const TargetSpec& t : targets_) {
      shortest = std::min(shortest, t.interval);
      intervals.emplace(t.name, t.interval);
    }
  }
  for (const TargetReport& r : report.targets) {
    // A run starts one interval after the previous start, give or take the scheduler's jitter.
    if (auto it = intervals.find(r.name); it != intervals.end()) options.next_run[r.name] = r.started_at + it->second;
  }
  // As often as the quickest target runs, between every 2 and every 10 seconds.
  options.refresh_seconds = static_cast<int>(std::clamp<long>(
      std::chrono::duration_cast<std::chrono::seconds>(shortest).count(), 2, 10));
  options.history = store_.History();
  options.waiting = store_.Waiting();
  return RenderStatusPage(report, options);
}

void Agent::Routes() {
  Instrument("GET", "/openapi.json", "/openapi.json", [](const ServerRequest&, ServerResponse& res) {
    res.content_type = "application/json";
    res.body = AgentOpenApiDocument();
  });
  Instrument("GET", "/metrics", "/metrics", [this](const ServerRequest& req, ServerResponse& res) {
    const bool openmetrics = WantsOpenMetrics(req.Header("accept"));
    res.content_type = openmetrics ? kOpenMetricsContentType : kTextContentType;
    res.body = metrics_.Exposition(store_, openmetrics);
  });
  Instrument("GET", "/", "/", [this](const ServerRequest&, ServerResponse& res) {
    res.content_type = "text/html; charset=utf-8";
    res.body = StatusPage();
  });
  // The catalogue's documentation, linked from every check on the status page.
  Instrument("GET", "/checks", "/checks", [](const ServerRequest&, ServerResponse& res) {
    res.content_type = "text/html; charset=utf-8";
    res.body = RenderCheckIndexPage();
  });
  for (const CheckInfo& check : Catalogue()) {
    Instrument("GET", "/checks/" + check.id, "/checks/{id}", [&check](const ServerRequest&, ServerResponse& res) {
      res.content_type = "text/html; charset=utf-8";
      res.body = RenderCheckPage(check);
    });
  }
  Instrument("GET", "/api/v1/report", "/api/v1/report", [this](const ServerRequest&, ServerResponse& res) {
    res.content_type = "application/json";
    res.body = RenderJson(store_.Snapshot());
  });
  Instrument("GET", "/-/healthy", "/-/healthy", [](const ServerRequest&, ServerResponse& res) {
    res.content_type = kHealthJson;
    res.body = R"({"status":"pass","serviceId":"probity"})" "\n";
  });
  Instrument("GET", "/-/ready", "/-/ready", [this](const ServerRequest& req, ServerResponse& res) {
    res.content_type = kHealthJson;
    // The agent as its own target: its run is under way while it asks.
    const bool from_own_run = req.Header("x-probity-instance") == instance_id_;
    if (store_.AllTargetsRan(from_own_run)) {
      res.body = R"({"status":"pass","serviceId":"probity"})" "\n";
    } else {
      res.status = 503;
      res.body = R"({"status":"fail","serviceId":"probity","output":"waiting for every target's first run"})" "\n";
    }
  });
  Instrument("POST", "/-/reload", "/-/reload", [this](const ServerRequest&, ServerResponse& res) {
    if (!options_.enable_lifecycle) {
      res.status = 403;
      res.body = "Lifecycle API is not enabled: start probity with --web.enable-lifecycle, or send it SIGHUP\n";
      return;
    }
    Status s = Reload();
    if (s.ok()) {
      res.body = "configuration reloaded\n";
    } else {
      res.status = 500;
      res.body = "failed to reload configuration; the running one is kept:\n" + s.message() + "\n";
    }
  }, Pace::kSlow);
  Instrument("GET", "/probe", "/probe", [this](const ServerRequest& req, ServerResponse& res) {
    bool found = false;
    const std::string name = req.Param("target", &found);
    if (!found || name.empty()) {
      res.status = 400;
      res.body = "missing ?target=NAME: the name of a configured target\n";
      return;
    }
    std::optional<TargetSpec> spec;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (const TargetSpec& t : targets_) {
        if (t.name == name) spec = t;
      }
    }
    if (!spec) {
      res.status = 404;
      res.body = "no such target: \"" + Excerpt(name, 80) + "\" (only configured target names are probed)\n";
      return;
    }
    // The server's pool for slow requests bounds how many run at once.
    TargetReport report = ProbeTarget(*spec, http_, clock_, Severity::kCritical);
    const bool openmetrics = WantsOpenMetrics(req.Header("accept"));
    res.content_type = openmetrics ? kOpenMetricsContentType : kTextContentType;
    res.body = AgentMetrics::TargetExposition(report, openmetrics);
  }, Pace::kSlow);
  // What the server refuses itself (a body over the limit, a full slow pool)
  // is counted like any answer.
  server_.OnRefused([this](const std::string& route, int status) {
    metrics_.ObserveRequest(route.empty() ? "other" : route, status, 0);
  });
  server_.Fallback([this](const ServerRequest& req, ServerResponse& res) {
    metrics_.ObserveRequest("other", res.status, 0);
    res.content_type = "application/problem+json";
    nlohmann::json problem = {{"type", "about:blank"},
                              {"title", res.status == 405 ? "Method Not Allowed" : "Not Found"},
                              {"status", res.status},
                              {"detail", "no " + req.method + " handler for this path; see / for the agent's endpoints"}};
    res.body = problem.dump() + "\n";
  });
}

}  // namespace probity

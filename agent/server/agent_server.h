#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "checks/context.h"
#include "core/logger.h"
#include "core/status.h"
#include "http/http_server.h"
#include "http/http_client.h"
#include "runner/results.h"
#include "runner/scheduler.h"
#include "runner/service_discovery.h"
#include "runner/target.h"
#include "server/agent_metrics.h"

namespace probity {

struct AgentOptions {
  std::string config_path;      // empty: the embedded default configuration
  std::string listen_override;  // empty: global.listen from the configuration
  ServerLimits server_limits;   // the agent's own HTTP server
  // POST /-/reload reloads only with --web.enable-lifecycle (403 otherwise);
  // SIGHUP always does.
  bool enable_lifecycle = false;
  // --web.config.file: TLS, basic-auth users and response headers for every
  // endpoint; empty: plain HTTP, open.
  std::string web_config_path;
  // --web.health-without-auth: /-/healthy and /-/ready answer without basic
  // auth (for kubelet probes); TLS, when configured, still applies.
  bool health_without_auth = false;
  // --shard I/N: wins over global.shard when set.
  std::optional<Shard> shard;
  // --log.level: wins over global.log_level when set.
  std::optional<LogLevel> log_level;
};

// `probity run`: probes every configured target on its interval and serves
// /metrics, /, /api/v1/report, /probe?target=NAME, /-/healthy, /-/ready and
// POST /-/reload. Start() returns once the server listens; Stop() returns
// within the shutdown budget (in-flight probes are cancelled).
class Agent {
 public:
  // Probes through `http` and reads time from `clock` (the scheduler's due
  // times, the runs' timings, the reports' dates); both outlive the agent.
  // Stop() cancels the requests in flight through `http`.
  Agent(AgentOptions options, Logger& logger, HttpClient& http, const Clock& clock);
  ~Agent();

  // Loads the configuration, binds the listen address, starts probing.
  Status Start();
  // Re-reads the configuration; on any error the running one is kept.
  Status Reload();
  void Stop();
  int port() const { return server_.port(); }

 private:
  struct Loaded {
    Config config;
    std::vector<TargetSpec> targets;
    std::unique_ptr<ServiceDiscovery> discovery;  // null without file_sd/http_sd
    std::optional<Shard> shard;
  };
  // Reads the configuration and, once, every service-discovery source.
  StatusOr<Loaded> Load();
  // Swaps in a loaded configuration: targets, discovery and shard.
  void Install(Loaded loaded);
  // Every second: refreshes what service discovery has due, and applies a
  // changed target list.
  void DiscoveryLoop();
  void LogDiscovery(ServiceDiscovery& discovery);
  void Apply(Loaded loaded);
  void Routes();
  // The live status page (/): the latest report, each target's history and
  // next run.
  std::string StatusPage();
  // Routes `h`, counting and logging each request once. Slow handlers (a
  // probe, a reload) run off the server's event threads.
  enum class Pace { kQuick, kSlow };
  void Instrument(const std::string& method, const std::string& path, const std::string& handler, ServerHandler h,
                  Pace pace = Pace::kQuick);

  AgentOptions options_;
  Logger& logger_;
  HttpClient& http_;
  const Clock& clock_;
  ResultStore store_;
  // Sent with every probe of this agent (X-Probity-Instance), so that /-/ready
  // can tell the agent probing itself, whose own run is then under way.
  const std::string instance_id_;
  AgentMetrics metrics_;
  std::unique_ptr<Scheduler> scheduler_;
  HttpServer server_;
  std::mutex mu_;  // guards targets_, fail_on_ and reloads
  std::vector<TargetSpec> targets_;
  // Guarded by mu_. Shared: a run in flight keeps its target's memory alive
  // even if a reload removes the target meanwhile.
  std::map<std::string, std::shared_ptr<TargetMemory>> memories_;
  int max_concurrent_ = kDefaultMaxConcurrentProbes;
  bool stopped_ = false;

  std::mutex sd_mu_;  // guards the four below; taken before mu_
  Config config_;     // the configuration's own targets and checklists
  std::optional<Shard> shard_;
  std::unique_ptr<ServiceDiscovery> discovery_;
  bool sd_stop_ = false;
  std::condition_variable sd_cv_;
  std::thread sd_thread_;
};

}  // namespace probity

#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "checks/check.h"
#include "checks/facts.h"
#include "config/config.h"
#include "core/clock.h"
#include "core/status.h"
#include "exposition/analysis.h"
#include "http/http_client.h"
#include "logs/log_source.h"
#include "scan/content_scanner.h"

namespace probity {

// One endpoint of the target as the probe resolved it.
struct Endpoint {
  std::string url;      // absolute; empty when none is configured or discovered
  bool discovered = false;
  std::string missing_reason;  // why url is empty
  bool found() const { return !url.empty(); }
  std::string Path() const;
};

struct Endpoints {
  Endpoint liveness;
  Endpoint readiness;
  Endpoint metrics;
  Endpoint openapi;
};

// How the logs and tracing checks reach the target's logs.
struct LogAccess {
  std::shared_ptr<LogSource> source;  // nullptr: no log source is configured
  std::shared_ptr<const ContentScanner> scanner;  // built-in rules plus the config's
  const TracingConfig* tracing = nullptr;
  std::string target_url;  // the base the tracing request's path is put on
  bool configured() const { return source != nullptr; }
};

// Who the target is, for the checks that look at it from outside: TLS at
// its HTTPS endpoints, and the monitoring checks through Prometheus.
struct TargetIdentity {
  std::string name;
  std::string url;
  std::map<std::string, std::string> labels;
  const PrometheusConfig* prometheus = nullptr;  // nullptr or unconfigured: none to ask
};

// What a target's checks remember from one run to the next (`probity run`
// keeps one per target; a scan has none). Only the runner touches it between
// runs, so it needs no lock.
struct TargetMemory {
  bool has_counters = false;
  // The last scrape's counters, compactly (24 bytes a series): enough to
  // compare, and to name the families of series that vanish.
  std::vector<exposition::CounterValue> counters;
  std::vector<std::string> counter_families;
  double process_start = -1;  // process_start_time_seconds then, or -1
};

// What a check can use about its target during one probe run. Not
// thread-safe: the checks of one target run one after another.
class ProbeContext {
 public:
  ProbeContext(HttpClient& http, const HttpOptions& options, const Clock& clock, Endpoints endpoints = {})
      : http_(http),
        options_(options),
        clock_(clock),
        endpoints_(std::move(endpoints)),
        connections_(http.NewConnections()) {}

  // GET with the target's options, remembered for the rest of the run so that
  // checks looking at the same endpoint share one request. The requests of a
  // run share one kept-open connection per origin.
  const StatusOr<HttpResponse>& Get(const std::string& url);
  // What the memo holds for a URL, without fetching; nullptr if nothing.
  const StatusOr<HttpResponse>* Remembered(const std::string& url) const {
    auto it = memo_.find(url);
    return it == memo_.end() ? nullptr : &it->second;
  }
  // Seeds the memo (discovery already fetched the endpoint).
  void Remember(const std::string& url, StatusOr<HttpResponse> response);
  // A request of its own, never remembered.
  StatusOr<HttpResponse> Fetch(HttpRequest request) {
    request.connections = connections_.get();
    return http_.Fetch(request, options_);
  }

  // A fact shared by the checks of this run (see checks/facts.h).
  template <typename F>
  F& Fact() {
    return facts_.Get<F>(*this);
  }
  template <typename F>
  F* FindFact() {
    return facts_.Find<F>();
  }
  // Lets go of what the checks still to run do not read: the remembered
  // bodies of endpoints they do not need (status and headers stay), and
  // what each fact releases.
  void Release(const Needs& still_needed);

  const TargetIdentity& target() const { return target_; }
  void set_target(TargetIdentity target) { target_ = std::move(target); }
  TargetMemory* memory() const { return memory_; }
  const LogAccess& logs() const { return logs_; }
  void set_logs(LogAccess logs) { logs_ = std::move(logs); }
  HttpClient& http() const { return http_; }
  void set_memory(TargetMemory* memory) { memory_ = memory; }

  const Endpoints& endpoints() const { return endpoints_; }
  void set_endpoints(Endpoints endpoints) { endpoints_ = std::move(endpoints); }
  const HttpOptions& options() const { return options_; }
  const Clock& clock() const { return clock_; }

 private:
  HttpClient& http_;
  const HttpOptions& options_;
  const Clock& clock_;
  Endpoints endpoints_;
  std::map<std::string, StatusOr<HttpResponse>> memo_;
  Facts facts_;
  std::unique_ptr<HttpConnections> connections_;
  TargetMemory* memory_ = nullptr;
  LogAccess logs_;
  TargetIdentity target_;
};

}  // namespace probity

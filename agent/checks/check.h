#pragma once

#include <any>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "config/config.h"
#include "core/clock.h"
#include "core/status.h"
#include "exposition/analysis.h"
#include "http/http_client.h"

namespace probity {

enum class Severity { kInfo = 0, kWarning = 1, kCritical = 2 };
enum class Level { kNone = 0, kBronze = 1, kSilver = 2, kGold = 3 };
enum class CheckStatus { kPass, kFail, kSkip, kError };

std::string_view SeverityName(Severity s);
std::string_view LevelName(Level l);
std::string_view StatusName(CheckStatus s);
bool ParseSeverity(std::string_view text, Severity* out);

// What a check produced, as reported and exported.
struct CheckResult {
  std::string id;
  std::string category;
  Severity severity = Severity::kWarning;
  Level level = Level::kNone;
  CheckStatus status = CheckStatus::kSkip;
  Duration duration{};
  std::string detail;  // one line a person can act on; never a secret
  std::string remedy;  // empty when the check passed or was skipped
  // Set when the check was not evaluated because the check it names failed
  // (the detail then says "not evaluated: …"); reports group such checks.
  std::string blocked_by;
};

// A check parameter's declaration and, once resolved, its value.
struct ParamSpec {
  enum class Kind { kDuration, kInt, kStringList };
  std::string name;
  Kind kind;
  std::string default_value;  // in config syntax; a comma-separated list for kStringList
  std::string help;
};

using ParamValue = std::variant<Duration, long, std::vector<std::string>>;

class CheckParams {
 public:
  void Set(const std::string& name, ParamValue value) { values_[name] = std::move(value); }
  Duration GetDuration(const std::string& name) const { return std::get<Duration>(values_.at(name)); }
  long GetInt(const std::string& name) const { return std::get<long>(values_.at(name)); }
  const std::vector<std::string>& GetStrings(const std::string& name) const {
    return std::get<std::vector<std::string>>(values_.at(name));
  }

 private:
  std::map<std::string, ParamValue> values_;
};

// Converts a parameter written in the config to its declared kind.
StatusOr<ParamValue> ParseParam(const ParamSpec& spec, const std::vector<std::string>& values, bool is_list);

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
  const LogsConfig* config = nullptr;  // nullptr or unconfigured: no log source
  std::shared_ptr<const ContentScanner> scanner;  // built-in rules plus the config's
  const TracingConfig* tracing = nullptr;
  std::string target_url;  // the base the tracing request's path is put on
  bool configured() const { return config != nullptr && config->configured(); }
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
  // Lets go of the remembered bodies (status and headers stay) and of the
  // shared values whose key starts with `shared_prefix`: what the checks
  // still to run do not read.
  void ReleaseBodies(const std::string& shared_prefix);
  // A request of its own, never remembered.
  StatusOr<HttpResponse> Fetch(HttpRequest request) {
    request.connections = connections_.get();
    return http_.Fetch(request, options_);
  }

  // A value computed once per run and shared by the checks that need it
  // (the metrics scrape and its analysis, say).
  template <typename T, typename Make>
  T& Shared(const std::string& key, Make make) {
    auto it = shared_.find(key);
    if (it == shared_.end()) it = shared_.emplace(key, std::make_any<T>(make())).first;
    return std::any_cast<T&>(it->second);
  }
  // The shared value under `key` if it was computed, else nullptr.
  template <typename T>
  T* FindShared(const std::string& key) {
    auto it = shared_.find(key);
    return it == shared_.end() ? nullptr : std::any_cast<T>(&it->second);
  }
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
  std::map<std::string, std::any> shared_;
  std::unique_ptr<HttpConnections> connections_;
  TargetMemory* memory_ = nullptr;
  LogAccess logs_;
};

// What a check function returns; the runner adds id, timing and metadata.
struct Verdict {
  CheckStatus status;
  std::string detail;
  std::string remedy;  // overrides the catalogue's remedy when set
  std::string blocked_by;  // see CheckResult::blocked_by

  static Verdict Pass(std::string detail) { return {CheckStatus::kPass, std::move(detail), "", ""}; }
  static Verdict Fail(std::string detail, std::string remedy = "") {
    return {CheckStatus::kFail, std::move(detail), std::move(remedy), ""};
  }
  static Verdict Skip(std::string detail) { return {CheckStatus::kSkip, std::move(detail), "", ""}; }
  static Verdict Error(std::string detail) { return {CheckStatus::kError, std::move(detail), "", ""}; }
  // A dependent check that was not evaluated because `prerequisite` failed
  // (status kFail) or could not be evaluated (kError).
  static Verdict NotEvaluated(CheckStatus status, std::string prerequisite, const std::string& why) {
    return {status, "not evaluated: " + why, "", std::move(prerequisite)};
  }
};

using CheckFn = std::function<Verdict(ProbeContext&, const CheckParams&)>;

// A catalogue entry: everything `probity checks` prints, plus the code.
struct CheckInfo {
  std::string id;
  std::string category;
  Severity severity;
  Level level;
  std::string description;
  std::string remedy;
  std::vector<ParamSpec> params;
  CheckFn run;
};

}  // namespace probity

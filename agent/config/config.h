#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "http/http_client.h"

namespace probity {

// A 1-based position in the configuration file.
struct SourcePos {
  int line = 0;
  int column = 0;
};

// One configuration mistake, printed as "FILE:LINE:COL: message".
struct ConfigError {
  std::string file;
  SourcePos pos;
  std::string message;
  std::string ToString() const;
};

// A check parameter as written; its type is checked against the check's
// declaration when checklists are resolved.
struct RawParam {
  std::string name;
  SourcePos pos;
  std::vector<std::string> values;  // one value for a scalar
  bool is_list = false;
};

// `<check id>: {severity: …, params: {…}}` in a checklist's `overrides` or a
// target's `checks`.
struct CheckOverride {
  std::string id;
  SourcePos pos;
  std::optional<std::string> severity;
  SourcePos severity_pos;
  std::vector<RawParam> params;
};

struct NamedRef {
  std::string name;
  SourcePos pos;
};

struct ChecklistConfig {
  std::string name;
  SourcePos pos;
  std::optional<NamedRef> extends;
  std::vector<CheckOverride> overrides;
  std::vector<NamedRef> disable;
};

// Paths (or absolute URLs) of a target's endpoints. Unset ones are found by
// discovery unless `discover: false`.
struct EndpointsConfig {
  std::optional<std::string> liveness;
  std::optional<std::string> readiness;
  std::optional<std::string> metrics;
  std::optional<std::string> openapi;
};

struct TargetConfig {
  std::string name;
  SourcePos pos;
  std::string url;
  std::map<std::string, std::string> labels;
  Duration interval{};
  Duration timeout{};
  EndpointsConfig endpoints;
  bool discover = true;
  HttpOptions http;
  NamedRef checklist{"default", {}};
  std::vector<CheckOverride> checks;  // per-target overrides
};

inline constexpr Duration kDefaultInterval = std::chrono::seconds(30);
inline constexpr Duration kDefaultTimeout = std::chrono::seconds(5);
inline constexpr char kDefaultListen[] = ":9465";
inline constexpr int kDefaultMaxConcurrentProbes = 4;

struct GlobalConfig {
  Duration interval = kDefaultInterval;
  Duration timeout = kDefaultTimeout;
  std::string listen = kDefaultListen;
  int max_concurrent_probes = kDefaultMaxConcurrentProbes;
  std::string log_level = "info";
};

struct Config {
  std::string file;  // where it was read from, for error messages
  GlobalConfig global;
  std::vector<TargetConfig> targets;
  std::vector<ChecklistConfig> checklists;
};

// The configuration compiled into the binary (config/default.yaml).
std::string_view DefaultConfigYaml();

// Parses YAML text. Every mistake found is appended to `errors` (not just the
// first); the result is usable only when no error was added. `file` names
// the source in messages; `*_file` paths are read relative to the process's
// working directory, `${VAR}` references from the environment.
Config ParseConfig(std::string_view yaml, const std::string& file, std::vector<ConfigError>* errors);

// Reads and parses a file; an unreadable file is one error at 0:0.
Config LoadConfigFile(const std::string& path, std::vector<ConfigError>* errors);

}  // namespace probity

#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "checks/catalogue.h"
#include "config/config.h"

namespace probity {

// Everything needed to probe one target, resolved from the configuration.
struct TargetSpec {
  std::string name;
  std::string url;
  std::map<std::string, std::string> labels;
  Duration interval = kDefaultInterval;
  EndpointsConfig endpoints;
  bool discover = true;
  HttpOptions http;
  CheckPlan plan;
  LogsConfig logs;
  TracingConfig tracing;
  std::shared_ptr<const ContentScanner> scanner;  // built-in secret/PII rules plus logs.rules
  PrometheusConfig prometheus;  // the target's own, else the top level's; may be unconfigured
};

// The configuration as scan, run and check-config load it: the file at
// `path` (the embedded default when empty), with every checklist and target
// plan resolved so that each mistake is reported with its position before
// any discovery or probe. Usable only when no error was added.
Config LoadConfig(const std::string& path, std::vector<ConfigError>* errors, const FileSystem& fs = RealFileSystem());

// One spec per configured target; `plans` comes from ResolvePlans().
std::vector<TargetSpec> BuildTargets(const Config& config, const std::map<std::string, CheckPlan>& plans);

// The configured targets, then the discovered ones not named like one
// before them, those of other shards left out; an error when a discovered
// target does not resolve (its template names an unknown checklist).
StatusOr<std::vector<TargetSpec>> ComposeTargets(const Config& config, const std::optional<Shard>& shard,
                                                 const std::vector<TargetConfig>& discovered);

// A bare URL on the command line: default checklist, discovery, global
// timeout. Named after its host and port.
TargetSpec TargetForUrl(const std::string& url, const GlobalConfig& global);

}  // namespace probity

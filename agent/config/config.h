#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/file.h"
#include "core/status.h"
#include "http/http_client.h"
#include "scan/content_scanner.h"

namespace probity {

// A 1-based position in the configuration file.
struct SourcePos {
  int line = 0;
  int column = 0;
};

// One configuration mistake, printed as "FILE:LINE:COL: message" ("FILE:
// message" when it is about the whole file: pos.line 0).
struct ConfigError {
  std::string file;
  SourcePos pos;
  std::string message;
  std::string ToString() const;
};

// Every error's ToString, one per line.
std::string JoinErrors(const std::vector<ConfigError>& errors);

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

inline constexpr std::size_t kDefaultLogMaxLines = 1000;
inline constexpr std::uint64_t kDefaultLogMaxBytes = 1ULL << 20;

// Where a target's logs are read (`logs:`): the tail of a file, an HTTP
// endpoint that returns recent lines, or a Loki query_range call.
struct LogsConfig {
  enum class Kind { kNone, kFile, kUrl, kLoki };
  Kind kind = Kind::kNone;
  std::string path;    // kFile
  std::string url;     // kUrl: the endpoint; kLoki: Loki's base URL
  std::string query;   // kLoki: a LogQL selector
  std::string tenant;  // kLoki: X-Scope-OrgID, when set
  Duration since = std::chrono::hours(1);  // kLoki: how far back to ask
  std::size_t max_lines = kDefaultLogMaxLines;
  std::uint64_t max_bytes = kDefaultLogMaxBytes;
  HttpOptions http;                // kUrl and kLoki
  std::vector<ContentRule> rules;  // extra secret/PII rules
  bool configured() const { return kind != Kind::kNone; }
  // "file /var/log/app.log", "url http://…", "loki http://… {app=\"x\"}"
  std::string Describe() const;
};

// The request the tracing checks send (`tracing:`).
struct TracingConfig {
  std::string method = "GET";
  std::string path;  // empty: the readiness endpoint
  HeaderList headers;
  Duration wait = std::chrono::seconds(5);  // how long the logs are polled for the ids
};

// The Prometheus server the monitoring checks ask through its HTTP API
// (`prometheus: {url, http}` at the top level, or on a target).
struct PrometheusConfig {
  std::string url;  // empty: none configured
  SourcePos pos;
  HttpOptions http;
  bool configured() const { return !url.empty(); }
};

// Answers of the Prometheus API may be large (every target, every rule).
inline constexpr std::uint64_t kMaxPrometheusBodyBytes = 64ULL << 20;

// A Prometheus at `url`, asked within `timeout`, with no credentials: what
// `prometheus:` starts from, and what `scan --prometheus URL` gives.
PrometheusConfig PrometheusAt(std::string url, Duration timeout);

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
  LogsConfig logs;
  TracingConfig tracing;
  std::optional<PrometheusConfig> prometheus;  // unset: the top level's
};

inline constexpr Duration kDefaultInterval = std::chrono::seconds(30);
inline constexpr Duration kDefaultTimeout = std::chrono::seconds(5);
inline constexpr char kDefaultListen[] = ":9465";
inline constexpr int kDefaultMaxConcurrentProbes = 4;
// metrics.cardinality.budget's per-family default: the agent's own /metrics
// stays within it.
inline constexpr int kDefaultCheckSeriesLimit = 2000;

// `--shard I/N` or `global.shard`: this agent keeps the targets Prometheus'
// hashmod would assign to shard I of N (0 <= I < N).
struct Shard {
  std::uint64_t index = 0;
  std::uint64_t count = 1;
  bool Keeps(std::string_view target_name) const;
  std::string ToString() const { return std::to_string(index) + "/" + std::to_string(count); }
};
// Parses "I/N"; an error says what is wrong.
StatusOr<Shard> ParseShard(std::string_view text);
// Prometheus' hashmod: the last 8 bytes of md5(value), big-endian, mod N.
std::uint64_t HashMod(std::string_view value, std::uint64_t modulus);

// A source of targets in Prometheus' service-discovery formats
// (`file_sd_configs`, `http_sd_configs`): each discovered address becomes a
// target named after it, probed with `target` (the template: any target key
// but name and url).
struct SdConfig {
  enum class Kind { kFile, kHttp };
  Kind kind = Kind::kFile;
  SourcePos pos;
  std::vector<std::string> files;  // kFile: paths or globs (*.json, *.yml, *.yaml)
  std::string url;                 // kHttp
  HttpOptions http;                // kHttp: how the list is fetched
  Duration refresh_interval{};     // 5m for files, 60s for URLs, as in Prometheus
  TargetConfig target;
};

struct GlobalConfig {
  Duration interval = kDefaultInterval;
  Duration timeout = kDefaultTimeout;
  std::string listen = kDefaultListen;
  int max_concurrent_probes = kDefaultMaxConcurrentProbes;
  // Most series one per-check family may have on the agent's /metrics; past
  // it the per-check detail is served by /probe?target=NAME only.
  int check_series_limit = kDefaultCheckSeriesLimit;
  std::string log_level = "info";
  std::optional<Shard> shard;
};

struct Config {
  std::string file;  // where it was read from, for error messages
  GlobalConfig global;
  std::vector<TargetConfig> targets;
  std::vector<ChecklistConfig> checklists;
  std::vector<SdConfig> service_discovery;
  PrometheusConfig prometheus;
};

// `--web.config.file`: prometheus/exporter-toolkit's web configuration, for
// the keys Probity supports (others are errors at their line and column).
struct WebConfig {
  std::string file;
  // tls_server_config: the PEM texts, read when the file is loaded.
  bool tls = false;
  std::string cert_pem;
  std::string key_pem;
  std::string client_ca_pem;
  bool require_client_cert = false;  // client_auth_type: RequireAndVerifyClientCert
  std::string min_version = "TLS12";  // TLS10 … TLS13
  std::string max_version = "TLS13";
  // basic_auth_users: user name → bcrypt hash ($2a$, $2b$ or $2y$).
  std::map<std::string, std::string> basic_auth_users;
  // http_server_config.headers: added to every answer.
  HeaderList headers;
};

// Reads a web configuration file; `cert_file`, `key_file` and
// `client_ca_file` are read relative to the file's directory, as
// exporter-toolkit reads them. Files are read through `fs`.
WebConfig LoadWebConfigFile(const std::string& path, std::vector<ConfigError>* errors,
                            const FileSystem& fs = RealFileSystem());
WebConfig ParseWebConfig(std::string_view yaml, const std::string& file, std::vector<ConfigError>* errors,
                         const FileSystem& fs = RealFileSystem());

// The configuration compiled into the binary (config/default.yaml).
std::string_view DefaultConfigYaml();

// Parses YAML text. Every mistake found is appended to `errors` (not just the
// first); the result is usable only when no error was added. `file` names
// the source in messages; `*_file` paths are read relative to the process's
// working directory through `fs`, `${VAR}` references from the environment.
Config ParseConfig(std::string_view yaml, const std::string& file, std::vector<ConfigError>* errors,
                   const FileSystem& fs = RealFileSystem());

// Reads and parses a file; an unreadable file is one error at 0:0.
Config LoadConfigFile(const std::string& path, std::vector<ConfigError>* errors,
                      const FileSystem& fs = RealFileSystem());

}  // namespace probity

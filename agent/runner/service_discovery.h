#pragma once

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "core/clock.h"
#include "core/status.h"
#include "http/http_client.h"

namespace probity {

// The targets of one service-discovery document in Prometheus' format
// (`[{"targets": ["host:port"], "labels": {...}}]`, JSON or YAML), each made
// from `sd.target`: named after its address, its URL `__scheme__://address`
// (http by default), `__metrics_path__` as its metrics endpoint, the group's
// other `__` labels dropped and its labels added to the template's (a label
// Probity's own metrics use, e.g. `target`, becomes `exported_target`, as
// Prometheus renames clashing labels). An error says what and where.
StatusOr<std::vector<TargetConfig>> ParseSdTargets(std::string_view text, bool yaml, const SdConfig& sd);

// Keeps the targets of every file_sd and http_sd source up to date.
//
// Files are globbed anew on every Refresh; a file is re-read when its size,
// modification time or inode changed, or its source's refresh_interval
// passed. A URL is fetched every refresh_interval. A source that fails (a
// file or answer that does not parse, a URL that does not answer 200) keeps
// its last good targets; the failure is counted and its message kept until
// the source succeeds again. A file that no glob matches any more takes its
// targets with it, as in Prometheus.
//
// Not thread-safe: one thread calls Refresh and reads the results.
class ServiceDiscovery {
 public:
  ServiceDiscovery(std::vector<SdConfig> configs, HttpClient& http, const Clock& clock);

  // Reads what is due; true when the list of targets changed.
  bool Refresh();
  // Every discovered target, in source order; an address found twice is kept once.
  std::vector<TargetConfig> Targets() const;

  struct SourceState {
    std::string name;  // a file's path, or the URL
    std::string mechanism;  // "file" or "http"
    std::size_t targets = 0;
    std::string error;  // empty while the last read succeeded
  };
  std::vector<SourceState> Sources() const;
  // Failed reads of the last Refresh, by mechanism ("file", "http").
  const std::map<std::string, std::uint64_t>& failures() const { return failures_; }
  // Failures of the last Refresh, to be logged: "SOURCE: message".
  const std::vector<std::string>& new_errors() const { return new_errors_; }

 private:
  struct Source {
    std::string name;
    std::size_t config = 0;  // index into configs_
    std::vector<TargetConfig> targets;  // the last good ones
    std::string error;
    MonoTime last_read{};
    bool read = false;
    // A file's identity at its last read.
    std::uint64_t size = 0, inode = 0;
    std::int64_t mtime_ns = 0;
  };
  bool RefreshFile(Source& source);
  bool RefreshUrl(Source& source);
  // Takes what a read of `source` gave: new targets (true when they differ
  // from its last), or a failure, counted under `mechanism`, said once per
  // new message, the last good targets kept (false).
  bool Settle(Source& source, const std::string& mechanism, StatusOr<std::vector<TargetConfig>> read);

  std::vector<SdConfig> configs_;
  HttpClient& http_;
  const Clock& clock_;
  std::vector<Source> sources_;  // files in glob order, then URLs
  std::map<std::string, std::uint64_t> failures_;
  std::vector<std::string> new_errors_;
};

}  // namespace probity

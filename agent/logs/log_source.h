#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/clock.h"
#include "core/status.h"
#include "http/http_client.h"

namespace probity {

struct LogEntry {
  std::string text;
  std::optional<double> time;  // when the source saw it (Loki), seconds since the epoch
};

// The newest lines of a source, oldest first, with what was odd about the read.
struct LogSample {
  std::vector<LogEntry> entries;
  std::vector<std::string> notes;  // "rotated during the read; read again", …
};

// Test seam: called after the first chunk of each read of the file, so that
// a test can rotate or truncate it mid-read.
using FileTailHook = std::function<void(int attempt)>;

// The last `max_lines` complete lines within the last `max_bytes` of a file.
// The file is not kept open between calls. A read that races a rotation
// (inode change) or truncation is repeated; when the file holds fewer lines
// than asked for and a rotated predecessor `<path>.1` exists, its newest
// lines are put first. A last line without its newline is still being
// written and is left out. Only regular files are read (a FIFO would block).
StatusOr<LogSample> ReadFileTail(const std::string& path, std::size_t max_lines, std::uint64_t max_bytes,
                                 const FileTailHook& hook = nullptr);

// Where a target's logs are read from. Each Read() is fresh: nothing is kept
// open between reads. Implementations here: a file's tail, a URL's body
// (NDJSON or text, one entry per line), a Loki query_range over the last
// `since`; tests bring their own. Used by one thread at a time.
class LogSource {
 public:
  virtual ~LogSource() = default;
  // The newest lines, oldest first, or why they cannot be read.
  virtual StatusOr<LogSample> Read() = 0;
  // "file /var/log/app.log", "url http://…", "loki {job=\"app\"}"
  virtual std::string Describe() const = 0;
};

// The source the configuration describes, reading through `http` and
// `clock` (which outlive it); nullptr when none is configured.
std::unique_ptr<LogSource> OpenLogSource(const LogsConfig& config, HttpClient& http, const Clock& clock);

}  // namespace probity

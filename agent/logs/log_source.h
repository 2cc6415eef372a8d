#pragma once

#include <functional>
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

// Reads the configured source: the file's tail, the URL's body (NDJSON or
// text, one entry per line), or a Loki query_range over the last `since`.
StatusOr<LogSample> ReadLogs(const LogsConfig& config, HttpClient& http, const Clock& clock);

}  // namespace probity

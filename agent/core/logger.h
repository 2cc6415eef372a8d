#pragma once

#include <cstdio>
#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/status.h"

namespace probity {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// Parses "debug", "info", "warn" or "error"; false when unknown.
bool ParseLogLevel(std::string_view text, LogLevel* level);

// JSON lines (the default), or logfmt as Prometheus' `--log.format=logfmt`
// writes it: key=value pairs, values quoted when they need it.
enum class LogFormat { kJson, kLogfmt };
// Parses "json" or "logfmt"; false when unknown.
bool ParseLogFormat(std::string_view text, LogFormat* format);

// Writes the agent's own logs as JSON (or logfmt) lines: timestamp (RFC 3339, UTC),
// level, message, service.name="probity", then the given context fields.
// Values are escaped and made valid UTF-8; callers must never pass secrets.
// A context field named like an envelope key (timestamp, level, message,
// service.name) is dropped.
// Thread-safe: one line is written with one call.
class Logger {
 public:
  using Field = std::pair<std::string_view, std::string_view>;
  using Fields = std::initializer_list<Field>;

  explicit Logger(std::FILE* sink = stderr, LogLevel min_level = LogLevel::kInfo,
                  const Clock& clock = SystemClock::Instance());
  ~Logger();
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

  void set_min_level(LogLevel level);
  // Not thread-safe against concurrent logging: call before the agent starts.
  void set_format(LogFormat format) { format_ = format; }
  bool Enabled(LogLevel level) const;
  void Log(LogLevel level, std::string_view message, Fields fields = {}) {
    Log(level, message, std::vector<Field>(fields));
  }
  void Log(LogLevel level, std::string_view message, const std::vector<Field>& fields);
  // Also appends every line to this file (created if missing), e.g. for a
  // log shipper or for Probity's own log checks. Not thread-safe against
  // concurrent logging: call before the agent starts.
  Status AlsoWriteTo(const std::string& path);
  void Debug(std::string_view message, Fields fields = {}) { Log(LogLevel::kDebug, message, fields); }
  void Info(std::string_view message, Fields fields = {}) { Log(LogLevel::kInfo, message, fields); }
  void Warn(std::string_view message, Fields fields = {}) { Log(LogLevel::kWarn, message, fields); }
  void Error(std::string_view message, Fields fields = {}) { Log(LogLevel::kError, message, fields); }

 private:
  void Write(const std::string& text);

  std::FILE* sink_;
  std::FILE* file_ = nullptr;
  LogLevel min_level_;
  LogFormat format_ = LogFormat::kJson;
  const Clock& clock_;
  std::mutex mu_;
};

}  // namespace probity

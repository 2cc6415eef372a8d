#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace probity {

enum class LineFormat { kText, kJson, kLogfmt };
enum class FieldState { kAbsent, kValid, kInvalid };

// Severity on the OpenTelemetry scale's six ranges.
enum class Severity6 { kUnknown = 0, kTrace, kDebug, kInfo, kWarn, kError, kFatal };

// What one log line says about itself, read through the field aliases of
// CHECKS.md. Nested objects and dotted keys are the same field:
// {"log":{"level":"info"}} and {"log.level":"info"} both set the level.
struct LineFields {
  LineFormat format = LineFormat::kText;
  FieldState timestamp = FieldState::kAbsent;
  double time = 0;  // seconds since the epoch when timestamp is valid
  FieldState level = FieldState::kAbsent;
  Severity6 severity = Severity6::kUnknown;
  bool service = false;
  FieldState trace_id = FieldState::kAbsent;
  char trace_id_hex[32] = {};  // the trace id itself when trace_id is valid
  std::string_view TraceId() const {
    return trace_id == FieldState::kValid ? std::string_view(trace_id_hex, sizeof trace_id_hex) : std::string_view();
  }
  bool request_scoped = false;  // carries HTTP request fields or a request/trace id
};

// Parses a timestamp: RFC 3339 or ISO 8601 with a zone ("2024-05-01T10:00:00.123Z",
// "…+02:00", "…+0200", "…+02"), or epoch seconds, milliseconds, microseconds or nanoseconds
// (told apart by magnitude). Returns seconds since the epoch.
std::optional<double> ParseLogTimestamp(std::string_view text);
std::optional<double> EpochFromNumber(double value);

// Maps a level name (TRACE…FATAL and their common spellings: warning, err,
// critical, panic, notice, OpenTelemetry's INFO2 …) case-insensitively.
Severity6 ParseSeverity6(std::string_view text);

// Strips a container runtime's wrapping from one raw line: the CRI format
// ("2024-05-01T10:00:00.123Z stdout F message") or Docker's json-file format
// ({"log":"message\n","stream":"stdout","time":"…"}).
struct ContainerLine {
  std::string_view text;      // the application's own line (may point into `scratch`)
  bool partial = false;       // the runtime split the line; the rest follows
  std::optional<double> time;  // when the runtime saw it
};

// Parses log lines one at a time. Keeps its buffers between lines, so reuse
// one per thread.
class LineParser {
 public:
  LineParser();
  ~LineParser();
  LineParser(const LineParser&) = delete;
  LineParser& operator=(const LineParser&) = delete;

  // `readable` bytes from line.data() may be read (at least line.size());
  // with enough to spare the JSON is parsed in place, without a copy.
  LineFields Parse(std::string_view line, std::size_t readable);

  // Unwraps a CRI or Docker json-file line; nullopt for any other line.
  std::optional<ContainerLine> Unwrap(std::string_view line, std::size_t readable);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace probity

#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace probity::exposition {

// The two text formats a /metrics endpoint may answer in.
enum class Format { kText, kOpenMetrics };

enum class MetricType : std::uint8_t {
  kUntyped,  // text "untyped", OpenMetrics "unknown"
  kCounter,
  kGauge,
  kHistogram,
  kGaugeHistogram,  // OpenMetrics only
  kSummary,
  kInfo,      // OpenMetrics only
  kStateSet,  // OpenMetrics only
};

std::string_view MetricTypeName(MetricType t, Format f);

// A label as written: `value` is still escaped (\\ \" \n), which keeps it a
// view into the input. In the text format those are the only escapes; in
// OpenMetrics a backslash before any other character stands for itself.
struct Label {
  std::string_view name;
  std::string_view value;
};

struct Exemplar {
  const Label* labels = nullptr;
  std::size_t label_count = 0;
  double value = 0;
  bool has_timestamp = false;
  double timestamp = 0;
  std::size_t label_chars = 0;  // code points of names and unescaped values, for the 128 limit
};

// One sample line. Views point into the input and into the parser's label
// buffer, valid only during the callback.
struct Sample {
  std::string_view name;
  const Label* labels = nullptr;
  std::size_t label_count = 0;
  double value = 0;
  bool has_timestamp = false;
  double timestamp = 0;  // text: integer milliseconds; OpenMetrics: seconds
  std::string_view timestamp_text;  // as written, to order timestamps beyond double precision
  bool has_exemplar = false;
  Exemplar exemplar;
  std::uint32_t line = 0;
  // The first `shared_labels` labels, and the name, are byte for byte those
  // of the previous sample the parser gave (then in the same piece of input).
  std::uint32_t shared_labels = 0;
  std::uint64_t offset = 0;  // of the line in the whole input
  std::string_view text;  // the whole line
};

struct ParseError {
  std::uint32_t line = 0;
  std::uint32_t column = 0;
  std::string message;
  std::string ToString() const;  // "line N:C: message"
};

// Receives what the parser reads, in input order. `help` is escaped text.
class Handler {
 public:
  virtual ~Handler() = default;
  virtual void OnHelp(std::string_view name, std::string_view help, std::uint32_t line) = 0;
  virtual void OnType(std::string_view name, MetricType type, std::uint32_t line) = 0;
  virtual void OnUnit(std::string_view name, std::string_view unit, std::uint32_t line) = 0;
  virtual void OnSample(const Sample& sample) = 0;
  // PieceParser's callers: the views into the piece given so far are about
  // to become invalid (its buffer is reused).
  virtual void OnPieceDone() {}
  // A semantic problem a handler finds can stop the parse: return it here,
  // checked after each callback.
  virtual std::optional<ParseError> TakeError() { return std::nullopt; }
};

// Parses the whole input in one pass without copying it. Stops at the first
// syntax error: the grammar of the Prometheus text format 0.0.4 (as the
// reference parser, expfmt, reads it) or the ABNF of OpenMetrics 1.0 text
// (single spaces, `# EOF` last, no byte order mark, no carriage returns,
// float timestamps that are real numbers, unsigned NaN, exemplars, UNIT;
// a backslash may escape any character). Checks UTF-8 in label values and
// HELP text. The semantic rules of either format are Analyze's.
std::optional<ParseError> Parse(std::string_view input, Format format, Handler& handler);

// Parses an input handed over in pieces, as Parse parses the whole: the same
// callbacks in the same order, the same outcome. Each piece is whole lines,
// ending in '\n', except the last, which ends the input; the callbacks'
// views point into the current piece.
class PieceParser {
 public:
  PieceParser(Format format, Handler& handler);
  ~PieceParser();
  // `piece` is the input from `offset` on; `last` when it reaches the end.
  // The first error stops the parse.
  std::optional<ParseError> Feed(std::string_view piece, std::uint64_t offset, bool last);
  std::uint32_t lines() const;  // read so far

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Parses a sample value as both formats accept it: decimal or exponent
// notation with an optional sign, NaN without a sign, Inf, +Inf, -Inf (and
// Infinity, case-insensitively, as the reference parsers do). No '_', no
// hex, nothing beyond the range of a double.
bool ParseFloatValue(std::string_view text, double* out);

// Orders two OpenMetrics real numbers (timestamps) exactly, digit by digit,
// where doubles would round nanoseconds away: <0, 0 or >0. Both must be
// realnumbers as the ABNF writes them.
int CompareRealNumbers(std::string_view a, std::string_view b);

bool IsMetricName(std::string_view s);
bool IsLabelName(std::string_view s);

// Unescapes a label value or HELP text written with \\ \" \n; a backslash
// before any other character (OpenMetrics allows it) is kept as written.
std::string Unescape(std::string_view escaped);

}  // namespace probity::exposition

#include "exposition/parser.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <vector>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "core/text.h"

namespace probity::exposition {

std::string ParseError::ToString() const {
  return "line " + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

std::string_view MetricTypeName(MetricType t, Format f) {
  switch (t) {
    case MetricType::kUntyped: return f == Format::kOpenMetrics ? "unknown" : "untyped";
    case MetricType::kCounter: return "counter";
    case MetricType::kGauge: return "gauge";
    case MetricType::kHistogram: return "histogram";
    case MetricType::kGaugeHistogram: return "gaugehistogram";
    case MetricType::kSummary: return "summary";
    case MetricType::kInfo: return "info";
    case MetricType::kStateSet: return "stateset";
  }
  return "unknown";
}

namespace {

inline bool IsNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
inline bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }
inline bool IsMetricStart(char c) { return IsNameStart(c) || c == ':'; }
inline bool IsMetricChar(char c) { return IsNameChar(c) || c == ':'; }
inline bool IsBlank(char c) { return c == ' ' || c == '\t'; }

std::size_t CodePoints(std::string_view s) {
  std::size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// Code points of an escaped value once unescaped: \\ \" \n are one each.
std::size_t UnescapedCodePoints(std::string_view s) {
  std::size_t n = CodePoints(s);
  for (std::size_t i = 0; i + 1 < s.size(); ++i) {
    if (s[i] == '\\') {
      const char c = s[i + 1];
      if (c == '\\' || c == '"' || c == 'n') --n;
      ++i;
    }
  }
  return n;
}

std::string Quote(std::string_view s) { return "\"" + Excerpt(s, 60) + "\""; }

// Scans a line 16 bytes at a time. A line is a view into the input, and a
// chunk may run past the line's end (into the next line) as long as it stays
// inside the input: the bytes past the line are masked off. Near the input's
// end the scan goes a byte at a time.
class LineScanner {
 public:
  explicit LineScanner(std::string_view input) : end_(input.data() + input.size()) {}

  // The first byte from `p` on that cannot continue a metric name (with
  // `colon`) or a label name, or line.size().
  std::size_t NameEnd(std::string_view line, std::size_t p, bool colon) const {
#ifdef __SSE2__
    while (p < line.size() && line.data() + p + 16 <= end_) {
      const __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(line.data() + p));
      // Unsigned range checks as signed ones, shifted by 0x80: a-z (either
      // case, after setting the case bit), 0-9.
      const __m128i lower = _mm_or_si128(c, _mm_set1_epi8(0x20));
      const __m128i alpha = _mm_cmplt_epi8(_mm_add_epi8(lower, _mm_set1_epi8(static_cast<char>(0x80 - 'a'))),
                                           _mm_set1_epi8(static_cast<char>(26 - 0x80)));
      const __m128i digit = _mm_cmplt_epi8(_mm_add_epi8(c, _mm_set1_epi8(static_cast<char>(0x80 - '0'))),
                                           _mm_set1_epi8(static_cast<char>(10 - 0x80)));
      __m128i valid = _mm_or_si128(_mm_or_si128(alpha, digit), _mm_cmpeq_epi8(c, _mm_set1_epi8('_')));
      if (colon) valid = _mm_or_si128(valid, _mm_cmpeq_epi8(c, _mm_set1_epi8(':')));
      const unsigned stop = ~static_cast<unsigned>(_mm_movemask_epi8(valid)) & 0xFFFF;
      if (stop != 0) return std::min(line.size(), p + static_cast<std::size_t>(__builtin_ctz(stop)));
      p += 16;
    }
#endif
    while (p < line.size() && (colon ? IsMetricChar(line[p]) : IsNameChar(line[p]))) ++p;
    return std::min(p, line.size());
  }

  // The first '"' or '\\' from `p` on, or line.size(); sets *high when a
  // byte before it has the top bit set (the text may not be ASCII).
  std::size_t QuoteOrBackslash(std::string_view line, std::size_t p, bool* high) const {
#ifdef __SSE2__
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
    while (p < line.size() && line.data() + p + 16 <= end_) {
      const __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(line.data() + p));
      unsigned stop = static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(c, quote), _mm_cmpeq_epi8(c, backslash))));
      unsigned top = static_cast<unsigned>(_mm_movemask_epi8(c));
      const std::size_t left = line.size() - p;
      if (left < 16) {
        const unsigned in_line = (1u << left) - 1;
        stop &= in_line;
        top &= in_line;
      }
      if (stop != 0) {
        const unsigned first = static_cast<unsigned>(__builtin_ctz(stop));
        *high |= (top & ((1u << first) - 1)) != 0;
        return p + first;
      }
      *high |= top != 0;
      p += 16;
    }
#endif
    for (; p < line.size() && line[p] != '"' && line[p] != '\\'; ++p) *high |= static_cast<unsigned char>(line[p]) >= 0x80;
    return std::min(p, line.size());
  }

 private:
  const char* end_;
};

class LineParser {
 public:
  LineParser(Format format, Handler& handler) : format_(format), om_(format == Format::kOpenMetrics), handler_(handler) {
    labels_.reserve(16);
    exemplar_labels_.reserve(8);
  }

  // Parses `piece`, the input from `offset` on: whole lines, each ending in
  // '\n', except with `last`, where it ends the input.
  std::optional<ParseError> Feed(std::string_view piece, std::uint64_t offset, bool last) {
    scanner_ = LineScanner(piece);
    shared_bytes_ = 0;  // the previous piece may be gone
    const char* p = piece.data();
    const char* const end = p + piece.size();
    while (p < end) {
      ++line_;
      // The input is read once, a line at a time: ask for the bytes 2 KiB
      // ahead, since the hardware's prefetcher stops at each page boundary.
      __builtin_prefetch(p + 2048);
      __builtin_prefetch(p + 2112);
      const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
      const bool has_newline = nl != nullptr;
      const char* line_end = has_newline ? nl : end;
      std::string_view line(p, static_cast<std::size_t>(line_end - p));
      if (seen_eof_) return Error(0, "content after # EOF");
      if (om_) {
        if (line_ == 1 && StartsWith(line, "\xEF\xBB\xBF")) return Error(0, "byte order mark (OpenMetrics allows none)");
        if (!line.empty() && line.back() == '\r') {
          return Error(line.size() - 1, "carriage return at the end of the line (OpenMetrics lines end with \\n only)");
        }
      }
      if (!has_newline && !(om_ && line == "# EOF")) {
        return Error(line.size(), "missing newline at the end of the input");
      }
      line_start_ = p;
      line_offset_ = offset + static_cast<std::uint64_t>(p - piece.data());
      if (om_ && line == "# EOF") {
        seen_eof_ = true;
      } else if (auto err = ParseLine(line)) {
        return err;
      }
      if (auto err = handler_.TakeError()) return err;
      p = has_newline ? nl + 1 : end;
    }
    if (last && om_ && !seen_eof_) return Error(0, "missing # EOF at the end of the OpenMetrics exposition", line_ + 1);
    return std::nullopt;
  }

  std::uint32_t lines() const { return line_; }

 private:
  std::optional<ParseError> Error(std::size_t offset, std::string message, std::uint32_t line = 0) const {
    return ParseError{line ? line : line_, static_cast<std::uint32_t>(offset + 1), std::move(message)};
  }
  std::size_t Offset(const char* at) const { return static_cast<std::size_t>(at - line_start_); }


  std::optional<ParseError> ParseLine(std::string_view line) {
    std::size_t i = 0;
    if (!om_) {
      while (i < line.size() && IsBlank(line[i])) ++i;
      if (i == line.size()) return std::nullopt;  // blank lines are allowed in text format
    } else if (line.empty()) {
      return Error(0, "empty line (OpenMetrics allows none)");
    }
    if (line[i] == '#') return om_ ? ParseOmComment(line) : ParseTextComment(line, i + 1);
    return ParseSample(line, i);
  }

  // Text format: "# HELP name text", "# TYPE name type"; other comments are ignored.
  std::optional<ParseError> ParseTextComment(std::string_view line, std::size_t i) {
    while (i < line.size() && IsBlank(line[i])) ++i;
    std::size_t k = i;
    while (k < line.size() && !IsBlank(line[k])) ++k;
    const std::string_view keyword = line.substr(i, k - i);
    if (keyword != "HELP" && keyword != "TYPE") return std::nullopt;
    i = k;
    while (i < line.size() && IsBlank(line[i])) ++i;
    if (i == line.size()) return std::nullopt;
    std::size_t name_end = i;
    while (name_end < line.size() && IsMetricChar(line[name_end])) ++name_end;
    if (name_end < line.size() && !IsBlank(line[name_end])) {
      return Error(name_end, "invalid metric name in comment");
    }
    const std::string_view name = line.substr(i, name_end - i);
    if (name.empty()) return std::nullopt;
    if (!IsMetricStart(name[0])) return Error(i, "invalid metric name in comment");
    i = name_end;
    while (i < line.size() && IsBlank(line[i])) ++i;
    if (i == line.size()) return std::nullopt;  // no text: as if the line were not there
    const std::string_view rest = line.substr(i);
    if (keyword == "HELP") {
      if (auto err = CheckEscapes(rest, i, false, "HELP text")) return err;
      handler_.OnHelp(name, rest, line_);
      return std::nullopt;
    }
    std::size_t type_end = 0;
    while (type_end < rest.size() && !IsBlank(rest[type_end])) ++type_end;
    const std::string_view type = rest.substr(0, type_end);
    MetricType t;
    if (EqualsIgnoreCase(type, "counter")) t = MetricType::kCounter;
    else if (EqualsIgnoreCase(type, "gauge")) t = MetricType::kGauge;
    else if (EqualsIgnoreCase(type, "histogram")) t = MetricType::kHistogram;
    else if (EqualsIgnoreCase(type, "summary")) t = MetricType::kSummary;
    else if (EqualsIgnoreCase(type, "untyped")) t = MetricType::kUntyped;
    else if (EqualsIgnoreCase(type, "gauge_histogram")) t = MetricType::kGaugeHistogram;
    else return Error(i, "unknown metric type " + Quote(type));
    handler_.OnType(name, t, line_);
    return std::nullopt;
  }

  // OpenMetrics: exactly "# HELP name text", "# TYPE name type", "# UNIT name unit".
  std::optional<ParseError> ParseOmComment(std::string_view line) {
    if (line.size() < 2 || line[1] != ' ') return Error(1, "expected a space after #");
    std::size_t k = 2;
    while (k < line.size() && line[k] != ' ') ++k;
    const std::string_view keyword = line.substr(2, k - 2);
    if (keyword != "HELP" && keyword != "TYPE" && keyword != "UNIT") {
      return Error(2, "unknown comment " + Quote(keyword) + " (OpenMetrics allows HELP, TYPE, UNIT and EOF)");
    }
    if (k >= line.size()) return Error(k, "expected a metric name after " + std::string(keyword));
    std::size_t i = k + 1;
    std::size_t name_end = i;
    while (name_end < line.size() && IsMetricChar(line[name_end])) ++name_end;
    const std::string_view name = line.substr(i, name_end - i);
    if (name.empty() || !IsMetricStart(name[0])) return Error(i, "invalid metric name in " + std::string(keyword));
    if (name_end == line.size()) {
      if (keyword == "HELP" || keyword == "UNIT") {
        return Error(name_end, "expected a space after the metric name in " + std::string(keyword));
      }
      return Error(name_end, "missing metric type");
    }
    if (line[name_end] != ' ') return Error(name_end, "invalid metric name in " + std::string(keyword));
    const std::string_view rest = line.substr(name_end + 1);
    if (keyword == "HELP") {
      if (auto err = CheckEscapes(rest, name_end + 1, true, "HELP text")) return err;
      handler_.OnHelp(name, rest, line_);
    } else if (keyword == "UNIT") {
      for (std::size_t u = 0; u < rest.size(); ++u) {
        if (!IsMetricChar(rest[u])) return Error(name_end + 1 + u, "invalid character in UNIT");
      }
      handler_.OnUnit(name, rest, line_);
    } else {
      MetricType t;
      if (rest == "counter") t = MetricType::kCounter;
      else if (rest == "gauge") t = MetricType::kGauge;
      else if (rest == "histogram") t = MetricType::kHistogram;
      else if (rest == "gaugehistogram") t = MetricType::kGaugeHistogram;
      else if (rest == "summary") t = MetricType::kSummary;
      else if (rest == "info") t = MetricType::kInfo;
      else if (rest == "stateset") t = MetricType::kStateSet;
      else if (rest == "unknown") t = MetricType::kUntyped;
      else return Error(name_end + 1, "unknown metric type " + Quote(rest));
      handler_.OnType(name, t, line_);
    }
    return std::nullopt;
  }

  // Escapes: \\ and \n in text-format HELP; OpenMetrics HELP allows a
  // backslash before any character but needs one after it.
  std::optional<ParseError> CheckEscapes(std::string_view text, std::size_t offset, bool allow_quote,
                                         const char* what) {
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] != '\\') continue;
      if (i + 1 == text.size()) return Error(offset + i, std::string("unterminated escape in ") + what);
      const char c = text[i + 1];
      if (!om_ && c != '\\' && c != 'n' && !(allow_quote && c == '"')) {
        return Error(offset + i, std::string("invalid escape sequence '\\") + c + "' in " + what);
      }
      ++i;
    }
    if (!IsValidUtf8(text)) return Error(offset, std::string(what) + " is not valid UTF-8");
    return std::nullopt;
  }

  // Text format: the first byte from `p` on that is not a blank.
  std::size_t SkipBlanks(std::string_view line, std::size_t p) const {
    if (!om_) {
      while (p < line.size() && IsBlank(line[p])) ++p;
    }
    return p;
  }

  // Reads name="value" at line[*at] into *out; leaves *at after the closing quote.
  std::optional<ParseError> ParseLabel(std::string_view line, std::size_t* at, std::vector<Label>* out,
                                       std::string_view metric, std::size_t* chars) {
    std::size_t p = *at;
    const std::size_t n = p < line.size() && IsNameStart(line[p]) ? scanner_.NameEnd(line, p + 1, false) : p;
    const std::string_view name = line.substr(p, n - p);
    if (name.empty()) return Error(p, "invalid label name for metric " + Quote(metric));
    if (name == "__name__") return Error(p, "label name \"__name__\" is reserved");
    for (const Label& l : *out) {
      if (l.name == name) return Error(p, "duplicate label name " + Quote(name) + " for metric " + Quote(metric));
    }
    p = SkipBlanks(line, n);
    if (p >= line.size() || line[p] != '=') return Error(p, "expected '=' after label name " + Quote(name));
    p = SkipBlanks(line, p + 1);
    if (p >= line.size() || line[p] != '"') return Error(p, "expected '\"' at start of label value");
    const std::size_t value_start = ++p;
    bool high = false;  // a byte outside ASCII: check the value's UTF-8
    for (p = scanner_.QuoteOrBackslash(line, p, &high); p < line.size() && line[p] == '\\';
         p = scanner_.QuoteOrBackslash(line, p + 2, &high)) {
      if (p + 1 >= line.size()) break;
      const char c = line[p + 1];
      high |= static_cast<unsigned char>(c) >= 0x80;
      // OpenMetrics: BS normal-char is an escaped-char too.
      if (!om_ && c != '\\' && c != '"' && c != 'n') {
        return Error(p, std::string("invalid escape sequence '\\") + c + "' in label value");
      }
    }
    if (p >= line.size()) return Error(value_start - 1, "unterminated label value (a raw new-line is not allowed)");
    const std::string_view value = line.substr(value_start, p - value_start);
    if (high && !IsValidUtf8(value)) return Error(value_start, "label value of " + Quote(name) + " is not valid UTF-8");
    out->push_back({name, value});
    if (chars) *chars += CodePoints(name) + UnescapedCodePoints(value);
    *at = p + 1;  // after the closing quote
    return std::nullopt;
  }

  // Reads {name="value",...} at line[*i]; leaves *i after the '}'. With
  // `resume`, *out already holds the first labels and *i is just after the
  // closing quote of the last of them.
  std::optional<ParseError> ParseLabels(std::string_view line, std::size_t* i, std::vector<Label>* out,
                                        std::string_view metric, std::size_t* chars, bool resume = false) {
    std::size_t p = resume ? *i : *i + 1;  // after '{'
    auto skip = [&] { p = SkipBlanks(line, p); };
    if (!resume) {
      out->clear();
      skip();
      if (p < line.size() && line[p] == '}') {
        *i = p + 1;
        return std::nullopt;
      }
    }
    for (;; resume = false) {
      if (!resume) {
        if (auto err = ParseLabel(line, &p, out, metric, chars)) return err;
      }
      skip();
      if (p < line.size() && line[p] == ',') {
        ++p;
        skip();
        if (!om_ && p < line.size() && line[p] == '}') {
          *i = p + 1;
          return std::nullopt;
        }
        continue;
      }
      if (p < line.size() && line[p] == '}') {
        *i = p + 1;
        return std::nullopt;
      }
      return Error(p, "expected ',' or '}' after label value");
    }
  }

  std::optional<ParseError> ParseSample(std::string_view line, std::size_t i) {
    // One Sample for every line, its fields set again: a fresh one per line
    // costs more than the rest of a short line's parse.
    Sample& s = sample_;
    if (s.has_exemplar) s.exemplar = Exemplar{};
    s.labels = nullptr;
    s.label_count = 0;
    s.has_timestamp = false;
    s.timestamp = 0;
    s.timestamp_text = {};
    s.has_exemplar = false;
    s.line = line_;
    s.offset = line_offset_;
    s.text = line;
    s.shared_labels = 0;
    if (shared_bytes_ > 0 && line.size() > shared_bytes_ && std::memcmp(line.data(), shared_line_, shared_bytes_) == 0) {
      // The line starts as the previous sample's did, up to the end of all its
      // labels but the last (as a family's series mostly do): it parses the
      // same that far, so its name and those labels are the previous ones,
      // moved to this line.
      const std::ptrdiff_t moved = line.data() - shared_line_;
      auto move = [moved](std::string_view v) { return std::string_view(v.data() + moved, v.size()); };
      s.name = move(s.name);
      labels_.resize(shared_labels_);
      for (Label& l : labels_) l = {move(l.name), move(l.value)};
      i = shared_bytes_;
      if (auto err = ParseLabels(line, &i, &labels_, s.name, nullptr, true)) return err;
      s.labels = labels_.data();
      s.label_count = labels_.size();
      s.shared_labels = shared_labels_;
    } else {
      const std::size_t n = i < line.size() && IsMetricStart(line[i]) ? scanner_.NameEnd(line, i + 1, true) : i;
      s.name = line.substr(i, n - i);
      if (s.name.empty()) return Error(i, "invalid metric name");
      i = SkipBlanks(line, n);
      if (i < line.size() && line[i] == '{') {
        if (auto err = ParseLabels(line, &i, &labels_, s.name, nullptr)) return err;
        s.labels = labels_.data();
        s.label_count = labels_.size();
      }
    }
    // Value.
    if (om_) {
      if (i >= line.size() || line[i] != ' ') return Error(i, "expected a single space before the value");
      ++i;
    } else {
      while (i < line.size() && IsBlank(line[i])) ++i;
    }
    std::size_t v = i;
    if (om_) {
      while (v < line.size() && line[v] != ' ') ++v;
    } else {
      while (v < line.size() && !IsBlank(line[v])) ++v;
    }
    const std::string_view value = line.substr(i, v - i);
    if (!ParseFloatValue(value, &s.value)) return Error(i, "expected a float as value, got " + Quote(value));
    i = v;
    // Timestamp and exemplar.
    auto at_exemplar = [&] { return om_ && line.substr(i, 3) == " # "; };
    if (i < line.size() && !at_exemplar()) {
      if (om_) {
        if (++i == line.size()) return Error(i - 1, "trailing space after the value");
      } else {
        while (i < line.size() && IsBlank(line[i])) ++i;
      }
      if (i < line.size()) {
        std::size_t t = i;
        if (om_) {
          while (t < line.size() && line[t] != ' ') ++t;
        } else {
          while (t < line.size() && !IsBlank(line[t])) ++t;
        }
        const std::string_view ts = line.substr(i, t - i);
        s.timestamp_text = ts;
        if (!ParseTimestamp(ts, &s.timestamp)) {
          return Error(i, std::string(om_ ? "expected a float timestamp in seconds" : "expected an integer timestamp in milliseconds") +
                              ", got " + Quote(ts));
        }
        s.has_timestamp = true;
        i = t;
      }
    }
    if (i < line.size() && at_exemplar()) {
      i += 3;
      if (i >= line.size() || line[i] != '{') return Error(i, "expected '{' to start the exemplar's labels");
      std::size_t chars = 0;
      if (auto err = ParseLabels(line, &i, &exemplar_labels_, s.name, &chars)) return err;
      s.has_exemplar = true;
      s.exemplar.labels = exemplar_labels_.data();
      s.exemplar.label_count = exemplar_labels_.size();
      s.exemplar.label_chars = chars;
      if (i >= line.size() || line[i] != ' ') return Error(i, "expected a space before the exemplar value");
      ++i;
      std::size_t e = i;
      while (e < line.size() && line[e] != ' ') ++e;
      if (!ParseFloatValue(line.substr(i, e - i), &s.exemplar.value)) {
        return Error(i, "expected a float as exemplar value, got " + Quote(line.substr(i, e - i)));
      }
      i = e;
      if (i < line.size()) {
        ++i;
        std::size_t t = i;
        while (t < line.size() && line[t] != ' ') ++t;
        if (!ParseTimestamp(line.substr(i, t - i), &s.exemplar.timestamp)) {
          return Error(i, "expected a float exemplar timestamp, got " + Quote(line.substr(i, t - i)));
        }
        s.exemplar.has_timestamp = true;
        i = t;
      }
    }
    if (!om_) {
      while (i < line.size() && IsBlank(line[i])) ++i;
    }
    if (i < line.size()) return Error(i, "unexpected text after the sample: " + Quote(line.substr(i)));
    handler_.OnSample(s);
    // What the next line may share: all labels but the last.
    shared_bytes_ = 0;
    if (s.label_count >= 2) {
      const Label& l = labels_[s.label_count - 2];
      shared_line_ = line.data();
      shared_bytes_ = static_cast<std::size_t>(l.value.data() + l.value.size() + 1 - line.data());
      shared_labels_ = static_cast<std::uint32_t>(s.label_count - 1);
    }
    return std::nullopt;
  }

  bool ParseTimestamp(std::string_view text, double* out) const {
    // OpenMetrics: timestamp = realnumber, so no NaN and no Inf however spelled.
    if (om_) return ParseFloatValue(text, out) && std::isfinite(*out);
    std::string_view digits = text;
    if (!digits.empty() && digits[0] == '+') digits.remove_prefix(1);
    std::int64_t value = 0;
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (digits.empty() || ec != std::errc() || ptr != digits.data() + digits.size()) return false;
    *out = static_cast<double>(value);
    return true;
  }

  LineScanner scanner_{std::string_view()};
  Format format_;
  bool om_;
  Handler& handler_;
  std::uint32_t line_ = 0;
  bool seen_eof_ = false;
  const char* line_start_ = nullptr;
  std::uint64_t line_offset_ = 0;  // of the line being read, in the whole input
  std::vector<Label> labels_;
  std::vector<Label> exemplar_labels_;
  // The previous sample line, up to the closing quote of all its labels but
  // the last, and how many labels that is: 0 bytes when there is none in
  // this piece.
  const char* shared_line_ = nullptr;
  std::size_t shared_bytes_ = 0;
  std::uint32_t shared_labels_ = 0;
  Sample sample_;
};

}  // namespace

bool ParseFloatValue(std::string_view text, double* out) {
  if (text.empty()) return false;
  // Fast path: a plain integer of up to 15 digits is exact as a double.
  if (text.size() <= 15) {
    std::uint64_t value = 0;
    std::size_t i = 0;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) value = value * 10 + static_cast<std::uint64_t>(text[i] - '0');
    if (i == text.size()) {
      *out = static_cast<double>(value);
      return true;
    }
  }
  bool negative = false;
  std::string_view body = text;
  if (body[0] == '+' || body[0] == '-') {
    negative = body[0] == '-';
    body.remove_prefix(1);
    // Neither Go's ParseFloat nor the OpenMetrics ABNF signs a NaN.
    if (body.empty() || body[0] == '+' || body[0] == '-' || body[0] == 'n' || body[0] == 'N') return false;
  }
  // from_chars also takes "nan(…)" and hex with a prefix; neither format does.
  for (char c : body) {
    if (c == '(' || c == '_' || c == 'x' || c == 'X' || c == 'p' || c == 'P') return false;
  }
  double value = 0;
  auto [ptr, ec] = std::from_chars(body.data(), body.data() + body.size(), value, std::chars_format::general);
  if (ptr != body.data() + body.size()) return false;
  if (ec == std::errc::result_out_of_range) {
    // Go's ParseFloat answers ±Inf or 0 and an error; the reference parsers reject it.
    return false;
  }
  if (ec != std::errc()) return false;
  *out = negative ? -value : value;
  return true;
}

namespace {

// A realnumber as sign * 0.d1d2d3… * 10^exponent: its significant digits are
// int_part followed by frac_part (views into the text, leading zeros gone).
struct Decimal {
  int sign = 0;  // 0 for zero
  std::int64_t exponent = 0;
  std::string_view int_part, frac_part;
  char Digit(std::size_t i) const {
    if (i < int_part.size()) return int_part[i];
    i -= int_part.size();
    return i < frac_part.size() ? frac_part[i] : '0';
  }
};

Decimal ToDecimal(std::string_view s) {
  Decimal d;
  const bool negative = !s.empty() && s[0] == '-';
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) s.remove_prefix(1);
  const std::size_t e = s.find_first_of("eE");
  std::int64_t exponent = 0;
  if (e != std::string_view::npos) {
    std::string_view x = s.substr(e + 1);
    const bool x_negative = !x.empty() && x[0] == '-';
    if (!x.empty() && (x[0] == '+' || x[0] == '-')) x.remove_prefix(1);
    for (char c : x) exponent = std::min<std::int64_t>(exponent * 10 + (c - '0'), 1000000000);
    if (x_negative) exponent = -exponent;
  }
  const std::string_view mantissa = s.substr(0, e);
  const std::size_t point = mantissa.find('.');
  d.int_part = mantissa.substr(0, point);
  d.frac_part = point == std::string_view::npos ? std::string_view() : mantissa.substr(point + 1);
  while (!d.int_part.empty() && d.int_part[0] == '0') d.int_part.remove_prefix(1);
  std::int64_t shift = static_cast<std::int64_t>(d.int_part.size());
  if (d.int_part.empty()) {
    while (!d.frac_part.empty() && d.frac_part[0] == '0') {
      d.frac_part.remove_prefix(1);
      --shift;
    }
    if (d.frac_part.empty()) return d;  // zero
  }
  d.sign = negative ? -1 : 1;
  d.exponent = exponent + shift;
  return d;
}

}  // namespace

int CompareRealNumbers(std::string_view a, std::string_view b) {
  const Decimal x = ToDecimal(a), y = ToDecimal(b);
  if (x.sign != y.sign) return x.sign < y.sign ? -1 : 1;
  if (x.sign == 0) return 0;
  int magnitude = 0;
  if (x.exponent != y.exponent) {
    magnitude = x.exponent < y.exponent ? -1 : 1;
  } else {
    const std::size_t n = std::max(x.int_part.size() + x.frac_part.size(), y.int_part.size() + y.frac_part.size());
    for (std::size_t i = 0; i < n && magnitude == 0; ++i) {
      if (x.Digit(i) != y.Digit(i)) magnitude = x.Digit(i) < y.Digit(i) ? -1 : 1;
    }
  }
  return x.sign * magnitude;
}

bool IsMetricName(std::string_view s) {
  if (s.empty() || !IsMetricStart(s[0])) return false;
  for (char c : s) {
    if (!IsMetricChar(c)) return false;
  }
  return true;
}

bool IsLabelName(std::string_view s) {
  if (s.empty() || !IsNameStart(s[0])) return false;
  for (char c : s) {
    if (!IsNameChar(c)) return false;
  }
  return true;
}

std::string Unescape(std::string_view escaped) {
  std::string out;
  out.reserve(escaped.size());
  for (std::size_t i = 0; i < escaped.size(); ++i) {
    if (escaped[i] == '\\' && i + 1 < escaped.size()) {
      const char c = escaped[++i];
      if (c == 'n') {
        out += '\n';
      } else if (c == '\\' || c == '"') {
        out += c;
      } else {
        out += '\\';
        out += c;
      }
    } else {
      out += escaped[i];
    }
  }
  return out;
}

std::optional<ParseError> Parse(std::string_view input, Format format, Handler& handler) {
  return LineParser(format, handler).Feed(input, 0, true);
}

struct PieceParser::Impl : LineParser {
  using LineParser::LineParser;
};

PieceParser::PieceParser(Format format, Handler& handler) : impl_(std::make_unique<Impl>(format, handler)) {}
PieceParser::~PieceParser() = default;

std::optional<ParseError> PieceParser::Feed(std::string_view piece, std::uint64_t offset, bool last) {
  return impl_->Feed(piece, offset, last);
}

std::uint32_t PieceParser::lines() const { return impl_->lines(); }

}  // namespace probity::exposition

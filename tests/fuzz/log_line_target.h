#pragma once

// The log-line fuzz target, shared by tests/fuzz/log_line_fuzzer.cc and the
// replay of tests/testdata/logs/regressions/ (tests/fuzz/replay_test.cc).
// Drives every entry point of agent/logs that takes untrusted bytes:
// ParseLogTimestamp, ParseSeverity6, LineParser::Parse and Unwrap (each line
// both in place, with simdjson's padding readable, and copied into a buffer of
// exactly its size so that ASan sees any read past it), and LogAnalyzer over
// the whole input as `probity lint-logs` feeds it (AddBlock on the whole lines
// then Add on the unterminated rest, then Finish).

#include <cmath>
#include <cstddef>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "logs/log_analysis.h"
#include "logs/log_line.h"
#include "scan/content_scanner.h"

namespace probity::fuzz {

// The built-in rules, compiled once per process.
inline std::shared_ptr<const ContentScanner> FuzzScanner() {
  static const std::shared_ptr<const ContentScanner> scanner = *ContentScanner::WithBuiltins({});
  return scanner;
}

inline std::string DescribeFields(const LineFields& f) {
  return "format " + std::to_string(static_cast<int>(f.format)) + " timestamp " +
         std::to_string(static_cast<int>(f.timestamp)) + " time " + std::to_string(f.time) + " level " +
         std::to_string(static_cast<int>(f.level)) + " severity " + std::to_string(static_cast<int>(f.severity)) +
         " service " + std::to_string(f.service) + " trace_id " + std::to_string(static_cast<int>(f.trace_id)) +
         " " + std::string(f.TraceId()) + " request_scoped " + std::to_string(f.request_scoped);
}

inline std::string DescribeStats(const LogStats& s) {
  std::string out = std::to_string(s.lines) + " lines " + std::to_string(s.structured) + " structured " +
                    std::to_string(s.json) + " json " + std::to_string(s.logfmt) + " logfmt " +
                    std::to_string(s.unwrapped) + " unwrapped " + std::to_string(s.request_scoped) + " scoped " +
                    std::to_string(s.errors) + " errors " + std::to_string(s.secret_lines) + " secret lines " +
                    std::to_string(s.pii_lines) + " pii lines; newest " +
                    (s.newest ? std::to_string(*s.newest) : std::string("-"));
  auto tally = [&out](const char* name, const Tally& t) {
    out += std::string("; ") + name + " " + std::to_string(t.count) + "@" + std::to_string(t.first_line) + " " +
           t.example;
  };
  tally("unparseable", s.unparseable);
  tally("timestamp_missing", s.timestamp_missing);
  tally("timestamp_invalid", s.timestamp_invalid);
  tally("level_missing", s.level_missing);
  tally("level_invalid", s.level_invalid);
  tally("service_missing", s.service_missing);
  tally("trace_id_missing", s.trace_id_missing);
  tally("trace_id_invalid", s.trace_id_invalid);
  for (const auto& [rule, t] : s.secrets) tally(rule.c_str(), t);
  for (const auto& [rule, t] : s.pii) tally(rule.c_str(), t);
  return out;
}

// A violated contract, or "" when every entry point behaved. Crashes, leaks
// and undefined behaviour are reported by the sanitizers instead.
inline std::string RunLogLineTarget(std::string_view input) {
  constexpr std::size_t kPadding = 64;  // as log_stream.cc: simdjson reads up to this far past a line

  if (std::optional<double> t = ParseLogTimestamp(input); t && !std::isfinite(*t)) {
    return "ParseLogTimestamp returned a non-finite time";
  }
  ParseSeverity6(input);

  // The input with the zero padding lint-logs gives it.
  std::vector<char> padded(input.size() + kPadding, '\0');
  if (!input.empty()) std::memcpy(padded.data(), input.data(), input.size());

  LineParser parser;
  std::size_t start = 0;
  while (start <= input.size()) {
    std::size_t end = input.find('\n', start);
    if (end == std::string_view::npos) end = input.size();
    const std::string_view line = input.substr(start, end - start);
    // In place, with the rest of the padded buffer readable.
    const std::string_view in_place(padded.data() + start, line.size());
    const std::size_t readable = padded.size() - start;
    const LineFields a = parser.Parse(in_place, readable);
    parser.Unwrap(in_place, readable);
    // Copied into a buffer of exactly its size: the parser must copy, not overread.
    std::unique_ptr<char[]> exact(new char[line.size() + 1]);
    if (!line.empty()) std::memcpy(exact.get(), line.data(), line.size());
    const std::string_view tight(exact.get(), line.size());
    const LineFields b = parser.Parse(tight, tight.size());
    parser.Unwrap(tight, tight.size());
    if (DescribeFields(a) != DescribeFields(b)) {
      return "Parse differs in place and copied: " + DescribeFields(a) + " vs " + DescribeFields(b);
    }
    if (a.timestamp == FieldState::kValid && !std::isfinite(a.time)) return "a valid timestamp is not finite";
    if (a.trace_id == FieldState::kValid) {
      for (char c : a.TraceId()) {
        if (!std::isxdigit(static_cast<unsigned char>(c))) return "a valid trace id holds a non-hex character";
      }
    }
    ParseLogTimestamp(line);
    ParseSeverity6(line);
    start = end + 1;
  }

  // As AnalyzeStream: the whole lines as one block, the unterminated rest on its own.
  LogAnalyzer analyzer(FuzzScanner(), [](const LogFinding&) {}, 3);
  const std::string_view all(padded.data(), input.size());
  const std::size_t last = all.rfind('\n');
  std::size_t lines = 0;
  std::size_t rest = 0;
  if (last != std::string_view::npos) {
    lines = analyzer.AddBlock(all.substr(0, last + 1), 1, padded.size());
    rest = last + 1;
  }
  if (rest < all.size()) analyzer.Add(all.substr(rest), lines + 1, padded.size() - rest);
  analyzer.Finish();
  const LogStats& s = analyzer.stats();
  // AddBlock is documented as the same as Add() for each line.
  LogAnalyzer by_line(FuzzScanner(), [](const LogFinding&) {}, 3);
  for (std::size_t from = 0, n = 1; from < all.size(); ++n) {
    std::size_t to = all.find('\n', from);
    if (to == std::string_view::npos) to = all.size();
    by_line.Add(all.substr(from, to - from), n, padded.size() - from);
    from = to + 1;
  }
  by_line.Finish();
  if (DescribeStats(s) != DescribeStats(by_line.stats())) {
    return "AddBlock differs from Add line by line:\n  " + DescribeStats(s) + "\n  " + DescribeStats(by_line.stats());
  }
  if (s.structured != s.json + s.logfmt) return "structured is not json + logfmt";
  if (s.newest && !std::isfinite(*s.newest)) return "the newest time is not finite";
  return "";
}

}  // namespace probity::fuzz

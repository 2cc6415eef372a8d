#pragma once

// The exposition fuzz target, shared by tests/fuzz/exposition_fuzzer.cc and
// the replay of tests/testdata/exposition/regressions/
// (tests/fuzz/replay_test.cc). Analyses the input in both formats, with every
// option that keeps more state, on one thread and parsed on a thread of its
// own (as inputs of 4 MiB and more are), and read a piece at a time as a file
// and as a stream, in pieces small enough to cut it in many places: all must
// agree.

#include <sys/types.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>

#include "exposition/analysis.h"

namespace probity::fuzz {

namespace internal {

// Where two analyses of one input differ, or "".
inline std::string ExpositionDifference(const exposition::Analysis& a, const exposition::Analysis& b) {
  const auto error = [](const exposition::Analysis& x) { return x.error ? x.error->ToString() : "none"; };
  if (error(a) != error(b)) return "error: " + error(a) + " vs " + error(b);
  if (a.problems.size() != b.problems.size()) return "problem count differs";
  for (std::size_t i = 0; i < a.problems.size(); ++i) {
    if (a.problems[i].ToString() != b.problems[i].ToString()) {
      return "problem: " + a.problems[i].ToString() + " vs " + b.problems[i].ToString();
    }
  }
  if (a.families.size() != b.families.size()) return "family count differs";
  for (std::size_t i = 0; i < a.families.size(); ++i) {
    if (a.families[i].name != b.families[i].name || a.families[i].series != b.families[i].series) {
      return "family differs: " + a.families[i].name + " vs " + b.families[i].name;
    }
  }
  if (a.total_series != b.total_series || a.counter_values.size() != b.counter_values.size()) {
    return "series counts differ";
  }
  return "";
}

}  // namespace internal

// A violated contract, or "" when the analysis behaved. Crashes, leaks and
// undefined behaviour are reported by the sanitizers instead.
inline std::string RunExpositionTarget(std::string_view input) {
  exposition::AnalyzeOptions options;
  options.keep_counter_values = true;
  options.keep_label_values = 50;
  exposition::AnalyzeOptions threaded = options;
  threaded.thread_from_bytes = 0;
  for (exposition::Format format : {exposition::Format::kText, exposition::Format::kOpenMetrics}) {
    const exposition::Analysis one = exposition::Analyze(input, format, options);
    // OpenMetrics demands "# EOF": an input without it is never valid OpenMetrics.
    if (format == exposition::Format::kOpenMetrics && input.find("# EOF") == std::string_view::npos && !one.error) {
      return "OpenMetrics without # EOF was accepted";
    }
    const std::string difference = internal::ExpositionDifference(one, exposition::Analyze(input, format, threaded));
    if (!difference.empty()) return "parsed on its own thread, the outcome differs: " + difference;
    exposition::AnalyzeOptions pieces = threaded;
    pieces.piece_bytes = 1 + input.size() % 97;
    const ReadAt read_at = [input](char* out, std::size_t size, std::size_t offset) {
      if (offset >= input.size()) return ssize_t{0};
      const std::size_t n = std::min(size, input.size() - offset);
      std::memcpy(out, input.data() + offset, n);
      return static_cast<ssize_t>(n);
    };
    const StatusOr<exposition::Analysis> file = exposition::AnalyzeFile(input.size(), read_at, format, pieces);
    if (!file.ok()) return "read as a file: " + file.status().message();
    if (const std::string d = internal::ExpositionDifference(one, *file); !d.empty()) {
      return "read as a file a piece at a time, the outcome differs: " + d;
    }
    std::size_t at = 0;  // a stream hands over a few bytes at a time
    const StatusOr<exposition::Analysis> stream = exposition::AnalyzeStream(
        [&](char* out, std::size_t size, std::size_t) {
          const ssize_t n = read_at(out, std::min<std::size_t>(size, 5), at);
          at += static_cast<std::size_t>(n);
          return n;
        },
        format, pieces);
    if (!stream.ok()) return "read as a stream: " + stream.status().message();
    if (const std::string d = internal::ExpositionDifference(one, *stream); !d.empty()) {
      return "read as a stream a piece at a time, the outcome differs: " + d;
    }
  }
  return "";
}

}  // namespace probity::fuzz

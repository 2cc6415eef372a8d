#pragma once

#include <cstddef>
#include <string>

#include "core/status.h"
#include "logs/log_analysis.h"

namespace probity {

// Lines longer than this are analysed up to this length only.
inline constexpr std::size_t kMaxLogLineBytes = 64 << 20;

struct StreamSummary {
  std::size_t raw_lines = 0;
  std::size_t bytes = 0;
  std::size_t cut_lines = 0;  // lines longer than kMaxLogLineBytes
  std::size_t first_cut_line = 0;
};

// Feeds every line read from `fd` (a file or a pipe) to the analyzer, with
// memory bounded by the longest line (at most kMaxLogLineBytes) plus a
// fixed read buffer, whatever the size of the input.
StatusOr<StreamSummary> AnalyzeStream(int fd, LogAnalyzer* analyzer);

// What `probity lint-logs` prints after the findings: the line of an input
// cut at kMaxLogLineBytes, if any, then "NAME: N lines, … ; F findings: rule
// count, …" with every rule that found something, in a stable order.
struct LintSummary {
  std::string text;
  std::size_t findings = 0;
};
LintSummary SummarizeLint(const std::string& name, const LogStats& stats, const StreamSummary& stream);

}  // namespace probity

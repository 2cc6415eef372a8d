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

}  // namespace probity

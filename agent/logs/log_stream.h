#pragma once

#include <sys/types.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/input_file.h"
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

// A whole input of `size` bytes, read through `read_at`, analysed on up to
// `threads` threads: it is cut at line boundaries into one part per thread
// (never between the parts of a container line split by its runtime), each
// part is read in blocks that stay in its core's cache by an analyzer of its
// own, and the results are merged into what one analyzer reading it all
// would give: `emit` receives the same findings in the same order (at most
// `max_findings_per_rule` each), and the stats and summary are the same. No
// part is smaller than `min_part_bytes`: below that a thread costs more than
// it saves. A failed read is the error.
struct TextAnalysis {
  LogStats stats;
  StreamSummary summary;
};
StatusOr<TextAnalysis> AnalyzeText(std::size_t size, const ReadAt& read_at,
                                   const std::shared_ptr<const ContentScanner>& scanner,
                                   const std::function<void(const LogFinding&)>& emit, std::size_t max_findings_per_rule,
                                   int threads, std::size_t min_part_bytes = 4 << 20);

// What `probity lint-logs` prints after the findings: the line of an input
// cut at kMaxLogLineBytes, if any, then "NAME: N lines, … ; F findings: rule
// count, …" with every rule that found something, in a stable order.
struct LintSummary {
  std::string text;
  std::size_t findings = 0;
};
LintSummary SummarizeLint(const std::string& name, const LogStats& stats, const StreamSummary& stream);

}  // namespace probity

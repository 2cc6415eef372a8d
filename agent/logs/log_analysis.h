#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scan/content_scanner.h"
#include "logs/log_line.h"

namespace probity {

// How often something was seen, and where first (with a masked excerpt).
struct Tally {
  std::size_t count = 0;
  std::size_t first_line = 0;
  std::string example;  // masked: never contains a detected secret
};

// What a sample of log lines says, as the logs.* checks read it.
struct LogStats {
  std::size_t lines = 0;       // logical lines (container partials joined, blank lines skipped)
  std::size_t structured = 0;  // JSON objects or logfmt records
  std::size_t json = 0;
  std::size_t logfmt = 0;
  std::size_t unwrapped = 0;   // lines that came wrapped by a container runtime
  Tally unparseable;
  Tally timestamp_missing, timestamp_invalid;
  Tally level_missing, level_invalid;
  Tally service_missing;
  std::size_t request_scoped = 0;
  Tally trace_id_missing, trace_id_invalid;  // among request-scoped lines
  std::optional<double> newest;  // seconds since the epoch of the newest line
  std::size_t errors = 0;        // ERROR or FATAL lines
  std::map<std::string, Tally> secrets;  // by rule
  std::map<std::string, Tally> pii;      // by rule
  std::size_t secret_lines = 0;
  std::size_t pii_lines = 0;

  std::size_t SecretCount() const;
  std::size_t PiiCount() const;
  // Adds what `later` saw in the lines that followed, numbered from 1 there
  // and from `line_offset` + 1 here: the same stats as one analyzer that read
  // both parts in order.
  void Merge(const LogStats& later, std::size_t line_offset);
};

// One finding on one line, as `probity lint-logs` prints it.
struct LogFinding {
  std::size_t line = 0;
  std::string rule;     // "unparseable", "timestamp.missing", "secret.aws-access-key", …
  std::string excerpt;  // masked
};

// Analyses log lines one at a time: container unwrapping, JSON/logfmt
// parsing, field aliases, and every secret and PII rule in one pass. Memory
// stays bounded whatever the input: nothing but the tallies is kept.
class LogAnalyzer {
 public:
  // `max_findings_per_rule` caps the findings passed to `on_finding` (the
  // counts are always complete).
  LogAnalyzer(std::shared_ptr<const ContentScanner> scanner,
              std::function<void(const LogFinding&)> on_finding = nullptr, std::size_t max_findings_per_rule = 0);
  ~LogAnalyzer();

  // One raw line (without its newline). `readable` bytes from line.data()
  // may be read (at least line.size()); `source_time` is when the source
  // (Loki) saw the line, used when the line states no time.
  void Add(std::string_view line, std::size_t line_no, std::size_t readable,
           std::optional<double> source_time = std::nullopt);
  // Whole lines, each ended by '\n' (the last may lack it), numbered from
  // `first_line_no`: the same as Add() for each line, but the secret and PII
  // rules scan the block in one pass instead of a pass per line. Returns
  // the number of lines.
  std::size_t AddBlock(std::string_view block, std::size_t first_line_no, std::size_t readable);
  // Flushes a container line whose continuation never came.
  void Finish();

  const LogStats& stats() const { return stats_; }

 private:
  // `candidates`, when given, are the rules a block scan found on this very
  // line; otherwise the line is scanned on its own.
  void AddLine(std::string_view line, std::size_t line_no, std::size_t readable, std::optional<double> source_time,
               const std::vector<std::uint32_t>* candidates);
  void Analyze(std::string_view line, std::size_t line_no, std::size_t readable, std::optional<double> source_time,
               const std::vector<std::uint32_t>* candidates);
  void Count(Tally* tally, const std::string& rule, std::string_view line, std::size_t line_no,
             std::size_t focus = 0);

  std::shared_ptr<const ContentScanner> scanner_;
  ContentScanner::Scratch scratch_;
  LineParser parser_;
  std::function<void(const LogFinding&)> on_finding_;
  std::size_t max_findings_per_rule_;
  std::map<std::string, std::size_t> reported_;
  std::vector<ContentMatch> matches_;
  std::vector<std::size_t> newlines_;                 // of the current block
  std::vector<ContentScanner::LineHit> block_hits_;  // of the current block
  std::vector<std::uint32_t> candidates_;            // of the current line
  std::string pending_;             // a container line split into parts
  std::size_t pending_line_ = 0;
  std::optional<double> pending_time_;
  LogStats stats_;
};

}  // namespace probity

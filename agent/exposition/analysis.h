#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/input_file.h"
#include "core/status.h"
#include "exposition/parser.h"

namespace probity::exposition {

// One finding about a metric family, printed as "<metric> <text>".
struct Problem {
  enum class Kind {
    kHelp,          // promlint: no help text
    kUnits,         // promlint: base units, abbreviations
    kCounterSuffix, // promlint: _total
    kReserved,      // promlint: reserved suffixes/labels, type in name, ':'; Probity: __ labels
    kSnakeCase,     // promlint: camelCase
    kValidity,      // Probity: what the spec forbids but the reference parser lets through
    kDuplicate,     // Probity: a series appears twice
    kHistogram,     // Probity: histogram or summary inconsistent
    kCardinality,   // Probity: too many series
  };
  Kind kind;
  std::string metric;
  std::string text;
  std::string ToString() const { return metric + " " + text; }
};

struct FamilySummary {
  std::string name;
  MetricType type = MetricType::kUntyped;
  bool typed = false;  // a TYPE line declared it
  bool has_help = false;
  std::string unit;
  std::uint32_t first_line = 0;
  std::size_t series = 0;   // distinct sample name + label sets
  std::size_t samples = 0;
  double first_value = 0;  // value of its first sample
  std::optional<std::string> first_version;  // its first sample's `version` label, unescaped, if it has one
  std::size_t exemplars = 0;                // samples with an exemplar (OpenMetrics)
  std::size_t exemplars_with_trace_id = 0;  // … whose labels include trace_id
  std::vector<std::string> label_names;  // distinct, in first-seen order, without le/quantile
};

// A counter series' value, kept compactly for comparing two scrapes.
struct CounterValue {
  std::uint64_t series;  // hash of the name and label set (label order aside)
  double value;
  std::uint32_t family;  // index into Analysis::counter_families
};

struct AnalyzeOptions {
  std::size_t max_series_total = 10000;
  std::size_t max_series_per_family = 2000;
  // Keep every counter's value by series hash, for comparing two scrapes.
  bool keep_counter_values = false;
  // Name these series (hashes as in CounterValue) in Analysis::series_names.
  const std::set<std::uint64_t>* name_series = nullptr;
  // Keep up to this many distinct values per label name across all
  // families, for route-cardinality checks.
  std::size_t keep_label_values = 0;
  // Fill Analysis::families. Without them a large exposition of many small
  // families (lint-metrics) takes much less memory.
  bool family_summaries = true;
  // From this size on the text is parsed on a thread of its own while it is
  // analysed on the caller's; the outcome is the same.
  std::size_t thread_from_bytes = std::size_t{4} << 20;
  // AnalyzeFile and AnalyzeStream: the size of the buffers the input is read
  // into, and the longest line they take (a longer one is an error).
  std::size_t piece_bytes = std::size_t{256} << 10;
  std::size_t max_line_bytes = std::size_t{64} << 20;
};

struct Analysis {
  Format format = Format::kText;
  std::optional<ParseError> error;        // the exposition cannot be parsed
  std::vector<FamilySummary> families;    // in order of first appearance, with samples only
  std::vector<Problem> problems;          // promlint's first (sorted as promtool sorts), then Probity's
  std::size_t total_series = 0;
  std::vector<CounterValue> counter_values;  // if asked: sorted by series, one per series
  std::vector<std::string> counter_families;  // names of the families counter_values refers to
  std::map<std::uint64_t, std::string> series_names;  // if asked: name{label="value",…}, labels sorted
  std::map<std::string, std::vector<std::string>> label_values;  // label name -> distinct values, if asked

  const FamilySummary* Find(std::string_view name) const;
  std::vector<const Problem*> Of(Problem::Kind kind) const;
};

// Parses and lints one exposition in a single pass over the text.
// Text format 0.0.4: `error` is what promtool cannot parse; what it lets
// through is a problem. OpenMetrics: every MUST and MUST NOT of the 1.0
// text format that one exposition can show (metadata, family and Metric
// grouping, name clashes, MetricPoint timestamps, per-type values, exemplars;
// see tests/exposition/OPENMETRICS_CONFORMANCE.md) is an `error`, since an
// invalid exposition is erroneous in its entirety.
Analysis Analyze(std::string_view body, Format format, const AnalyzeOptions& options = {});

// Analyze for the first `size` bytes of a file read through `read_at`: the
// same outcome. From options.thread_from_bytes on, the parsing thread reads
// it a piece of whole lines at a time into a few reused buffers (which here
// costs less than mapping it), and memory stays bounded by the longest line
// (options.max_line_bytes at most) whatever its size; a line quoted in a
// problem is read again. A failed read is the error.
StatusOr<Analysis> AnalyzeFile(std::size_t size, const ReadAt& read_at, Format format,
                               const AnalyzeOptions& options = {});

// The same for a stream (a pipe, a terminal, a device) read to its end,
// always on two threads; the lines to quote are kept as they are read.
StatusOr<Analysis> AnalyzeStream(const ReadAt& read, Format format, const AnalyzeOptions& options = {});

}  // namespace probity::exposition

#include "logs/log_stream.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <map>
#include <thread>
#include <vector>

#include "core/duration.h"

namespace probity {
namespace {

constexpr std::size_t kReadBlock = 8 << 20;
constexpr std::size_t kPadding = 64;  // simdjson reads up to this far past a line
// A file's part is read in blocks that stay in a core's cache while the rules
// scan them, the lines are parsed and the hits are confirmed.
constexpr std::size_t kFileBlock = 256 << 10;
// How far past a cut's first guess its place is looked for.
constexpr std::size_t kCutWindow = 1 << 20;

// Feeds the lines of bytes [begin, end) to `analyzer`, read through
// `read_at` in blocks of about `block` bytes, with memory bounded by the
// longest line (at most kMaxLogLineBytes) plus the block; lines numbered from 1.
StatusOr<StreamSummary> AnalyzeRange(const ReadAt& read_at, std::size_t begin, std::size_t end, std::size_t block,
                                     LogAnalyzer* analyzer) {
  StreamSummary summary;
  std::vector<char> buffer(block + kPadding);
  std::size_t offset = begin;  // of the next byte to read
  std::size_t filled = 0;      // bytes of input in the buffer
  bool skipping = false;       // discarding the rest of an over-long line
  bool eof = false;
  while (!eof) {
    if (buffer.size() - kPadding - filled < block / 2 && buffer.size() - kPadding < kMaxLogLineBytes) {
      buffer.resize(std::min(kMaxLogLineBytes, (buffer.size() - kPadding) * 2) + kPadding);
    }
    const std::size_t room = std::min(buffer.size() - kPadding - filled, end - offset);
    const ssize_t n = room == 0 ? 0 : read_at(buffer.data() + filled, room, offset);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::Error(std::string("read failed: ") + std::strerror(errno));
    }
    if (n == 0) eof = true;
    offset += static_cast<std::size_t>(n);
    filled += static_cast<std::size_t>(n);
    summary.bytes += static_cast<std::size_t>(n);
    std::memset(buffer.data() + filled, 0, kPadding);

    std::size_t start = 0;
    const char* data = buffer.data();
    if (skipping) {
      const void* nl = std::memchr(data, '\n', filled);
      if (nl != nullptr) {
        start = static_cast<std::size_t>(static_cast<const char*>(nl) - data) + 1;
        skipping = false;
      }
    }
    // Every whole line read so far goes to the analyzer as one block.
    if (!skipping && start < filled) {
      const void* last = ::memrchr(data + start, '\n', filled - start);
      if (last != nullptr) {
        const std::size_t stop = static_cast<std::size_t>(static_cast<const char*>(last) - data) + 1;
        summary.raw_lines += analyzer->AddBlock(std::string_view(data + start, stop - start), summary.raw_lines + 1,
                                                buffer.size() - start);
        start = stop;
      }
    }
    const std::size_t rest = filled - start;
    if (eof) {
      if (rest > 0 && !skipping) {
        ++summary.raw_lines;
        analyzer->Add(std::string_view(data + start, rest), summary.raw_lines, buffer.size() - start);
      }
      break;
    }
    if (rest >= kMaxLogLineBytes && !skipping) {
      // An over-long line: analyse what fits, drop the rest up to its newline.
      ++summary.raw_lines;
      ++summary.cut_lines;
      if (summary.first_cut_line == 0) summary.first_cut_line = summary.raw_lines;
      analyzer->Add(std::string_view(data + start, rest), summary.raw_lines, buffer.size() - start);
      skipping = true;
      filled = 0;
      continue;
    }
    if (skipping) {
      filled = 0;
      continue;
    }
    std::memmove(buffer.data(), data + start, rest);
    filled = rest;
  }
  analyzer->Finish();
  return summary;
}

// Where to cut the input near `at`: just after a newline, and not after a
// line that a container runtime split (its continuation must stay in the same
// part); `size` when no such place is within kCutWindow bytes. The first
// 64 KiB are read first: the place is nearly always among the first lines.
std::size_t CutNear(const ReadAt& read_at, std::size_t size, std::size_t at, LineParser& parser) {
  for (const std::size_t limit : {std::size_t{64} << 10, kCutWindow}) {
    std::vector<char> window(std::min(limit, size - at) + kPadding);
    std::size_t filled = 0;
    while (filled < window.size() - kPadding) {
      const ssize_t n = read_at(window.data() + filled, window.size() - kPadding - filled, at + filled);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // the part that reads it reports a failure
      filled += static_cast<std::size_t>(n);
    }
    const std::string_view text(window.data(), filled);
    // The line `at` falls in is only seen in part: the cut comes after a
    // later line, read whole.
    std::size_t p = text.find('\n');
    for (p = p == std::string_view::npos ? text.size() : p + 1; p < text.size();) {
      const std::size_t nl = text.find('\n', p);
      if (nl == std::string_view::npos) break;
      std::optional<ContainerLine> unwrapped = parser.Unwrap(text.substr(p, nl - p), window.size() - p);
      p = nl + 1;
      if (!unwrapped || !unwrapped->partial) return at + p;
    }
    if (filled < limit) break;  // nothing more to read
  }
  return size;
}

}  // namespace

StatusOr<StreamSummary> AnalyzeStream(int fd, LogAnalyzer* analyzer) {
  const ReadAt read = [fd](char* out, std::size_t size, std::size_t) { return ::read(fd, out, size); };
  return AnalyzeRange(read, 0, std::numeric_limits<std::size_t>::max(), kReadBlock, analyzer);
}

StatusOr<TextAnalysis> AnalyzeText(std::size_t size, const ReadAt& read_at,
                                   const std::shared_ptr<const ContentScanner>& scanner,
                                   const std::function<void(const LogFinding&)>& emit, std::size_t max_findings_per_rule,
                                   int threads, std::size_t min_part_bytes) {
  const std::size_t parts_wanted = std::max<std::size_t>(
      1, std::min<std::size_t>(static_cast<std::size_t>(std::max(threads, 1)), size / std::max<std::size_t>(min_part_bytes, 1)));
  std::vector<std::size_t> cuts{0};
  LineParser parser;
  for (std::size_t i = 1; i < parts_wanted; ++i) {
    const std::size_t cut = CutNear(read_at, size, std::max(cuts.back(), size / parts_wanted * i), parser);
    if (cut >= size) break;
    cuts.push_back(cut);
  }
  cuts.push_back(size);
  const std::size_t parts = cuts.size() - 1;

  // The first part's findings go out as they are found; the later parts'
  // wait, numbered within their part, for the parts before them.
  std::map<std::string, std::size_t> emitted;
  std::vector<std::vector<LogFinding>> held(parts);
  std::vector<std::unique_ptr<LogAnalyzer>> analyzers;
  for (std::size_t i = 0; i < parts; ++i) {
    std::function<void(const LogFinding&)> sink;
    if (emit && i == 0) {
      sink = [&](const LogFinding& f) {
        ++emitted[f.rule];
        emit(f);
      };
    } else if (emit) {
      sink = [&held, i](const LogFinding& f) { held[i].push_back(f); };
    }
    analyzers.push_back(std::make_unique<LogAnalyzer>(scanner, std::move(sink), max_findings_per_rule));
  }
  std::vector<StatusOr<StreamSummary>> summaries(parts, StreamSummary{});
  {
    const auto run = [&](std::size_t i) {
      summaries[i] = AnalyzeRange(read_at, cuts[i], cuts[i + 1], kFileBlock, analyzers[i].get());
    };
    std::vector<std::thread> workers;
    for (std::size_t i = 1; i < parts; ++i) workers.emplace_back(run, i);
    run(0);
    for (std::thread& w : workers) w.join();
  }
  for (const StatusOr<StreamSummary>& s : summaries) {
    if (!s.ok()) return s.status();
  }

  TextAnalysis out{analyzers[0]->stats(), *summaries[0]};
  for (std::size_t i = 1; i < parts; ++i) {
    const std::size_t offset = out.summary.raw_lines;
    for (LogFinding& f : held[i]) {
      if (emitted[f.rule]++ >= max_findings_per_rule) continue;
      f.line += offset;
      emit(f);
    }
    out.stats.Merge(analyzers[i]->stats(), offset);
    const StreamSummary& s = *summaries[i];
    if (s.cut_lines > 0 && out.summary.cut_lines == 0) out.summary.first_cut_line = s.first_cut_line + offset;
    out.summary.cut_lines += s.cut_lines;
    out.summary.raw_lines += s.raw_lines;
    out.summary.bytes += s.bytes;
  }
  return out;
}

LintSummary SummarizeLint(const std::string& name, const LogStats& stats, const StreamSummary& stream) {
  const LogStats& s = stats;
  std::string out;
  // Every rule with its count, in a stable order.
  std::vector<std::pair<std::string, std::size_t>> counts = {
      {"unparseable", s.unparseable.count},          {"timestamp.missing", s.timestamp_missing.count},
      {"timestamp.invalid", s.timestamp_invalid.count}, {"level.missing", s.level_missing.count},
      {"level.invalid", s.level_invalid.count},      {"service.missing", s.service_missing.count},
      {"trace_id.missing", s.trace_id_missing.count}, {"trace_id.invalid", s.trace_id_invalid.count},
  };
  for (const auto& [rule, tally] : s.secrets) counts.emplace_back("secret." + rule, tally.count);
  for (const auto& [rule, tally] : s.pii) counts.emplace_back("pii." + rule, tally.count);
  if (stream.cut_lines > 0) {
    out += std::to_string(stream.first_cut_line) + ": line.too_long: longer than " +
           FormatByteSize(kMaxLogLineBytes) + "; only its start was analysed\n";
    counts.emplace_back("line.too_long", stream.cut_lines);
  }
  std::size_t findings = 0;
  std::string by_rule;
  for (const auto& [rule, n] : counts) {
    if (n == 0) continue;
    findings += n;
    by_rule += (by_rule.empty() ? "" : ", ") + rule + " " + std::to_string(n);
  }
  out += name + ": " + std::to_string(s.lines) + " lines, " + std::to_string(s.structured) + " structured (" +
         std::to_string(s.json) + " JSON, " + std::to_string(s.logfmt) + " logfmt), " + std::to_string(s.errors) +
         " ERROR/FATAL; ";
  out += findings == 0 ? "no findings\n" : std::to_string(findings) + " findings: " + by_rule + "\n";
  return {out, findings};
}

}  // namespace probity

#include "logs/log_stream.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <thread>
#include <vector>

#include "core/duration.h"
#include "core/input_file.h"

namespace probity {
namespace {

constexpr std::size_t kReadBlock = 8 << 20;
constexpr std::size_t kPadding = 64;  // simdjson reads up to this far past a line
// A mapped input is analysed in blocks that stay in a core's cache while the
// rules scan them, the lines are parsed and the hits are confirmed.
constexpr std::size_t kMappedBlock = 256 << 10;

}  // namespace

StatusOr<StreamSummary> AnalyzeStream(int fd, LogAnalyzer* analyzer) {
  StreamSummary summary;
  std::vector<char> buffer(kReadBlock + kPadding);
  std::size_t filled = 0;      // bytes of input in the buffer
  bool skipping = false;       // discarding the rest of an over-long line
  bool eof = false;
  while (!eof) {
    if (buffer.size() - kPadding - filled < kReadBlock / 2 && buffer.size() - kPadding < kMaxLogLineBytes) {
      buffer.resize(std::min(kMaxLogLineBytes, (buffer.size() - kPadding) * 2) + kPadding);
    }
    const std::size_t room = buffer.size() - kPadding - filled;
    ssize_t n = ::read(fd, buffer.data() + filled, room);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::Error(std::string("read failed: ") + std::strerror(errno));
    }
    if (n == 0) eof = true;
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
        const std::size_t end = static_cast<std::size_t>(static_cast<const char*>(last) - data) + 1;
        summary.raw_lines += analyzer->AddBlock(std::string_view(data + start, end - start), summary.raw_lines + 1,
                                                buffer.size() - start);
        start = end;
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

namespace {

// Analyses text[begin, end): whole lines in blocks of about kMappedBlock, an
// over-long line up to kMaxLogLineBytes; line numbers from 1.
StreamSummary AnalyzePart(std::string_view text, std::size_t begin, std::size_t end, LogAnalyzer* analyzer,
                          const std::function<void(std::size_t, std::size_t)>& release) {
  StreamSummary summary;
  summary.bytes = end - begin;
  const char* const data = text.data();
  std::size_t at = begin;
  std::size_t released = begin;  // pages before it are released, from `begin` on
  while (at < end) {
    const std::size_t window = std::min(end - at, kMappedBlock);
    PrefaultPages(data + at, window);
    const void* last = window == end - at && data[end - 1] != '\n'
                           ? static_cast<const void*>(data + end - 1)  // the last, unterminated line
                           : ::memrchr(data + at, '\n', window);
    if (last != nullptr) {
      const std::size_t stop = static_cast<std::size_t>(static_cast<const char*>(last) - data) + 1;
      summary.raw_lines +=
          analyzer->AddBlock(std::string_view(data + at, stop - at), summary.raw_lines + 1, text.size() - at);
      at = stop;
    } else {
      // A line longer than a block: analysed whole, up to kMaxLogLineBytes.
      const void* nl = std::memchr(data + at, '\n', end - at);
      const std::size_t stop = nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - data) + 1 : end;
      const std::size_t length = stop - at - (nl ? 1 : 0);
      ++summary.raw_lines;
      if (length > kMaxLogLineBytes) {
        ++summary.cut_lines;
        if (summary.first_cut_line == 0) summary.first_cut_line = summary.raw_lines;
      }
      analyzer->Add(std::string_view(data + at, std::min(length, kMaxLogLineBytes)), summary.raw_lines,
                    text.size() - at);
      at = stop;
    }
    constexpr std::size_t kStep = MappedInput::kReleaseStep;
    if (release && (at - released >= kStep || at == end)) {
      release(released, at);
      released = std::max(begin, at / kStep * kStep);
    }
  }
  analyzer->Finish();
  return summary;
}

// Where to cut text near `at`: just after a newline, and not after a line that
// a container runtime split (its continuation must stay in the same part);
// text.size() when no such place is near.
std::size_t CutNear(std::string_view text, std::size_t at, LineParser& parser) {
  const char* const data = text.data();
  // The line `at` falls in is only seen in part: the cut comes after a later
  // line, read whole.
  const void* first = std::memchr(data + at, '\n', text.size() - at);
  if (first == nullptr) return text.size();
  at = static_cast<std::size_t>(static_cast<const char*>(first) - data) + 1;
  for (int tries = 0; tries < 1000 && at < text.size(); ++tries) {
    const void* nl = std::memchr(data + at, '\n', text.size() - at);
    if (nl == nullptr) break;
    const std::size_t line_start = at;
    at = static_cast<std::size_t>(static_cast<const char*>(nl) - data) + 1;
    const std::string_view line(data + line_start, at - 1 - line_start);
    if (line.size() > kReadBlock) continue;
    std::optional<ContainerLine> unwrapped = parser.Unwrap(line, text.size() - line_start);
    if (!unwrapped || !unwrapped->partial) return at;
  }
  return text.size();
}

}  // namespace

TextAnalysis AnalyzeText(std::string_view text, const std::shared_ptr<const ContentScanner>& scanner,
                         const std::function<void(const LogFinding&)>& emit, std::size_t max_findings_per_rule,
                         int threads, const std::function<void(std::size_t, std::size_t)>& release,
                         std::size_t min_part_bytes) {
  const std::size_t parts_wanted = std::max<std::size_t>(
      1, std::min<std::size_t>(static_cast<std::size_t>(std::max(threads, 1)), text.size() / std::max<std::size_t>(min_part_bytes, 1)));
  std::vector<std::size_t> cuts{0};
  LineParser parser;
  for (std::size_t i = 1; i < parts_wanted; ++i) {
    const std::size_t cut = CutNear(text, std::max(cuts.back(), text.size() / parts_wanted * i), parser);
    if (cut >= text.size()) break;
    cuts.push_back(cut);
  }
  cuts.push_back(text.size());
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
  std::vector<StreamSummary> summaries(parts);
  {
    std::vector<std::thread> workers;
    for (std::size_t i = 1; i < parts; ++i) {
      workers.emplace_back([&, i] { summaries[i] = AnalyzePart(text, cuts[i], cuts[i + 1], analyzers[i].get(), release); });
    }
    summaries[0] = AnalyzePart(text, cuts[0], cuts[1], analyzers[0].get(), release);
    for (std::thread& w : workers) w.join();
  }

  TextAnalysis out{analyzers[0]->stats(), summaries[0]};
  for (std::size_t i = 1; i < parts; ++i) {
    const std::size_t offset = out.summary.raw_lines;
    for (LogFinding& f : held[i]) {
      if (emitted[f.rule]++ >= max_findings_per_rule) continue;
      f.line += offset;
      emit(f);
    }
    out.stats.Merge(analyzers[i]->stats(), offset);
    const StreamSummary& s = summaries[i];
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

#include "logs/log_stream.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "core/duration.h"

namespace probity {
namespace {

constexpr std::size_t kReadBlock = 8 << 20;
constexpr std::size_t kPadding = 64;  // simdjson reads up to this far past a line

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

#include "logs/log_analysis.h"

#include <algorithm>
#include <cstring>

namespace probity {
namespace {

// A container line split by its runtime is joined up to this size.
constexpr std::size_t kMaxJoinedLine = 4 << 20;

std::size_t Sum(const std::map<std::string, Tally>& tallies) {
  std::size_t n = 0;
  for (const auto& [rule, tally] : tallies) n += tally.count;
  return n;
}

}  // namespace

std::size_t LogStats::SecretCount() const { return Sum(secrets); }
std::size_t LogStats::PiiCount() const { return Sum(pii); }

LogAnalyzer::LogAnalyzer(std::shared_ptr<const ContentScanner> scanner,
                         std::function<void(const LogFinding&)> on_finding, std::size_t max_findings_per_rule)
    : scanner_(std::move(scanner)),
      scratch_(*scanner_),
      on_finding_(std::move(on_finding)),
      max_findings_per_rule_(max_findings_per_rule) {}

LogAnalyzer::~LogAnalyzer() = default;

void LogAnalyzer::Add(std::string_view line, std::size_t line_no, std::size_t readable,
                      std::optional<double> source_time) {
  AddLine(line, line_no, readable, source_time, nullptr);
}

namespace {

void MergeTally(Tally* into, const Tally& later, std::size_t line_offset) {
  if (later.count == 0) return;
  if (into->count == 0) {
    into->first_line = later.first_line + line_offset;
    into->example = later.example;
  }
  into->count += later.count;
}

}  // namespace

void LogStats::Merge(const LogStats& later, std::size_t line_offset) {
  lines += later.lines;
  structured += later.structured;
  json += later.json;
  logfmt += later.logfmt;
  unwrapped += later.unwrapped;
  for (auto [into, from] : {std::pair{&unparseable, &later.unparseable},
                            {&timestamp_missing, &later.timestamp_missing},
                            {&timestamp_invalid, &later.timestamp_invalid},
                            {&level_missing, &later.level_missing},
                            {&level_invalid, &later.level_invalid},
                            {&service_missing, &later.service_missing},
                            {&trace_id_missing, &later.trace_id_missing},
                            {&trace_id_invalid, &later.trace_id_invalid}}) {
    MergeTally(into, *from, line_offset);
  }
  request_scoped += later.request_scoped;
  if (later.newest) newest = newest ? std::max(*newest, *later.newest) : *later.newest;
  errors += later.errors;
  for (const auto& [rule, tally] : later.secrets) {
    if (tally.count > 0) MergeTally(&secrets[rule], tally, line_offset);
  }
  for (const auto& [rule, tally] : later.pii) {
    if (tally.count > 0) MergeTally(&pii[rule], tally, line_offset);
  }
  secret_lines += later.secret_lines;
  pii_lines += later.pii_lines;
}

std::size_t LogAnalyzer::AddBlock(std::string_view block, std::size_t first_line_no, std::size_t readable) {
  newlines_.clear();
  const char* const begin = block.data();
  const char* const end = begin + block.size();
  for (const char* p = begin; p < end; ++p) {
    p = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
    if (p == nullptr) break;
    newlines_.push_back(static_cast<std::size_t>(p - begin));
  }
  const bool scanned = scanner_->ScanBlock(block, newlines_, scratch_, &block_hits_);
  const std::size_t lines = newlines_.size() + (block.empty() || block.back() == '\n' ? 0 : 1);
  auto hit = block_hits_.begin();
  std::size_t start = 0;
  for (std::size_t i = 0; i < lines; ++i) {
    const std::size_t stop = i < newlines_.size() ? newlines_[i] : block.size();
    candidates_.clear();
    for (; hit != block_hits_.end() && hit->line == i; ++hit) candidates_.push_back(hit->rule);
    AddLine(block.substr(start, stop - start), first_line_no + i, readable - start, std::nullopt,
            scanned ? &candidates_ : nullptr);
    start = stop + 1;
  }
  return lines;
}

void LogAnalyzer::AddLine(std::string_view line, std::size_t line_no, std::size_t readable,
                          std::optional<double> source_time, const std::vector<std::uint32_t>* candidates) {
  const std::size_t raw_size = line.size();
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
  if (line.find_first_not_of(" \t") == std::string_view::npos) return;
  // The block scan saw the raw line: where the analysed text differs from it
  // (a trailing CR, a container runtime's wrapping), ^ and $ may not agree,
  // so the text is scanned on its own.
  if (line.size() != raw_size) candidates = nullptr;
  std::optional<ContainerLine> unwrapped = parser_.Unwrap(line, readable);
  if (!unwrapped) {
    Analyze(line, line_no, readable, source_time, candidates);
    return;
  }
  ++stats_.unwrapped;
  if (!source_time) source_time = unwrapped->time;
  if (unwrapped->partial || !pending_.empty()) {
    if (pending_.empty()) {
      pending_line_ = line_no;
      pending_time_ = source_time;
    }
    const std::size_t room = kMaxJoinedLine - std::min(kMaxJoinedLine, pending_.size());
    pending_.append(unwrapped->text.substr(0, room));
    if (unwrapped->partial) return;
    Finish();
    return;
  }
  // A CRI message is a view into `line`, so its padding carries over.
  const bool inside = unwrapped->text.data() >= line.data() && unwrapped->text.data() <= line.data() + line.size();
  const std::size_t text_readable =
      inside ? readable - static_cast<std::size_t>(unwrapped->text.data() - line.data()) : unwrapped->text.size();
  Analyze(unwrapped->text, line_no, text_readable, source_time, nullptr);
}

void LogAnalyzer::Finish() {
  if (pending_.empty()) return;
  const std::string joined = std::move(pending_);
  pending_.clear();
  Analyze(joined, pending_line_, joined.size(), pending_time_, nullptr);
}

void LogAnalyzer::Count(Tally* tally, const std::string& rule, std::string_view line, std::size_t line_no,
                        std::size_t focus) {
  ++tally->count;
  const bool first = tally->count == 1;
  const bool report = on_finding_ && reported_[rule]++ < max_findings_per_rule_;
  if (!first && !report) return;
  std::string excerpt = ContentScanner::MaskedExcerpt(line, matches_, focus);
  if (first) {
    tally->first_line = line_no;
    tally->example = excerpt;
  }
  if (report) on_finding_({line_no, rule, std::move(excerpt)});
}

void LogAnalyzer::Analyze(std::string_view line, std::size_t line_no, std::size_t readable,
                          std::optional<double> source_time, const std::vector<std::uint32_t>* candidates) {
  ++stats_.lines;
  matches_.clear();
  if (candidates) {
    scanner_->Confirm(line, *candidates, &matches_);
  } else {
    scanner_->Find(line, scratch_, &matches_);
  }
  bool secret = false, pii = false;
  for (const ContentMatch& m : matches_) {
    const ContentRule& rule = scanner_->rules()[static_cast<std::size_t>(m.rule)];
    const bool is_pii = rule.kind == "pii";
    (is_pii ? pii : secret) = true;
    Count(&(is_pii ? stats_.pii : stats_.secrets)[rule.name], (is_pii ? "pii." : "secret.") + rule.name, line,
          line_no, m.begin);
  }
  stats_.secret_lines += secret;
  stats_.pii_lines += pii;

  const LineFields fields = parser_.Parse(line, readable);
  auto seen_at = [&](double t) { stats_.newest = stats_.newest ? std::max(*stats_.newest, t) : t; };
  if (fields.format == LineFormat::kText) {
    Count(&stats_.unparseable, "unparseable", line, line_no);
    if (source_time) seen_at(*source_time);
    return;
  }
  ++stats_.structured;
  ++(fields.format == LineFormat::kJson ? stats_.json : stats_.logfmt);
  if (fields.timestamp == FieldState::kValid) {
    seen_at(fields.time);
  } else {
    if (source_time) seen_at(*source_time);
    if (fields.timestamp == FieldState::kAbsent) Count(&stats_.timestamp_missing, "timestamp.missing", line, line_no);
    else Count(&stats_.timestamp_invalid, "timestamp.invalid", line, line_no);
  }
  if (fields.level == FieldState::kAbsent) Count(&stats_.level_missing, "level.missing", line, line_no);
  if (fields.level == FieldState::kInvalid) Count(&stats_.level_invalid, "level.invalid", line, line_no);
  if (fields.severity >= Severity6::kError) ++stats_.errors;
  if (!fields.service) Count(&stats_.service_missing, "service.missing", line, line_no);
  if (fields.request_scoped) {
    ++stats_.request_scoped;
    if (fields.trace_id == FieldState::kAbsent) Count(&stats_.trace_id_missing, "trace_id.missing", line, line_no);
    if (fields.trace_id == FieldState::kInvalid) Count(&stats_.trace_id_invalid, "trace_id.invalid", line, line_no);
  }
}

}  // namespace probity

#include "report/progress.h"

#include <string_view>

#include "checks/result.h"
#include "core/duration.h"
#include "core/text.h"

namespace probity {
namespace {

constexpr std::string_view kEraseLine = "\r\x1b[2K";
constexpr std::string_view kRed = "\x1b[31m";
constexpr std::string_view kReset = "\x1b[0m";

int FailedChecks(const TargetReport& target) {
  int failed = 0;
  for (const CheckResult& c : target.checks) {
    if (c.status == CheckStatus::kFail || c.status == CheckStatus::kError) ++failed;
  }
  return failed;
}

}  // namespace

std::string TargetSummaryLine(const TargetReport& target) {
  return Printable(target.name) + "  score " + FormatPercent(target.score) + "  level " +
         std::string(LevelName(target.level)) + "  " + (target.ready ? "READY" : "NOT READY") + "  " +
         std::to_string(FailedChecks(target)) + " failed  " + FormatElapsed(target.duration);
}

std::string RenderSummary(const Report& report) {
  std::string out;
  int not_ready = 0;
  for (const TargetReport& t : report.targets) {
    if (!t.ready) ++not_ready;
    out += TargetSummaryLine(t) + "\n";
  }
  out += std::to_string(report.targets.size()) + " target" + (report.targets.size() == 1 ? "" : "s") + ", " +
         std::to_string(not_ready) + " not ready, in " + FormatElapsed(report.duration) + "\n";
  return out;
}

ScanProgress::ScanProgress(std::ostream& out, const Clock& clock, std::size_t total, ProgressOptions options)
    : out_(out), clock_(clock), total_(total), options_(options), start_(clock.Now()) {
  if (options_.mode != ProgressMode::kLive) return;
  std::lock_guard<std::mutex> lock(mu_);
  DrawLocked();
  redraw_ = std::thread([this] { Redraw(); });
}

ScanProgress::~ScanProgress() { Finish(); }

void ScanProgress::Started() {
  std::lock_guard<std::mutex> lock(mu_);
  ++started_;
  if (options_.mode == ProgressMode::kLive && !finished_ && clock_.Now() - last_draw_ >= kRedrawEvery) DrawLocked();
}

void ScanProgress::Done(const TargetReport& target) {
  std::lock_guard<std::mutex> lock(mu_);
  ++done_;
  if (!target.ready) ++not_ready_;
  if (finished_) return;
  if (options_.mode == ProgressMode::kLines) {
    const std::string count = std::to_string(done_);
    const std::string of = std::to_string(total_);
    // One write, so that nothing else on stderr lands inside the line.
    out_ << "[" + std::string(of.size() > count.size() ? of.size() - count.size() : 0, ' ') + count + "/" + of + "] " +
                TargetSummaryLine(target) + "\n"
         << std::flush;
  } else if (options_.mode == ProgressMode::kLive &&
             (done_ == total_ || clock_.Now() - last_draw_ >= kRedrawEvery)) {
    DrawLocked();  // the last one always: the count is seen to reach the total
  }
}

void ScanProgress::Finish() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (finished_) return;
    finished_ = true;
    if (drawn_) out_ << kEraseLine << std::flush;
  }
  wake_.notify_all();
  if (redraw_.joinable()) redraw_.join();
}

std::string ScanProgress::StatusLine() const {
  std::lock_guard<std::mutex> lock(mu_);
  return StatusLineLocked(false);
}

std::string ScanProgress::StatusLineLocked(bool color) const {
  const std::string failures = std::to_string(not_ready_) + " not ready";
  const std::string head = "probity scan: " + std::to_string(done_) + "/" + std::to_string(total_) + " done, " +
                           std::to_string(started_ - done_) + " running, ";
  const std::string tail = ", " + FormatElapsed(clock_.Now() - start_);
  std::string plain = head + failures + tail;
  if (options_.width > 0 && plain.size() >= options_.width) {
    plain.resize(options_.width - 1);  // ASCII only: no character is cut in half
    return plain;
  }
  if (color && not_ready_ > 0) return head + std::string(kRed) + failures + std::string(kReset) + tail;
  return plain;
}

void ScanProgress::DrawLocked() {
  out_ << std::string(kEraseLine) + StatusLineLocked(options_.color) << std::flush;
  drawn_ = true;
  last_draw_ = clock_.Now();
}

void ScanProgress::Redraw() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!finished_) {
    clock_.WaitUntil(wake_, lock, last_draw_ + kRedrawEvery);
    if (!finished_ && clock_.Now() - last_draw_ >= kRedrawEvery) DrawLocked();
  }
}

}  // namespace probity

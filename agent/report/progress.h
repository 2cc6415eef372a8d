#pragma once

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>

#include "core/clock.h"
#include "report/report.h"

namespace probity {

// One scored target on one line, for people:
// "orders  score 87%  level silver  NOT READY  2 failed  1.2s", where
// "failed" counts the checks that failed or could not be evaluated. The name
// goes through Printable(), so no escape sequence reaches a terminal. No
// newline.
std::string TargetSummaryLine(const TargetReport& target);

// What `scan --quiet` prints: a TargetSummaryLine per target in report
// order, then the text report's closing line ("30 targets, 2 not ready, in
// 4.1s"), each ending with a newline.
std::string RenderSummary(const Report& report);

// How a scan shows its progress.
enum class ProgressMode {
  kNone,   // nothing (--quiet)
  kLines,  // one line per finished target, for logs and pipes
  kLive,   // one status line redrawn in place, for a terminal
};

struct ProgressOptions {
  ProgressMode mode = ProgressMode::kLines;
  // kLive: paint the count of targets not ready (the caller honours NO_COLOR).
  bool color = false;
  // kLive: the terminal's columns; the line is cut to one less, so that it
  // never wraps and "\r" always returns to its start. 0: not cut.
  std::size_t width = 0;
};

// The progress of a scan of `total` targets, written to `out` (stderr).
//
// kLines writes "[ 3/30] " + TargetSummaryLine for each finished target, in
// the order they finish. kLive draws "probity scan: 12/30 done, 4 running,
// 3 not ready, 2.0s" after "\r" and an erase-line ("\x1b[2K"), no newline:
// on each event, and from a thread of its own as time passes, but never more
// often than every kRedrawEvery, except that the last target's Done() always
// draws (the count reaches the total); Finish() erases it. kNone writes
// nothing.
//
// Thread-safe: Started() and Done() may be called from several threads.
class ScanProgress {
 public:
  static constexpr Duration kRedrawEvery = std::chrono::milliseconds(100);

  ScanProgress(std::ostream& out, const Clock& clock, std::size_t total, ProgressOptions options);
  // Finish()es.
  ~ScanProgress();
  ScanProgress(const ScanProgress&) = delete;
  ScanProgress& operator=(const ScanProgress&) = delete;

  // A target's probe began.
  void Started();
  // A target's probe ended with this report.
  void Done(const TargetReport& target);
  // Stops the redraw thread (promptly: it is woken) and erases the live
  // line, so that what is written next starts on a clean line. Idempotent.
  void Finish();

  // The live line as drawn now, without "\r", erase or colour.
  std::string StatusLine() const;

 private:
  std::string StatusLineLocked(bool color) const;
  void DrawLocked();
  void Redraw();

  std::ostream& out_;
  const Clock& clock_;
  const std::size_t total_;
  const ProgressOptions options_;
  const MonoTime start_;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::size_t started_ = 0;
  std::size_t done_ = 0;
  std::size_t not_ready_ = 0;
  MonoTime last_draw_;
  bool drawn_ = false;
  bool finished_ = false;
  std::thread redraw_;
};

}  // namespace probity

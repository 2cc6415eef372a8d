#include "report/progress.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>

#include "core/text.h"
#include "report/render.h"
#include "support/fake_http_client.h"

using namespace probity;
using namespace probity::testing;
using namespace std::chrono_literals;

namespace {

// A stream the redraw thread may write while the test reads it (unbuffered:
// every character goes through xsputn or overflow).
class LockedBuf : public std::streambuf {
 public:
  std::string Text() {
    std::lock_guard<std::mutex> lock(mu_);
    return text_;
  }

 protected:
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    std::lock_guard<std::mutex> lock(mu_);
    text_.append(s, static_cast<std::size_t>(n));
    return n;
  }
  int_type overflow(int_type c) override {
    if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
    std::lock_guard<std::mutex> lock(mu_);
    text_.push_back(traits_type::to_char_type(c));
    return c;
  }

 private:
  std::mutex mu_;
  std::string text_;
};

TargetReport Target(const std::string& name, bool ready, int failed = 0, Duration took = 1200ms) {
  TargetReport t;
  t.name = name;
  t.url = "http://127.0.0.1:8080";
  t.duration = took;
  for (int i = 0; i < 3; ++i) {
    CheckResult c;
    c.id = "health.liveness.reachable";
    c.category = "health";
    c.severity = Severity::kCritical;
    c.status = i < failed ? (i % 2 == 0 ? CheckStatus::kFail : CheckStatus::kError) : CheckStatus::kPass;
    t.checks.push_back(c);
  }
  t.score = ready ? 1.0 : 0.5;
  t.level = ready ? Level::kGold : Level::kNone;
  t.ready = ready;
  return t;
}

std::size_t Count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// Waits (at most 10 s, in 2 ms steps) until the stream holds `needle`.
bool WaitForText(LockedBuf& buf, const std::string& needle) {
  for (int i = 0; i < 5000; ++i) {
    if (buf.Text().find(needle) != std::string::npos) return true;
    std::this_thread::sleep_for(2ms);
  }
  return false;
}

}  // namespace

TEST_CASE("A finished target is one line with its score, level, readiness, failed checks and time", "[progress]") {
  CHECK(TargetSummaryLine(Target("orders", false, 2)) == "orders  score 50%  level none  NOT READY  2 failed  1.2s");
  CHECK(TargetSummaryLine(Target("api", true, 0, 850ms)) == "api  score 100%  level gold  READY  0 failed  850ms");
}

TEST_CASE("A target name cannot put escape sequences or line breaks on the terminal", "[progress]") {
  const std::string line = TargetSummaryLine(Target("evil\x1b[2J\r\nname\xe2\x80\xae", true));
  CHECK(line.find('\x1b') == std::string::npos);
  CHECK(line.find('\r') == std::string::npos);
  CHECK(line.find('\n') == std::string::npos);
  CHECK(line.find("\xe2\x80\xae") == std::string::npos);
  INFO(line);
  CHECK(line.rfind("evil\\x1b[2J\\x0d\\x0aname\\u202e  score", 0) == 0);
}

TEST_CASE("Without a terminal each finished target is one line counted in the order targets finish", "[progress]") {
  FakeClock clock;
  std::ostringstream out;
  {
    ScanProgress progress(out, clock, 12, ProgressOptions{ProgressMode::kLines, true, 0});
    progress.Started();
    progress.Started();
    progress.Done(Target("b", false, 1));
    progress.Done(Target("a", true));
    CHECK(progress.StatusLine() == "probity scan: 2/12 done, 0 running, 1 not ready, 0.0ms");
  }
  CHECK(out.str() ==
        "[ 1/12] b  score 50%  level none  NOT READY  1 failed  1.2s\n"
        "[ 2/12] a  score 100%  level gold  READY  0 failed  1.2s\n");
}

TEST_CASE("Quiet progress writes nothing", "[progress]") {
  FakeClock clock;
  std::ostringstream out;
  ScanProgress progress(out, clock, 1, ProgressOptions{ProgressMode::kNone, true, 80});
  progress.Started();
  clock.Advance(1s);
  progress.Done(Target("a", false, 3));
  progress.Finish();
  CHECK(out.str().empty());
}

TEST_CASE("On a terminal one status line is redrawn in place and erased at the end", "[progress]") {
  FakeClock clock;
  LockedBuf buf;
  std::ostream out(&buf);
  ScanProgress progress(out, clock, 2, ProgressOptions{ProgressMode::kLive, false, 0});
  CHECK(buf.Text() == "\r\x1b[2Kprobity scan: 0/2 done, 0 running, 0 not ready, 0.0ms");
  progress.Started();
  progress.Started();
  clock.Advance(150ms);
  // No event: the redraw thread shows the time passing.
  REQUIRE(WaitForText(buf, "\r\x1b[2Kprobity scan: 0/2 done, 2 running, 0 not ready, 150ms"));
  progress.Done(Target("a", true));
  clock.Advance(1850ms);
  REQUIRE(WaitForText(buf, "\r\x1b[2Kprobity scan: 1/2 done, 1 running, 0 not ready, 2.0s"));
  clock.Advance(100ms);
  progress.Done(Target("b", false));  // the last: drawn at once
  CHECK(EndsWith(buf.Text(), "\r\x1b[2Kprobity scan: 2/2 done, 0 running, 1 not ready, 2.1s"));
  progress.Finish();
  const std::string text = buf.Text();
  CHECK(text.find('\n') == std::string::npos);
  CHECK(text.size() >= 5);
  CHECK(text.substr(text.size() - 5) == "\r\x1b[2K");
  progress.Finish();  // once is enough
  CHECK(buf.Text() == text);
}

TEST_CASE("The status line is redrawn at most once per tenth of a second however many targets finish",
          "[progress]") {
  FakeClock clock;
  LockedBuf buf;
  std::ostream out(&buf);
  ScanProgress progress(out, clock, 100, ProgressOptions{ProgressMode::kLive, false, 0});
  for (int i = 0; i < 50; ++i) {
    progress.Started();
    progress.Done(Target("t" + std::to_string(i), true));
  }
  CHECK(Count(buf.Text(), "\r\x1b[2K") == 1);  // the first draw only: the clock has not moved
  clock.Advance(ScanProgress::kRedrawEvery);
  REQUIRE(WaitForText(buf, "50/100 done, 0 running"));
  for (int i = 50; i < 100; ++i) {
    progress.Started();
    progress.Done(Target("t" + std::to_string(i), true));
  }
  progress.Finish();
  // The first draw, one redraw, the last target's, the erase.
  CHECK(Count(buf.Text(), "\r\x1b[2K") == 4);
  CHECK(Count(buf.Text(), "99/100") == 0);
  CHECK(Count(buf.Text(), "\r\x1b[2Kprobity scan: 100/100 done, 0 running, 0 not ready, 100ms\r\x1b[2K") == 1);
}

TEST_CASE("Colour paints only the count of targets not ready, and only when asked", "[progress]") {
  FakeClock clock;
  for (const bool color : {true, false}) {
    LockedBuf buf;
    std::ostream out(&buf);
    ScanProgress progress(out, clock, 3, ProgressOptions{ProgressMode::kLive, color, 0});
    progress.Started();
    progress.Done(Target("a", false));
    clock.Advance(1s);
    REQUIRE(WaitForText(buf, "1/3 done"));
    progress.Finish();
    const std::string text = buf.Text();
    INFO(text);
    CHECK((text.find("done, 0 running, \x1b[31m1 not ready\x1b[0m, 1.0s") != std::string::npos) == color);
    CHECK((text.find("\x1b[31m") != std::string::npos) == color);
    CHECK(Count(text, "\x1b[0m") == Count(text, "\x1b[31m"));
  }
}

TEST_CASE("The status line is cut short of the terminal width so that it never wraps", "[progress]") {
  FakeClock clock;
  std::ostringstream out;
  ScanProgress progress(out, clock, 30, ProgressOptions{ProgressMode::kLive, true, 20});
  CHECK(progress.StatusLine() == "probity scan: 0/30 ");
  progress.Finish();
  CHECK(out.str() == "\r\x1b[2Kprobity scan: 0/30 \r\x1b[2K");
}

TEST_CASE("The quiet summary is one line per target then the text report's closing line", "[progress]") {
  Report report;
  report.duration = 4100ms;
  report.targets = {Target("orders", false, 2), Target("api", true, 0, 850ms)};
  const std::string summary = RenderSummary(report);
  CHECK(summary ==
        "orders  score 50%  level none  NOT READY  2 failed  1.2s\n"
        "api  score 100%  level gold  READY  0 failed  850ms\n"
        "2 targets, 1 not ready, in 4.1s\n");
  const std::string text = RenderText(report, RenderOptions{});
  CHECK(EndsWith(text, "\n2 targets, 1 not ready, in 4.1s\n"));
}

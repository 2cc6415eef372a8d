#include <catch2/catch.hpp>

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "runner/scheduler.h"
#include "support/fake_http_client.h"

using namespace probity;
using namespace probity::testing;
using namespace std::chrono_literals;

// The scheduler reads time from a FakeClock: the tests move time forward
// instead of sleeping through intervals, and intervals are as long as in
// production (seconds to hours).

namespace {

TargetSpec Spec(const std::string& name, Duration interval) {
  TargetSpec t;
  t.name = name;
  t.interval = interval;
  return t;
}

// Waits (bounded, in real time) until `done` holds.
template <typename F>
bool WaitFor(F done, std::chrono::seconds limit = 20s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

// A scheduler on a fake clock whose runs return at once, counted per target.
struct CountedRuns {
  FakeClock clock;
  std::mutex mu;
  std::map<std::string, int> runs;
  Scheduler scheduler;

  explicit CountedRuns(int workers)
      : scheduler(
            [](const TargetSpec& spec) {
              TargetReport r;
              r.name = spec.name;
              return r;
            },
            [this](const TargetSpec& spec, TargetReport) {
              std::lock_guard<std::mutex> lock(mu);
              ++runs[spec.name];
            },
            workers, 7, clock) {}

  int Runs(const std::string& name) {
    std::lock_guard<std::mutex> lock(mu);
    return runs[name];
  }
  // Moves time on by `step` until `done` holds (bounded in steps and in real time).
  template <typename F>
  bool AdvanceUntil(F done, Duration step, int max_steps = 10000) {
    for (int i = 0; i < max_steps; ++i) {
      if (done()) return true;
      clock.Advance(step);
      std::this_thread::yield();
    }
    return WaitFor(done, 5s);
  }
};

}  // namespace

TEST_CASE("The scheduler never runs one target twice at once and bounds concurrency", "[runner]") {
  FakeClock clock;
  std::mutex mu;
  std::condition_variable cv;
  std::map<std::string, int> running;
  int in_flight = 0, max_in_flight = 0, overlaps = 0;
  std::atomic<int> completed{0};
  Scheduler scheduler(
      [&](const TargetSpec& spec) {
        std::unique_lock<std::mutex> lock(mu);
        if (++running[spec.name] > 1) ++overlaps;
        max_in_flight = std::max(max_in_flight, ++in_flight);
        cv.notify_all();
        // Each run overruns its interval, and waits (bounded) for a second run
        // to be in flight so that the bound is actually reached.
        clock.Advance(15s);
        cv.wait_for(lock, 200ms, [&] { return in_flight >= 2; });
        --running[spec.name];
        --in_flight;
        TargetReport r;
        r.name = spec.name;
        return r;
      },
      [&](const TargetSpec&, TargetReport) { ++completed; }, 2, 42, clock);
  scheduler.SetTargets({Spec("a", 10s), Spec("b", 10s), Spec("c", 10s), Spec("d", 10s)});
  scheduler.Start();
  for (int i = 0; i < 10000 && completed < 24; ++i) {
    clock.Advance(1s);
    std::this_thread::yield();
  }
  REQUIRE(WaitFor([&] { return completed >= 24; }));
  scheduler.Stop();
  CHECK(overlaps == 0);
  CHECK(max_in_flight == 2);
}

TEST_CASE("A target runs once per interval of the clock, not more", "[runner]") {
  CountedRuns c(2);
  c.scheduler.SetTargets({Spec("hourly", 1h)});
  c.scheduler.Start();
  // The first run comes within min(interval/10, 2s).
  REQUIRE(c.AdvanceUntil([&] { return c.Runs("hourly") == 1; }, 100ms, 40));
  // Half an hour on: no second run yet.
  for (int i = 0; i < 30; ++i) c.clock.Advance(1min);
  std::this_thread::sleep_for(20ms);  // room for a wrong run to happen (not a timing assertion)
  CHECK(c.Runs("hourly") == 1);
  // A little over the interval (±5% jitter): the second run.
  REQUIRE(c.AdvanceUntil([&] { return c.Runs("hourly") == 2; }, 1min, 40));
  c.scheduler.Stop();
}

TEST_CASE("A reload keeps running and drops removed targets", "[runner]") {
  CountedRuns c(1);
  c.scheduler.SetTargets({Spec("old", 30s)});
  c.scheduler.Start();
  REQUIRE(c.AdvanceUntil([&] { return c.Runs("old") >= 2; }, 1s));
  c.scheduler.SetTargets({Spec("new", 30s)});
  const int old_runs = c.Runs("old");
  REQUIRE(c.AdvanceUntil([&] { return c.Runs("new") >= 3; }, 1s));
  c.scheduler.Stop();
  CHECK(c.Runs("old") <= old_runs + 1);  // at most the run in flight at the reload
}

TEST_CASE("Stop returns once the runs in flight return", "[runner]") {
  FakeClock clock;
  std::atomic<bool> release{false};
  std::atomic<bool> started{false};
  Scheduler scheduler(
      [&](const TargetSpec&) {
        started = true;
        WaitFor([&] { return release.load(); });
        return TargetReport{};
      },
      [](const TargetSpec&, TargetReport) {}, 1, 1, clock);
  scheduler.SetTargets({Spec("slow", 1h)});
  scheduler.Start();
  for (int i = 0; i < 100 && !started; ++i) {
    clock.Advance(1s);
    std::this_thread::yield();
  }
  REQUIRE(WaitFor([&] { return started.load(); }));
  std::thread releaser([&] {
    std::this_thread::sleep_for(20ms);
    release = true;
  });
  scheduler.Stop();
  CHECK(release);
  releaser.join();
}

TEST_CASE("With many targets and few workers, every target keeps getting its runs", "[runner]") {
  // Workers wake one at a time for each new due time: none may be left asleep while
  // runs are due (a target would then starve).
  CountedRuns c(4);
  std::vector<TargetSpec> specs;
  for (int i = 0; i < 60; ++i) specs.push_back(Spec("t" + std::to_string(i), 20s));
  c.scheduler.SetTargets(specs);
  c.scheduler.Start();
  const bool all_ran_thrice = c.AdvanceUntil(
      [&] {
        for (const TargetSpec& spec : specs) {
          if (c.Runs(spec.name) < 3) return false;
        }
        return true;
      },
      500ms);
  c.scheduler.Stop();
  CHECK(all_ran_thrice);
}

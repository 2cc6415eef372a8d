#include <catch2/catch.hpp>

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "runner/scheduler.h"

using namespace probity;
using namespace std::chrono_literals;

namespace {

TargetSpec Spec(const std::string& name, Duration interval) {
  TargetSpec t;
  t.name = name;
  t.interval = interval;
  return t;
}

// Waits (bounded) until `done` holds.
template <typename F>
bool WaitFor(F done, std::chrono::seconds limit = 20s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

// A scheduler whose runs return at once, counted per target.
struct CountedRuns {
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
            workers, 7) {}

  int Runs(const std::string& name) {
    std::lock_guard<std::mutex> lock(mu);
    return runs[name];
  }
};

}  // namespace

TEST_CASE("The scheduler never runs one target twice at once and bounds concurrency", "[runner]") {
  std::mutex mu;
  std::map<std::string, int> running;
  int in_flight = 0, max_in_flight = 0, overlaps = 0;
  std::atomic<int> completed{0};
  Scheduler scheduler(
      [&](const TargetSpec& spec) {
        {
          std::lock_guard<std::mutex> lock(mu);
          if (++running[spec.name] > 1) ++overlaps;
          max_in_flight = std::max(max_in_flight, ++in_flight);
        }
        std::this_thread::sleep_for(15ms);  // longer than the interval: runs overrun
        {
          std::lock_guard<std::mutex> lock(mu);
          --running[spec.name];
          --in_flight;
        }
        TargetReport r;
        r.name = spec.name;
        return r;
      },
      [&](const TargetSpec&, TargetReport) { ++completed; }, 2, 42);
  scheduler.SetTargets({Spec("a", 1ms), Spec("b", 1ms), Spec("c", 1ms), Spec("d", 1ms)});
  scheduler.Start();
  REQUIRE(WaitFor([&] { return completed >= 24; }));
  scheduler.Stop();
  CHECK(overlaps == 0);
  CHECK(max_in_flight <= 2);
}

TEST_CASE("A reload keeps running and drops removed targets", "[runner]") {
  CountedRuns c(1);
  c.scheduler.SetTargets({Spec("old", 2ms)});
  c.scheduler.Start();
  REQUIRE(WaitFor([&] { return c.Runs("old") >= 2; }));
  c.scheduler.SetTargets({Spec("new", 2ms)});
  const int old_runs = c.Runs("old");
  REQUIRE(WaitFor([&] { return c.Runs("new") >= 3; }));
  c.scheduler.Stop();
  CHECK(c.Runs("old") <= old_runs + 1);  // at most the run in flight at the reload
}

TEST_CASE("Stop returns once the runs in flight return", "[runner]") {
  std::atomic<bool> release{false};
  std::atomic<bool> started{false};
  Scheduler scheduler(
      [&](const TargetSpec&) {
        started = true;
        while (!release) std::this_thread::sleep_for(1ms);
        return TargetReport{};
      },
      [](const TargetSpec&, TargetReport) {}, 1, 1);
  scheduler.SetTargets({Spec("slow", 1h)});
  scheduler.Start();
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
  for (int i = 0; i < 60; ++i) specs.push_back(Spec("t" + std::to_string(i), 20ms));
  c.scheduler.SetTargets(specs);
  c.scheduler.Start();
  const bool all_ran_thrice = WaitFor([&] {
    for (const TargetSpec& spec : specs) {
      if (c.Runs(spec.name) < 3) return false;
    }
    return true;
  });
  c.scheduler.Stop();
  CHECK(all_ran_thrice);
}

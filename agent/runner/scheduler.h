#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "report/report.h"
#include "runner/target.h"

namespace probity {

// Runs every target on its interval. Guarantees: a target never has two runs
// at once; at most `max_concurrent` runs happen at a time; the first run of a
// target starts within min(interval/10, 2s) of Start() or of its addition,
// spread by jitter; later runs start one interval (±5% jitter) after the
// previous start, or at once when a run overran its interval.
// Thread-safe.
class Scheduler {
 public:
  using ProbeFn = std::function<TargetReport(const TargetSpec&)>;
  using ResultFn = std::function<void(const TargetSpec&, TargetReport)>;

  // Due times are read from `clock`, which must outlive the scheduler.
  Scheduler(ProbeFn probe, ResultFn on_result, int max_concurrent, std::uint64_t seed, const Clock& clock);
  ~Scheduler();

  // Replaces the target set (on start and on reload). Targets whose name
  // stays keep their timing; a run in flight for a removed target finishes
  // but its result is dropped.
  void SetTargets(std::vector<TargetSpec> targets);
  void Start();
  // Wakes every worker and waits for the runs in flight to return; callers
  // cancel slow HTTP requests first so that this is quick.
  void Stop();

 private:
  struct Entry {
    TargetSpec spec;
    MonoTime due;
    bool running = false;
  };
  void Work();
  std::chrono::steady_clock::duration Jitter(Duration interval, double fraction, bool symmetric);

  const Clock& clock_;
  ProbeFn probe_;
  ResultFn on_result_;
  const int max_concurrent_;
  std::mt19937_64 random_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, Entry> entries_;
  // The entries not running, earliest due first: a worker takes the first.
  std::set<std::pair<MonoTime, std::string>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace probity

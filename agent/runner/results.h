#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "report/report.h"

namespace probity {

// The daemon's latest result per target and its run counters. Written by the
// scheduler, read by the HTTP endpoints. Thread-safe.
class ResultStore {
 public:
  struct RunCounts {
    std::uint64_t ok = 0;
    std::uint64_t error = 0;  // runs in which some check could not be evaluated
  };

  // The configured targets, in order; results of other targets are dropped.
  void SetTargets(const std::vector<std::string>& names);
  // A run of the target has begun; Record() ends it.
  void Started(const std::string& name);
  void Record(TargetReport report, WallTime finished);

  // Targets that have completed a run, in configured order.
  Report Snapshot() const;
  // True once every configured target has completed at least one run; with
  // `running_counts`, a target whose run is under way counts as well (the
  // agent asking about itself from inside its own run).
  bool AllTargetsRan(bool running_counts = false) const;
  std::map<std::string, RunCounts> Runs() const;
  std::map<std::string, WallTime> LastRunEnd() const;
  // The scores of each target's last kHistoryRuns runs, oldest first.
  std::map<std::string, std::vector<ScorePoint>> History() const;
  // Configured targets that have not completed a run yet, in configured order.
  std::vector<std::string> Waiting() const;

  // Runs kept per target for History(): 16 bytes each, about 2 KiB per
  // target; an hour at the default 30s interval.
  static constexpr std::size_t kHistoryRuns = 120;

 private:
  mutable std::mutex mu_;
  std::vector<std::string> names_;
  std::map<std::string, TargetReport> latest_;
  std::map<std::string, RunCounts> runs_;
  std::map<std::string, WallTime> finished_;
  std::map<std::string, std::deque<ScorePoint>> history_;
  std::set<std::string> running_;
};

}  // namespace probity

#pragma once

#include <cstdint>
#include <map>
#include <mutex>
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
  void Record(TargetReport report, WallTime finished);

  // Targets that have completed a run, in configured order.
  Report Snapshot() const;
  // True once every configured target has completed at least one run.
  bool AllTargetsRan() const;
  std::map<std::string, RunCounts> Runs() const;
  std::map<std::string, WallTime> LastRunEnd() const;

 private:
  mutable std::mutex mu_;
  std::vector<std::string> names_;
  std::map<std::string, TargetReport> latest_;
  std::map<std::string, RunCounts> runs_;
  std::map<std::string, WallTime> finished_;
};

}  // namespace probity

#pragma once

#include <map>
#include <string>
#include <vector>

#include "checks/result.h"
#include "core/clock.h"

namespace probity {

// One target's results, scored.
struct TargetReport {
  std::string name;
  std::string url;
  std::map<std::string, std::string> labels;
  std::vector<CheckResult> checks;  // in catalogue order
  WallTime started_at{};
  Duration duration{};
  // Filled by Score():
  double score = 0;
  Level level = Level::kNone;
  bool ready = false;
  int critical_failures = 0;
  std::map<std::string, double> categories;  // only categories with a scored check
};

// One completed run of a target, as the status page's history draws it.
struct ScorePoint {
  WallTime at{};  // when the run ended
  float score = 0;
  Level level = Level::kNone;
};

struct Report {
  WallTime started_at{};
  Duration duration{};
  std::vector<TargetReport> targets;
};

// How a report is judged: `ready` is decided at this severity.
struct Gate {
  Severity fail_on = Severity::kCritical;
  double min_score = 0;  // 0 disables the score gate
};

// Weights: critical 2, warning 1, info 0 (reported, not scored).
int SeverityWeight(Severity s);

// Computes score, category scores, level, ready and critical_failures as
// PRODUCT.md defines them: skip leaves the denominator, error counts as a
// fail, and a target with no scored check scores 0.
void Score(TargetReport* target, Severity fail_on);

// The scan exit code for a scored report: 0 ready, 3 a check at or above
// fail_on failed on some target, 4 some target scored below min_score.
int ExitCode(const Report& report, const Gate& gate);

}  // namespace probity

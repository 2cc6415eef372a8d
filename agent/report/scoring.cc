#include "report/report.h"

namespace probity {

int SeverityWeight(Severity s) {
  switch (s) {
    case Severity::kCritical: return 2;
    case Severity::kWarning: return 1;
    case Severity::kInfo: return 0;
  }
  return 0;
}

namespace {

bool Failed(CheckStatus s) { return s == CheckStatus::kFail || s == CheckStatus::kError; }

}  // namespace

void Score(TargetReport* target, Severity fail_on) {
  int passed = 0;
  int total = 0;
  std::map<std::string, std::pair<int, int>> per_category;
  bool level_ok[4] = {true, true, true, true};
  target->critical_failures = 0;
  target->ready = true;
  for (const CheckResult& c : target->checks) {
    if (c.status == CheckStatus::kSkip) continue;
    const bool failed = Failed(c.status);
    if (failed && c.level != Level::kNone) level_ok[static_cast<int>(c.level)] = false;
    if (failed && c.severity == Severity::kCritical) ++target->critical_failures;
    if (failed && static_cast<int>(c.severity) >= static_cast<int>(fail_on)) target->ready = false;
    const int weight = SeverityWeight(c.severity);
    if (weight == 0) continue;
    total += weight;
    auto& [cat_passed, cat_total] = per_category[c.category];
    cat_total += weight;
    if (!failed) {
      passed += weight;
      cat_passed += weight;
    }
  }
  target->score = total == 0 ? 0.0 : static_cast<double>(passed) / total;
  target->categories.clear();
  for (const auto& [category, counts] : per_category) {
    target->categories[category] = static_cast<double>(counts.first) / counts.second;
  }
  target->level = Level::kNone;
  for (Level l : {Level::kBronze, Level::kSilver, Level::kGold}) {
    bool all = true;
    for (int k = 1; k <= static_cast<int>(l); ++k) all = all && level_ok[k];
    if (!all) break;
    target->level = l;
  }
}

int ExitCode(const Report& report, const Gate& gate) {
  for (const TargetReport& t : report.targets) {
    if (!t.ready) return 3;
  }
  for (const TargetReport& t : report.targets) {
    if (gate.min_score > 0 && t.score < gate.min_score) return 4;
  }
  return 0;
}

}  // namespace probity

#pragma once

#include <string>
#include <string_view>

#include "core/clock.h"

namespace probity {

// What a check's outcome looks like to the reports, the scoring and the
// agent's endpoints: nothing here knows how checks run.

enum class Severity { kInfo = 0, kWarning = 1, kCritical = 2 };
enum class Level { kNone = 0, kBronze = 1, kSilver = 2, kGold = 3 };
enum class CheckStatus { kPass, kFail, kSkip, kError };

std::string_view SeverityName(Severity s);
std::string_view LevelName(Level l);
std::string_view StatusName(CheckStatus s);
bool ParseSeverity(std::string_view text, Severity* out);

// The category of a check: its id up to the first dot ("health" of
// "health.liveness.reachable").
std::string_view CategoryOf(std::string_view check_id);

// What a check produced, as reported and exported.
struct CheckResult {
  std::string id;
  std::string category;
  Severity severity = Severity::kWarning;
  Level level = Level::kNone;
  CheckStatus status = CheckStatus::kSkip;
  Duration duration{};
  std::string detail;  // one line a person can act on; never a secret
  std::string remedy;  // empty when the check passed or was skipped
  // Set when the check was not evaluated because the check it names failed
  // (the detail then says "not evaluated: …"); reports group such checks.
  std::string blocked_by;
};

}  // namespace probity

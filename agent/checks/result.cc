#include "checks/result.h"

namespace probity {

std::string_view SeverityName(Severity s) {
  switch (s) {
    case Severity::kInfo: return "info";
    case Severity::kWarning: return "warning";
    case Severity::kCritical: return "critical";
  }
  return "info";
}

std::string_view LevelName(Level l) {
  switch (l) {
    case Level::kNone: return "none";
    case Level::kBronze: return "bronze";
    case Level::kSilver: return "silver";
    case Level::kGold: return "gold";
  }
  return "none";
}

std::string_view StatusName(CheckStatus s) {
  switch (s) {
    case CheckStatus::kPass: return "pass";
    case CheckStatus::kFail: return "fail";
    case CheckStatus::kSkip: return "skip";
    case CheckStatus::kError: return "error";
  }
  return "error";
}

bool ParseSeverity(std::string_view text, Severity* out) {
  if (text == "critical") *out = Severity::kCritical;
  else if (text == "warning") *out = Severity::kWarning;
  else if (text == "info") *out = Severity::kInfo;
  else return false;
  return true;
}

std::string_view CategoryOf(std::string_view check_id) { return check_id.substr(0, check_id.find('.')); }

}  // namespace probity

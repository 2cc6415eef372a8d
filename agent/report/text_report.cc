#include <cstdio>

#include "core/text.h"
#include "report/render.h"

namespace probity {
namespace {

constexpr const char* kReset = "\x1b[0m";
constexpr const char* kRed = "\x1b[31m";
constexpr const char* kGreen = "\x1b[32m";
constexpr const char* kYellow = "\x1b[33m";
constexpr const char* kDim = "\x1b[2m";
constexpr const char* kBold = "\x1b[1m";

}  // namespace

std::string RenderText(const Report& report, const RenderOptions& options) {
  const auto paint = [&](const char* code, const std::string& text) {
    return options.color ? std::string(code) + text + kReset : text;
  };
  std::string out;
  int not_ready = 0;
  for (const TargetReport& t : report.targets) {
    if (!t.ready) ++not_ready;
    out += paint(kBold, t.name) + "  " + t.url + "\n";
    out += "  score " + FormatPercent(t.score) + "  level " + std::string(LevelName(t.level)) + "  " +
           (t.ready ? paint(kGreen, "READY") : paint(kRed, "NOT READY")) + "  (" +
           std::to_string(t.critical_failures) + " critical failure" + (t.critical_failures == 1 ? "" : "s") +
           ", " + FormatSeconds(ToSeconds(t.duration)) + "s)\n";
    std::string category;
    for (const CheckResult& c : t.checks) {
      if (c.category != category) {
        category = c.category;
        auto score = t.categories.find(category);
        out += "\n  " + paint(kBold, category) +
               (score != t.categories.end() ? "  " + FormatPercent(score->second) : std::string()) + "\n";
      }
      std::string mark;
      switch (c.status) {
        case CheckStatus::kPass: mark = paint(kGreen, "PASS "); break;
        case CheckStatus::kFail: mark = paint(kRed, "FAIL "); break;
        case CheckStatus::kError: mark = paint(kRed, "ERROR"); break;
        case CheckStatus::kSkip: mark = paint(kDim, "SKIP "); break;
      }
      const std::string sev = c.status == CheckStatus::kPass || c.status == CheckStatus::kSkip
                                  ? paint(kDim, std::string(SeverityName(c.severity)))
                                  : paint(c.severity == Severity::kCritical ? kRed : kYellow,
                                          std::string(SeverityName(c.severity)));
      out += "    " + mark + " " + c.id + "  [" + sev + "]\n";
      const bool failed = c.status == CheckStatus::kFail || c.status == CheckStatus::kError;
      if (failed || options.verbose || c.status == CheckStatus::kSkip) {
        out += "           " + (failed ? c.detail : paint(kDim, c.detail)) + "\n";
      }
      if (failed && !c.remedy.empty()) out += "           " + paint(kYellow, "fix: ") + c.remedy + "\n";
    }
    out += "\n";
  }
  out += std::to_string(report.targets.size()) + " target" + (report.targets.size() == 1 ? "" : "s") + ", " +
         std::to_string(not_ready) + " not ready, in " + FormatSeconds(ToSeconds(report.duration)) + "s\n";
  return out;
}

}  // namespace probity

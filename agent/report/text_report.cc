#include <cstdio>
#include <set>
#include <vector>

#include "core/duration.h"
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
    out += paint(kBold, Printable(t.name)) + "  " + Printable(t.url) + "\n";
    out += "  score " + FormatPercent(t.score) + "  level " + std::string(LevelName(t.level)) + "  " +
           (t.ready ? paint(kGreen, "READY") : paint(kRed, "NOT READY")) + "  (" +
           std::to_string(t.critical_failures) + " critical failure" + (t.critical_failures == 1 ? "" : "s") +
           ", " + FormatTook(t.duration) + ")\n";
    std::string category;
    std::set<std::size_t> grouped;  // dependents already printed with their group
    for (std::size_t i = 0; i < t.checks.size(); ++i) {
      const CheckResult& c = t.checks[i];
      if (grouped.count(i)) continue;
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
      if (!c.blocked_by.empty()) {
        // Checks not evaluated for the same reason are one line, not many.
        std::vector<std::string> ids{c.id};
        for (std::size_t j = i + 1; j < t.checks.size(); ++j) {
          const CheckResult& d = t.checks[j];
          if (d.blocked_by == c.blocked_by && d.detail == c.detail && d.status == c.status && d.category == c.category) {
            ids.push_back(d.id);
            grouped.insert(j);
          }
        }
        if (ids.size() > 1) {
          out += "    " + mark + " " + std::to_string(ids.size()) + " checks " + Printable(c.detail) + " (" + c.blocked_by +
                 ")\n";
          std::string list;
          for (const std::string& id : ids) list += (list.empty() ? "" : ", ") + id;
          out += "           " + paint(kDim, list) + "\n";
          continue;
        }
      }
      out += "    " + mark + " " + c.id + "  [" + sev + "]\n";
      const bool failed = c.status == CheckStatus::kFail || c.status == CheckStatus::kError;
      if (failed || options.verbose || c.status == CheckStatus::kSkip) {
        const std::string detail = Printable(c.detail);
        out += "           " + (failed ? detail : paint(kDim, detail)) + "\n";
      }
      if (failed && !c.remedy.empty()) out += "           " + paint(kYellow, "fix: ") + Printable(c.remedy) + "\n";
    }
    out += "\n";
  }
  out += std::to_string(report.targets.size()) + " target" + (report.targets.size() == 1 ? "" : "s") + ", " +
         std::to_string(not_ready) + " not ready, in " + FormatTook(report.duration) + "\n";
  return out;
}

}  // namespace probity

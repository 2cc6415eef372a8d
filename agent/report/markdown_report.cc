#include <cstdio>
#include <set>

#include "core/text.h"
#include "report/render.h"

namespace probity {
namespace {

// Table cells: no control characters or line breaks, no HTML, and the
// characters that make links, emphasis or code escaped, so that text a
// target sent (a component's name, say) stays text.
std::string Cell(std::string_view raw) {
  std::string out;
  for (char c : Printable(raw)) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (std::string_view("\\|[]()*_`!").find(c) != std::string_view::npos) (out += '\\') += c;
    else out += c;
  }
  return out;
}

}  // namespace

std::string RenderMarkdown(const Report& report) {
  std::string out = "# Probity readiness report\n\n";
  out += "| target | score | level | ready | critical failures |\n|---|---|---|---|---|\n";
  for (const TargetReport& t : report.targets) {
    out += "| " + Cell(t.name) + " | " + FormatPercent(t.score) + " | " + std::string(LevelName(t.level)) + " | " +
           (t.ready ? "yes" : "**no**") + " | " + std::to_string(t.critical_failures) + " |\n";
  }
  for (const TargetReport& t : report.targets) {
    out += "\n## " + Cell(t.name) + "\n\n" + Cell(t.url) + "\n\n| status | check | severity | detail |\n|---|---|---|---|\n";
    std::set<std::string> grouped;  // "blocked_by|detail" already written
    for (const CheckResult& c : t.checks) {
      if (!c.blocked_by.empty()) {
        // Dependents not evaluated for the same reason share one row.
        const std::string key = c.blocked_by + "|" + c.detail;
        if (!grouped.insert(key).second) continue;
        std::string ids;
        for (const CheckResult& d : t.checks) {
          if (d.blocked_by == c.blocked_by && d.detail == c.detail) ids += (ids.empty() ? "`" : ", `") + d.id + "`";
        }
        out += "| ❌ " + std::string(StatusName(c.status)) + " | " + ids + " | " +
               std::string(SeverityName(c.severity)) + " | " + Cell(c.detail) + " (" + Cell(c.blocked_by) + ") |\n";
        continue;
      }
      const bool failed = c.status == CheckStatus::kFail || c.status == CheckStatus::kError;
      std::string detail = Cell(c.detail);
      if (failed && !c.remedy.empty()) detail += "<br>**fix:** " + Cell(c.remedy);
      out += "| " + std::string(failed ? "❌ " : c.status == CheckStatus::kPass ? "✅ " : "⏭ ") +
             std::string(StatusName(c.status)) + " | `" + c.id + "` | " + std::string(SeverityName(c.severity)) + " | " +
             detail + " |\n";
    }
  }
  return out;
}

}  // namespace probity

#include <cmath>

#include <nlohmann/json.hpp>

#include "core/build_info.h"
#include "core/text.h"
#include "report/render.h"

namespace probity {
namespace {

double Round(double value, double scale) { return std::round(value * scale) / scale; }

}  // namespace

bool ParseReportFormat(std::string_view text, ReportFormat* out) {
  if (text == "text") *out = ReportFormat::kText;
  else if (text == "json") *out = ReportFormat::kJson;
  else if (text == "junit") *out = ReportFormat::kJunit;
  else if (text == "markdown") *out = ReportFormat::kMarkdown;
  else if (text == "html") *out = ReportFormat::kHtml;
  else return false;
  return true;
}

std::string RenderJson(const Report& report) {
  using nlohmann::ordered_json;
  ordered_json root;
  root["probity_version"] = kVersion;
  root["started_at"] = FormatRfc3339(report.started_at);
  root["duration_seconds"] = Round(ToSeconds(report.duration), 1e6);
  root["targets"] = ordered_json::array();
  for (const TargetReport& t : report.targets) {
    ordered_json target;
    target["name"] = t.name;
    target["url"] = t.url;
    target["labels"] = t.labels;
    target["score"] = Round(t.score, 1e4);
    target["level"] = LevelName(t.level);
    target["ready"] = t.ready;
    target["critical_failures"] = t.critical_failures;
    target["duration_seconds"] = Round(ToSeconds(t.duration), 1e6);
    ordered_json categories = ordered_json::object();
    for (const auto& [name, score] : t.categories) categories[name] = Round(score, 1e4);
    target["categories"] = categories;
    target["checks"] = ordered_json::array();
    for (const CheckResult& c : t.checks) {
      target["checks"].push_back({{"id", c.id},
                                  {"category", c.category},
                                  {"severity", SeverityName(c.severity)},
                                  {"level", c.level == Level::kNone ? "none" : LevelName(c.level)},
                                  {"status", StatusName(c.status)},
                                  {"duration_seconds", Round(ToSeconds(c.duration), 1e6)},
                                  {"detail", c.detail},
                                  {"remedy", c.remedy}});
      if (!c.blocked_by.empty()) target["checks"].back()["not_evaluated_because"] = c.blocked_by;
    }
    root["targets"].push_back(std::move(target));
  }
  return root.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string Render(const Report& report, ReportFormat format, const RenderOptions& options) {
  switch (format) {
    case ReportFormat::kText: return RenderText(report, options);
    case ReportFormat::kJson: return RenderJson(report);
    case ReportFormat::kJunit: return RenderJunit(report);
    case ReportFormat::kMarkdown: return RenderMarkdown(report);
    case ReportFormat::kHtml: return RenderHtml(report);
  }
  return RenderText(report, options);
}

}  // namespace probity

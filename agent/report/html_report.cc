#include <cstdio>

#include "core/build_info.h"
#include "core/text.h"
#include "report/render.h"

namespace probity {
namespace {

std::string Html(std::string_view raw) {
  std::string out;
  for (char c : Printable(raw)) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace

std::string RenderHtml(const Report& report) {
  std::string out =
      "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Probity</title>\n"
      "<style>body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}"
      "td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}.pass{color:#1a7f37}"
      ".fail,.error{color:#cf222e;font-weight:bold}.skip{color:#888}small{color:#666}</style></head><body>\n"
      "<h1>Probity</h1>\n<p><small>version " + std::string(kVersion) + " · report of " +
      FormatRfc3339(report.started_at) + " · <a href=\"/metrics\">metrics</a> · <a href=\"/api/v1/report\">JSON</a>"
      "</small></p>\n";
  if (report.targets.empty()) out += "<p>No target has completed a run yet.</p>\n";
  out += "<table><tr><th>target</th><th>score</th><th>level</th><th>ready</th><th>critical failures</th></tr>\n";
  for (const TargetReport& t : report.targets) {
    out += "<tr><td><a href=\"#" + Html(t.name) + "\">" + Html(t.name) + "</a></td><td>" + FormatPercent(t.score) +
           "</td><td>" + std::string(LevelName(t.level)) + "</td><td class=\"" + (t.ready ? "pass" : "fail") + "\">" +
           (t.ready ? "yes" : "no") + "</td><td>" + std::to_string(t.critical_failures) + "</td></tr>\n";
  }
  out += "</table>\n";
  for (const TargetReport& t : report.targets) {
    out += "<h2 id=\"" + Html(t.name) + "\">" + Html(t.name) + "</h2>\n<p><small>" + Html(t.url) + " · probed " +
           FormatRfc3339(t.started_at) + "</small></p>\n<table><tr><th>status</th><th>check</th><th>severity</th>"
           "<th>detail</th></tr>\n";
    for (const CheckResult& c : t.checks) {
      const std::string status(StatusName(c.status));
      out += "<tr><td class=\"" + status + "\">" + status + "</td><td><code>" + Html(c.id) + "</code></td><td>" +
             std::string(SeverityName(c.severity)) + "</td><td>" + Html(c.detail);
      if (!c.remedy.empty()) out += "<br><small>fix: " + Html(c.remedy) + "</small>";
      out += "</td></tr>\n";
    }
    out += "</table>\n";
  }
  return out + "</body></html>\n";
}

}  // namespace probity

#include "core/text.h"
#include "report/render.h"

namespace probity {
namespace {

// Escapes for XML text and attributes, dropping characters XML 1.0 forbids.
std::string Xml(std::string_view raw) {
  const std::string s = SanitizeUtf8(raw);
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t' && c != '\r') continue;
        out += c;
    }
  }
  return out;
}

}  // namespace

std::string RenderJunit(const Report& report) {
  int tests = 0, failures = 0, errors = 0, skipped = 0;
  std::string suites;
  for (const TargetReport& t : report.targets) {
    int t_fail = 0, t_err = 0, t_skip = 0;
    std::string cases;
    for (const CheckResult& c : t.checks) {
      cases += "    <testcase classname=\"" + Xml("probity." + t.name + "." + c.category) + "\" name=\"" + Xml(c.id) +
               "\" time=\"" + FormatSeconds(ToSeconds(c.duration)) + "\"";
      const std::string message = "[" + std::string(SeverityName(c.severity)) + "] " + c.detail;
      switch (c.status) {
        case CheckStatus::kPass:
          cases += "/>\n";
          break;
        case CheckStatus::kSkip:
          ++t_skip;
          cases += ">\n      <skipped message=\"" + Xml(c.detail) + "\"/>\n    </testcase>\n";
          break;
        case CheckStatus::kFail:
        case CheckStatus::kError:
          // Both are <failure>: a check that could not be evaluated fails the gate too.
          if (c.status == CheckStatus::kFail) ++t_fail; else ++t_err;
          cases += ">\n      <failure message=\"" + Xml(message) + "\" type=\"" + std::string(StatusName(c.status)) +
                   "\">" + Xml(c.detail + (c.remedy.empty() ? "" : "\nfix: " + c.remedy)) + "</failure>\n    </testcase>\n";
          break;
      }
    }
    tests += static_cast<int>(t.checks.size());
    failures += t_fail + t_err;
    skipped += t_skip;
    suites += "  <testsuite name=\"" + Xml(t.name) + "\" tests=\"" + std::to_string(t.checks.size()) +
              "\" failures=\"" + std::to_string(t_fail + t_err) + "\" errors=\"0\" skipped=\"" + std::to_string(t_skip) +
              "\" time=\"" + FormatSeconds(ToSeconds(t.duration)) + "\" timestamp=\"" +
              FormatRfc3339(t.started_at).substr(0, 19) + "\">\n";
    suites += "    <properties>\n      <property name=\"url\" value=\"" + Xml(t.url) +
              "\"/>\n      <property name=\"score\" value=\"" + FormatSeconds(t.score) +
              "\"/>\n      <property name=\"level\" value=\"" + std::string(LevelName(t.level)) +
              "\"/>\n      <property name=\"ready\" value=\"" + (t.ready ? "true" : "false") + "\"/>\n    </properties>\n";
    suites += cases + "  </testsuite>\n";
  }
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"probity\" tests=\"" + std::to_string(tests) +
         "\" failures=\"" + std::to_string(failures) + "\" errors=\"" + std::to_string(errors) + "\" skipped=\"" +
         std::to_string(skipped) + "\" time=\"" + FormatSeconds(ToSeconds(report.duration)) + "\">\n" + suites +
         "</testsuites>\n";
}

}  // namespace probity

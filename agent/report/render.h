#pragma once

#include <string>
#include <string_view>

#include "report/report.h"

namespace probity {

enum class ReportFormat { kText, kJson, kJunit, kMarkdown, kHtml };

bool ParseReportFormat(std::string_view text, ReportFormat* out);

struct RenderOptions {
  bool color = false;       // ANSI colour in text output (only for a TTY)
  bool verbose = false;     // text: list passing checks' details too
};

// The JSON report of PRODUCT.md.
std::string RenderJson(const Report& report);
// Human-readable, grouped by category; failures carry detail and remedy.
std::string RenderText(const Report& report, const RenderOptions& options);
// JUnit XML: a testsuite per target, a testcase per check.
std::string RenderJunit(const Report& report);
// GitHub-flavoured Markdown, for pull-request comments and job summaries.
std::string RenderMarkdown(const Report& report);
// A standalone HTML page; also the agent's status page.
std::string RenderHtml(const Report& report);

std::string Render(const Report& report, ReportFormat format, const RenderOptions& options);

}  // namespace probity

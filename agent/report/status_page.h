#pragma once

#include <map>
#include <string>
#include <vector>

#include "checks/check.h"
#include "core/clock.h"
#include "report/report.h"

namespace probity {

// How the status page is rendered: live (served by `probity run`) or as a
// standalone file (`probity scan --format html`).
struct StatusPageOptions {
  // Live: links to the agent's own endpoints and to /checks/ID, relative to
  // the page (so a reverse proxy's path prefix keeps them working), and
  // refreshes itself every `refresh_seconds` over api/v1/report.
  // Standalone: no network at all; each check links to its documentation in
  // an appendix of the same file.
  bool live = false;
  int refresh_seconds = 10;
  WallTime now{};
  // Live only, keyed by target name: the last runs' scores (oldest first)
  // and when the next run is due.
  std::map<std::string, std::vector<ScorePoint>> history;
  std::map<std::string, WallTime> next_run;
  // Live only: configured targets that have not completed a run yet.
  std::vector<std::string> waiting;
};

// The status page: a summary line per target (score, level, category
// scores, labels, last and next run, history) that expands to its checks,
// targets that are not ready first and failing checks first within each;
// filters by status, category, severity, label and text; light and dark.
// Readable without JavaScript: the script only adds the filters and, when
// live, the refresh that keeps the reader's open targets, filters, scroll
// position and focus. Everything from a target is escaped.
std::string RenderStatusPage(const Report& report, const StatusPageOptions& options);

// A check's documentation page (/checks/ID): what it verifies, why it
// matters, how to fix it, its severity, level and parameters.
std::string RenderCheckPage(const CheckInfo& check);
// Every check, by category, linking to its page (/checks).
std::string RenderCheckIndexPage();

}  // namespace probity

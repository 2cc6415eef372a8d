#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checks/check.h"
#include "config/config.h"

namespace probity {

// Every implemented check, in report order. A check that is not implemented
// is not listed: the catalogue is what Probity can actually verify.
const std::vector<CheckInfo>& Catalogue();

// The catalogue as `probity checks` prints it: grouped by category, one line
// per check and per parameter; or as a JSON array.
std::string CatalogueText();
std::string CatalogueJson();
// One check's documentation, as `probity checks ID` prints it: what it
// verifies, why it matters, how to fix it, its parameters.
std::string CheckDocText(const CheckInfo& check);
std::string CheckDocJson(const CheckInfo& check);

// The catalogue entry for an id, or nullptr.
const CheckInfo* FindCheck(std::string_view id);

// A check as one target runs it: catalogue entry, effective severity and
// parameters after checklist `extends`, `overrides`, `disable` and the
// target's own `checks`.
struct PlannedCheck {
  const CheckInfo* info;
  Severity severity;
  CheckParams params;
};
using CheckPlan = std::vector<PlannedCheck>;

// What the checks of a plan from `from` on read, together.
Needs NeedsOf(const CheckPlan& plan, std::size_t from = 0);

// The built-in "default" checklist: every catalogue check with its defaults.
CheckPlan DefaultPlan();
// The built-in "exporter" checklist, for Prometheus exporters and other
// programs whose only HTTP traffic is scrapes: default without the
// metrics.red.*, tracing.* and api.* checks.
CheckPlan ExporterPlan();
// A built-in checklist by name ("default", "exporter"), or nullopt.
std::optional<CheckPlan> BuiltinPlan(std::string_view name);

// Resolves every checklist of the config and the plan of every target (keyed
// by target name). Unknown check ids, parameters, severities and checklists,
// and `extends` cycles, are appended to `errors` with their positions.
std::map<std::string, CheckPlan> ResolvePlans(const Config& config, std::vector<ConfigError>* errors);

}  // namespace probity

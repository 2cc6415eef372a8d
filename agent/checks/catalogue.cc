#include "checks/catalogue.h"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>

#include "core/text.h"

#include "checks/api_checks.h"
#include "checks/health_checks.h"
#include "checks/logs_checks.h"
#include "checks/metrics_checks.h"
#include "checks/monitoring_checks.h"
#include "checks/tls_checks.h"
#include "checks/tracing_checks.h"

namespace probity {
namespace {

std::vector<CheckInfo> BuildCatalogue() {
  std::vector<CheckInfo> all;
  for (const std::vector<CheckInfo>* category : {&HealthChecks(), &MetricsChecks(), &LogsChecks(), &TracingChecks(),
                                                 &ApiChecks(), &TlsChecks(), &MonitoringChecks()}) {
    all.insert(all.end(), category->begin(), category->end());
  }
  return all;
}

}  // namespace

const std::vector<CheckInfo>& Catalogue() {
  static const std::vector<CheckInfo> catalogue = BuildCatalogue();
  return catalogue;
}

namespace {

nlohmann::ordered_json CheckJson(const CheckInfo& c) {
  nlohmann::ordered_json params = nlohmann::ordered_json::array();
  for (const ParamSpec& p : c.params) {
    params.push_back({{"name", p.name}, {"default", p.default_value}, {"help", p.help}});
  }
  return {{"id", c.id},           {"category", std::string(c.category())}, {"severity", SeverityName(c.severity)},
          {"level", LevelName(c.level)}, {"description", c.description},  {"why", c.why},
          {"remedy", c.remedy},   {"params", params}};
}

// `text` folded at word boundaries into lines of at most 78 columns, each
// indented by two spaces.
std::string Indented(std::string_view text) {
  std::string out, line;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t end = text.find(' ', at);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view word = text.substr(at, end - at);
    if (!line.empty() && line.size() + 1 + word.size() > 76) {
      out += "  " + line + "\n";
      line.clear();
    }
    line += (line.empty() ? "" : " ") + std::string(word);
    at = end + 1;
  }
  if (!line.empty()) out += "  " + line + "\n";
  return out;
}

}  // namespace

std::string CatalogueJson() {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const CheckInfo& c : Catalogue()) out.push_back(CheckJson(c));
  return out.dump(2) + "\n";
}

std::string CheckDocJson(const CheckInfo& check) { return CheckJson(check).dump(2) + "\n"; }

std::string CheckDocText(const CheckInfo& check) {
  std::string out = check.id + "\n  category " + std::string(check.category()) + ", severity " +
                    std::string(SeverityName(check.severity)) + ", gates level " +
                    (check.level == Level::kNone ? std::string("none") : std::string(LevelName(check.level))) +
                    "\n\nWhat it verifies\n" + Indented(check.description);
  if (!check.why.empty()) out += "\nWhy it matters\n" + Indented(check.why);
  out += "\nHow to fix\n" + Indented(check.remedy);
  if (!check.params.empty()) {
    out += "\nParameters (per target, under checks:)\n";
    for (const ParamSpec& p : check.params) {
      out += Indented(p.name + " (default " + (p.default_value.empty() ? "none" : p.default_value) + "): " + p.help);
    }
  }
  return out;
}

std::string CatalogueText() {
  std::string out;
  std::string_view category;
  char line[1024];
  for (const CheckInfo& c : Catalogue()) {
    if (c.category() != category) {
      out += (category.empty() ? "" : "\n") + std::string(c.category()) + "\n";
      category = c.category();
    }
    const std::string level = c.level == Level::kNone ? "-" : std::string(LevelName(c.level));
    std::snprintf(line, sizeof line, "  %-30s %-8s %-6s ", c.id.c_str(), std::string(SeverityName(c.severity)).c_str(),
                  level.c_str());
    out += line + c.description + "\n";
    for (const ParamSpec& p : c.params) {
      std::snprintf(line, sizeof line, "  %-30s   param %s (default %s): ", "", p.name.c_str(),
                    p.default_value.empty() ? "none" : p.default_value.c_str());
      out += line + p.help + "\n";
    }
  }
  return out;
}

const CheckInfo* FindCheck(std::string_view id) {
  for (const CheckInfo& info : Catalogue()) {
    if (info.id == id) return &info;
  }
  return nullptr;
}

Needs NeedsOf(const CheckPlan& plan, std::size_t from) {
  Needs needs;
  for (std::size_t i = from; i < plan.size(); ++i) needs |= plan[i].info->needs;
  return needs;
}

CheckPlan DefaultPlan() {
  CheckPlan plan;
  for (const CheckInfo& info : Catalogue()) {
    PlannedCheck planned{&info, info.severity, {}};
    for (const ParamSpec& spec : info.params) {
      StatusOr<ParamValue> value = ParseParam(spec, {spec.default_value}, false);
      planned.params.Set(spec.name, *value);
    }
    plan.push_back(std::move(planned));
  }
  return plan;
}

CheckPlan ExporterPlan() {
  CheckPlan plan = DefaultPlan();
  plan.erase(std::remove_if(plan.begin(), plan.end(),
                            [](const PlannedCheck& p) {
                              const std::string& id = p.info->id;
                              return StartsWith(id, "metrics.red.") || p.info->category() == "tracing" ||
                                     p.info->category() == "api";
                            }),
             plan.end());
  return plan;
}

std::optional<CheckPlan> BuiltinPlan(std::string_view name) {
  if (name == "default") return DefaultPlan();
  if (name == "exporter") return ExporterPlan();
  return std::nullopt;
}

namespace {

std::string UnknownCheck(const std::string& id) {
  return "unknown check id \"" + id + "\" (run `probity checks` for the list)";
}

// Applies overrides to a plan, reporting each mistake once.
void ApplyOverrides(const std::vector<CheckOverride>& overrides, const std::string& file, CheckPlan* plan,
                    std::vector<ConfigError>* errors) {
  for (const CheckOverride& o : overrides) {
    const CheckInfo* info = FindCheck(o.id);
    if (info == nullptr) {
      if (errors) errors->push_back({file, o.pos, UnknownCheck(o.id)});
      continue;
    }
    PlannedCheck* target = nullptr;
    for (PlannedCheck& p : *plan) {
      if (p.info == info) target = &p;
    }
    if (o.severity) {
      Severity s;
      if (!ParseSeverity(*o.severity, &s)) {
        if (errors) {
          errors->push_back({file, o.severity_pos, "severity of " + o.id + " must be critical, warning or info"});
        }
      } else if (target) {
        target->severity = s;
      }
    }
    for (const RawParam& param : o.params) {
      const ParamSpec* spec = nullptr;
      for (const ParamSpec& s : info->params) {
        if (s.name == param.name) spec = &s;
      }
      if (spec == nullptr) {
        std::string known;
        for (const ParamSpec& s : info->params) known += (known.empty() ? "" : ", ") + s.name;
        if (errors) {
          errors->push_back({file, param.pos, "check " + o.id + " has no parameter \"" + param.name + "\"" +
                                                  (known.empty() ? " (it takes none)" : " (known: " + known + ")")});
        }
        continue;
      }
      StatusOr<ParamValue> value = ParseParam(*spec, param.values, param.is_list);
      if (!value.ok()) {
        if (errors) errors->push_back({file, param.pos, o.id + " parameter " + param.name + ": " + value.status().message()});
      } else if (target) {
        target->params.Set(param.name, *value);
      }
    }
  }
}

class Resolver {
 public:
  Resolver(const Config& config, std::vector<ConfigError>* errors) : config_(config), errors_(errors) {
    for (const ChecklistConfig& list : config.checklists) {
      if (BuiltinPlan(list.name)) {
        errors_->push_back({config.file, list.pos,
                            "checklist \"" + list.name + "\" is built in; give yours another name and `extends: " +
                                list.name + "`"});
      } else if (!lists_.emplace(list.name, &list).second) {
        errors_->push_back({config.file, list.pos, "checklist \"" + list.name + "\" is defined twice"});
      }
    }
  }

  // Resolves every checklist once so each mistake is reported once.
  void ResolveAll() {
    for (const auto& [name, list] : lists_) Resolve(name, nullptr);
  }

  // The plan of a checklist, or nullopt when the name is unknown.
  std::optional<CheckPlan> Resolve(const std::string& name, std::set<std::string>* visiting) {
    if (std::optional<CheckPlan> builtin = BuiltinPlan(name)) return builtin;
    auto found = resolved_.find(name);
    if (found != resolved_.end()) return found->second;
    auto it = lists_.find(name);
    if (it == lists_.end()) return std::nullopt;
    const ChecklistConfig& list = *it->second;
    std::set<std::string> local;
    if (visiting == nullptr) visiting = &local;
    visiting->insert(name);
    CheckPlan plan = DefaultPlan();
    if (list.extends) {
      if (visiting->count(list.extends->name)) {
        errors_->push_back({config_.file, list.extends->pos,
                            "checklist \"" + name + "\" extends \"" + list.extends->name + "\", which is a cycle"});
      } else if (std::optional<CheckPlan> base = Resolve(list.extends->name, visiting)) {
        plan = std::move(*base);
      } else {
        errors_->push_back({config_.file, list.extends->pos, "unknown checklist \"" + list.extends->name + "\""});
      }
    }
    ApplyOverrides(list.overrides, config_.file, &plan, errors_);
    for (const NamedRef& ref : list.disable) {
      if (FindCheck(ref.name) == nullptr) {
        errors_->push_back({config_.file, ref.pos, UnknownCheck(ref.name)});
        continue;
      }
      plan.erase(std::remove_if(plan.begin(), plan.end(), [&](const PlannedCheck& p) { return p.info->id == ref.name; }),
                 plan.end());
    }
    visiting->erase(name);
    resolved_[name] = plan;
    return plan;
  }

 private:
  const Config& config_;
  std::vector<ConfigError>* errors_;
  std::map<std::string, const ChecklistConfig*> lists_;
  std::map<std::string, CheckPlan> resolved_;
};

}  // namespace

std::map<std::string, CheckPlan> ResolvePlans(const Config& config, std::vector<ConfigError>* errors) {
  Resolver resolver(config, errors);
  resolver.ResolveAll();
  auto plan_of = [&](const TargetConfig& target) {
    std::optional<CheckPlan> plan = resolver.Resolve(target.checklist.name, nullptr);
    if (!plan) {
      errors->push_back({config.file, target.checklist.pos, "unknown checklist \"" + target.checklist.name + "\""});
      plan = DefaultPlan();
    }
    ApplyOverrides(target.checks, config.file, &*plan, errors);
    return std::move(*plan);
  };
  std::map<std::string, CheckPlan> plans;
  for (const TargetConfig& target : config.targets) plans[target.name] = plan_of(target);
  // A discovery template's mistakes are found before any target is discovered.
  for (const SdConfig& sd : config.service_discovery) plan_of(sd.target);
  return plans;
}

}  // namespace probity

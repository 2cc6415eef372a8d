#include "checks/health_body.h"

#include <nlohmann/json.hpp>

#include "core/text.h"

namespace probity {
namespace {

using nlohmann::json;

HealthState HealthJsonState(const std::string& s) {
  const std::string l = ToLower(s);
  if (l == "pass" || l == "ok" || l == "up") return HealthState::kUp;
  if (l == "warn") return HealthState::kWarn;
  if (l == "fail" || l == "error" || l == "down") return HealthState::kDown;
  return HealthState::kUnknown;
}

HealthState SpringState(const std::string& s) {
  if (s == "UP") return HealthState::kUp;
  if (s == "DOWN" || s == "OUT_OF_SERVICE") return HealthState::kDown;
  return HealthState::kUnknown;
}

// Any status word a service might use, for bodies in neither convention.
HealthState LooseState(const std::string& s) {
  const std::string l = ToLower(s);
  if (l == "pass" || l == "ok" || l == "up" || l == "healthy" || l == "ready" || l == "alive" || l == "green" ||
      l == "serving") {
    return HealthState::kUp;
  }
  if (l == "warn" || l == "warning" || l == "degraded" || l == "yellow") return HealthState::kWarn;
  if (l == "fail" || l == "failed" || l == "down" || l == "out_of_service" || l == "unhealthy" || l == "error" ||
      l == "not_ready" || l == "red" || l == "not_serving") {
    return HealthState::kDown;
  }
  return HealthState::kUnknown;
}

void SpringComponents(const json& components, const std::string& prefix, std::vector<HealthComponent>* out) {
  if (!components.is_object()) return;
  for (auto it = components.begin(); it != components.end(); ++it) {
    HealthComponent c;
    c.name = prefix.empty() ? it.key() : prefix + "." + it.key();
    if (it.value().is_object()) {
      auto status = it.value().find("status");
      if (status != it.value().end() && status->is_string()) c.state = SpringState(status->get<std::string>());
      out->push_back(c);
      auto nested = it.value().find("components");
      if (nested != it.value().end()) SpringComponents(*nested, c.name, out);
    } else {
      out->push_back(c);
    }
  }
}

bool ParseKubernetes(std::string_view body, HealthBody* out) {
  const std::string_view trimmed = Trim(body);
  // Kubernetes writes "ok"; Alertmanager, Pushgateway and many others "OK".
  if (EqualsIgnoreCase(trimmed, "ok")) {
    out->format = HealthFormat::kKubernetes;
    out->state = HealthState::kUp;
    out->raw_status = std::string(trimmed);
    return true;
  }
  // ?verbose: "[+]ping ok", "[-]etcd failed: reason withheld", "[+]x excluded: …",
  // closing with "livez check passed" or "readyz check failed".
  std::vector<HealthComponent> components;
  std::string_view rest = trimmed;
  std::string verdict;
  while (!rest.empty()) {
    std::size_t nl = rest.find('\n');
    std::string_view line = Trim(rest.substr(0, nl));
    rest = nl == std::string_view::npos ? "" : rest.substr(nl + 1);
    if (line.empty()) continue;
    if (StartsWith(line, "[+]") || StartsWith(line, "[-]")) {
      std::string_view entry = line.substr(3);
      std::size_t space = entry.find(' ');
      if (space == std::string_view::npos || space == 0) return false;
      HealthComponent c;
      c.name = std::string(entry.substr(0, space));
      c.state = line[1] == '+' ? HealthState::kUp : HealthState::kDown;
      components.push_back(c);
    } else if (EndsWith(line, "check passed") || EndsWith(line, "check failed")) {
      verdict = std::string(line);
    } else {
      return false;
    }
  }
  if (components.empty() || verdict.empty()) return false;
  out->format = HealthFormat::kKubernetes;
  out->raw_status = verdict;
  out->state = EndsWith(verdict, "passed") ? HealthState::kUp : HealthState::kDown;
  out->components = std::move(components);
  return true;
}

}  // namespace

std::string_view HealthFormatName(HealthFormat f) {
  switch (f) {
    case HealthFormat::kUnknown: return "unrecognised";
    case HealthFormat::kHealthJson: return "application/health+json";
    case HealthFormat::kSpring: return "Spring Actuator";
    case HealthFormat::kKubernetes: return "Kubernetes";
    case HealthFormat::kOtherJson: return "JSON in no health convention";
  }
  return "unrecognised";
}

std::string_view HealthStateName(HealthState s) {
  switch (s) {
    case HealthState::kUnknown: return "unknown";
    case HealthState::kUp: return "up";
    case HealthState::kWarn: return "warn";
    case HealthState::kDown: return "down";
  }
  return "unknown";
}

HealthBody ParseHealthBody(std::string_view media_type, std::string_view body) {
  HealthBody out;
  const std::string_view trimmed = Trim(body);
  if (StartsWith(trimmed, "{")) {
    json doc = json::parse(trimmed.begin(), trimmed.end(), nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded() || !doc.is_object()) return out;
    auto status = doc.find("status");
    if (status == doc.end() || !status->is_string()) {
      out.format = HealthFormat::kOtherJson;
      return out;
    }
    out.raw_status = status->get<std::string>();
    const bool health_json_type = media_type == "application/health+json";
    if (SpringState(out.raw_status) != HealthState::kUnknown || out.raw_status == "UNKNOWN") {
      out.format = HealthFormat::kSpring;
      out.state = SpringState(out.raw_status);
      auto components = doc.find("components");
      if (components == doc.end()) components = doc.find("details");  // Spring Boot 1.x
      if (components != doc.end()) SpringComponents(*components, "", &out.components);
      return out;
    }
    const std::string lower = ToLower(out.raw_status);
    if (health_json_type || lower == "pass" || lower == "warn" || lower == "fail") {
      out.state = HealthJsonState(out.raw_status);
      out.format = out.state == HealthState::kUnknown ? HealthFormat::kOtherJson : HealthFormat::kHealthJson;
      auto checks = doc.find("checks");
      if (checks != doc.end() && checks->is_object()) {
        for (auto it = checks->begin(); it != checks->end(); ++it) {
          const json& entries = it.value();
          HealthComponent c;
          c.name = it.key();
          const json* first = entries.is_array() && !entries.empty() ? &entries[0] : (entries.is_object() ? &entries : nullptr);
          if (first && first->is_object()) {
            auto type = first->find("componentType");
            if (type != first->end() && type->is_string()) c.type = type->get<std::string>();
            auto st = first->find("status");
            if (st != first->end() && st->is_string()) c.state = HealthJsonState(st->get<std::string>());
          }
          out.components.push_back(c);
        }
      }
      return out;
    }
    out.format = HealthFormat::kOtherJson;
    out.state = LooseState(out.raw_status);
    return out;
  }
  if (ParseKubernetes(body, &out)) return out;
  // Plain-text bodies such as "OK" or "Healthy": a state, but no convention.
  std::string word = ToLower(trimmed);
  while (!word.empty() && (word.back() == '.' || word.back() == '!')) word.pop_back();
  if (word.size() <= 32) out.state = LooseState(word);
  if (out.state != HealthState::kUnknown) out.raw_status = std::string(trimmed);
  return out;
}

}  // namespace probity

#include "checks/health_body.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <optional>

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

// What a JSON health body says, read in one streaming pass (no document is
// built: a body with 40 000 components costs its components, not a DOM ten
// times its size). It keeps the top-level status, the Spring component tree
// under "components" and "details", and the health+json "checks".
class HealthJsonReader final : public nlohmann::json_sax<json> {
 public:
  // A Spring component's state (as SpringState reads its status).
  struct Entry {
    HealthState state = HealthState::kUnknown;
  };
  using SpringTree = std::map<std::vector<std::string>, Entry>;

  std::optional<std::string> status;  // top-level status, when a string
  bool has_status = false;
  bool has_components = false;  // a top-level "components" of any type (Spring Boot 2+)
  SpringTree components, details;
  std::size_t components_listed = 0, details_listed = 0, checks_listed = 0;
  bool checks_is_object = false;
  // health+json checks in document order, each name's last entry counting,
  // their state as HealthJsonState reads it; Checks() sorts them.
  std::vector<HealthComponent> checks;

  bool null() override { return Scalar(std::nullopt); }
  bool boolean(bool) override { return Scalar(std::nullopt); }
  bool number_integer(number_integer_t) override { return Scalar(std::nullopt); }
  bool number_unsigned(number_unsigned_t) override { return Scalar(std::nullopt); }
  bool number_float(number_float_t, const string_t&) override { return Scalar(std::nullopt); }
  bool string(string_t& value) override { return Scalar(value); }
  bool binary(binary_t&) override { return Scalar(std::nullopt); }
  bool key(string_t& k) override {
    frames_.back().key = k;
    return true;
  }
  bool start_object(std::size_t) override {
    frames_.push_back(Child(true));
    return true;
  }
  bool end_object() override { return End(); }
  bool start_array(std::size_t) override {
    frames_.push_back(Child(false));
    return true;
  }
  bool end_array() override { return End(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }

  bool root_is_object() const { return root_is_object_; }

  // The checks by name (as a JSON object would have them): sorted, the last
  // of each name kept.
  std::vector<HealthComponent>& Checks() {
    std::stable_sort(checks.begin(), checks.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    std::size_t kept = 0;
    for (std::size_t i = 0; i < checks.size(); ++i) {
      if (kept > 0 && checks[kept - 1].name == checks[i].name) {
        checks[kept - 1] = std::move(checks[i]);
      } else {
        if (kept != i) checks[kept] = std::move(checks[i]);
        ++kept;
      }
    }
    checks.resize(kept);
    return checks;
  }

 private:
  enum class Role { kIgnore, kRoot, kSpringSet, kSpringComponent, kChecksSet, kChecksEntries, kCheckEntry };
  struct Frame {
    Role role;
    bool object;
    std::string key;                 // of the member being read (objects)
    std::size_t index = 0;           // of the element being read (arrays)
    SpringTree* tree = nullptr;      // kSpringSet, kSpringComponent
    std::vector<std::string> path;   // kSpringSet: the parent's; kSpringComponent: its own
    std::size_t check = 0;           // kChecksEntries, kCheckEntry: index into checks
  };

  // The frame a new object or array opens, by where it opens.
  Frame Child(bool object) {
    Frame f{Role::kIgnore, object, {}, 0, nullptr, {}, 0};
    if (frames_.empty()) {
      root_is_object_ = object;
      if (object) f.role = Role::kRoot;
      return f;
    }
    Frame& parent = frames_.back();
    switch (parent.role) {
      case Role::kRoot:
        if (parent.key == "status") Status(std::nullopt);
        if (parent.key == "components") has_components = true;
        if (object && (parent.key == "components" || parent.key == "details")) {
          f.role = Role::kSpringSet;
          f.tree = parent.key == "components" ? &components : &details;
        }
        if (parent.key == "checks") {
          checks_is_object = object;
          if (object) {
            checks.clear();
            checks_listed = 0;
            f.role = Role::kChecksSet;
          }
        }
        break;
      case Role::kSpringSet: {
        std::vector<std::string> path = parent.path;
        path.push_back(parent.key);
        if (AddSpring(parent.tree, path) && object) {
          f.role = Role::kSpringComponent;
          f.tree = parent.tree;
          f.path = std::move(path);
        }
        break;
      }
      case Role::kSpringComponent:
        if (parent.key == "status") (*parent.tree)[parent.path].state = HealthState::kUnknown;
        if (object && parent.key == "components") {
          f.role = Role::kSpringSet;
          f.tree = parent.tree;
          f.path = parent.path;
        }
        break;
      case Role::kChecksSet:
        if (AddCheck(parent.key)) {
          f.role = object ? Role::kCheckEntry : Role::kChecksEntries;
          f.check = checks.size() - 1;
        }
        break;
      case Role::kChecksEntries:
        if (object && parent.index == 0) {
          f.role = Role::kCheckEntry;
          f.check = parent.check;
        }
        break;
      case Role::kCheckEntry:
        if (parent.key == "status") checks[parent.check].state = HealthState::kUnknown;
        if (parent.key == "componentType") checks[parent.check].type.clear();
        break;
      case Role::kIgnore:
        break;
    }
    return f;
  }

  bool Scalar(const std::optional<std::string>& value) {
    if (frames_.empty()) return true;  // a bare scalar: not an object
    Frame& f = frames_.back();
    switch (f.role) {
      case Role::kRoot:
        if (f.key == "status") Status(value);
        if (f.key == "components") has_components = true;
        if (f.key == "checks") checks_is_object = false;
        break;
      case Role::kSpringSet: {
        std::vector<std::string> path = f.path;
        path.push_back(f.key);
        AddSpring(f.tree, std::move(path));
        break;
      }
      case Role::kSpringComponent:
        if (f.key == "status") (*f.tree)[f.path].state = value ? SpringState(*value) : HealthState::kUnknown;
        break;
      case Role::kChecksSet:
        AddCheck(f.key);
        break;
      case Role::kCheckEntry:
        if (f.key == "status") checks[f.check].state = value ? HealthJsonState(*value) : HealthState::kUnknown;
        if (f.key == "componentType") checks[f.check].type = value.value_or("");
        break;
      case Role::kChecksEntries:
      case Role::kIgnore:
        break;
    }
    if (!f.object) ++f.index;
    return true;
  }

  bool End() {
    frames_.pop_back();
    if (!frames_.empty() && !frames_.back().object) ++frames_.back().index;
    return true;
  }

  // A component as its key is read: kept while there is room, counted
  // always; false when not kept (what it holds is then not read).
  bool AddCheck(const std::string& name) {
    ++checks_listed;
    if (checks.size() >= kMaxHealthComponents) return false;
    checks.push_back({name, "", HealthState::kUnknown});
    return true;
  }
  bool AddSpring(SpringTree* tree, std::vector<std::string> path) {
    std::size_t& listed = tree == &components ? components_listed : details_listed;
    ++listed;
    if (tree->size() >= kMaxHealthComponents && tree->find(path) == tree->end()) return false;
    (*tree)[std::move(path)] = Entry{};
    return true;
  }

  void Status(const std::optional<std::string>& value) {
    has_status = true;
    status = value;
  }

  std::vector<Frame> frames_;
  bool root_is_object_ = false;
};

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
  std::size_t listed = 0;
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
      if (++listed > kMaxHealthComponents) continue;
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
  out->components_listed = listed;
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
    HealthJsonReader doc;
    if (!json::sax_parse(trimmed.begin(), trimmed.end(), &doc) || !doc.root_is_object()) return out;
    if (!doc.status) {
      out.format = HealthFormat::kOtherJson;
      return out;
    }
    out.raw_status = *doc.status;
    const bool health_json_type = media_type == "application/health+json";
    if (SpringState(out.raw_status) != HealthState::kUnknown || out.raw_status == "UNKNOWN") {
      out.format = HealthFormat::kSpring;
      out.state = SpringState(out.raw_status);
      // Spring Boot 1.x put them under "details".
      out.components.reserve((doc.has_components ? doc.components : doc.details).size());
      out.components_listed = doc.has_components ? doc.components_listed : doc.details_listed;
      for (const auto& [path, entry] : doc.has_components ? doc.components : doc.details) {
        HealthComponent c;
        for (const std::string& level : path) c.name += (c.name.empty() ? "" : ".") + level;
        c.state = entry.state;
        out.components.push_back(std::move(c));
      }
      return out;
    }
    const std::string lower = ToLower(out.raw_status);
    if (health_json_type || lower == "pass" || lower == "warn" || lower == "fail") {
      out.state = HealthJsonState(out.raw_status);
      out.format = out.state == HealthState::kUnknown ? HealthFormat::kOtherJson : HealthFormat::kHealthJson;
      if (!doc.checks_is_object) {  // the last "checks" was not an object
        doc.checks.clear();
        doc.checks_listed = 0;
      }
      out.components = std::move(doc.Checks());
      out.components_listed = doc.checks_listed;
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

#include "runner/service_discovery.h"

#include <glob.h>
#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "core/file.h"
#include "core/text.h"
#include "exposition/parser.h"
#include "http/url.h"

namespace probity {

namespace {

// One target group as Prometheus' SD formats give it.
struct Group {
  std::vector<std::string> targets;
  std::vector<std::pair<std::string, std::string>> labels;
};

// Labels Probity's own metrics use: a discovered label of that name is
// renamed, as Prometheus renames a scraped label that clashes.
bool ReservedLabel(const std::string& name) {
  static const std::set<std::string> kReserved = {"target", "check", "category", "severity", "status", "level",
                                                  "result"};
  return kReserved.count(name) > 0;
}

StatusOr<std::vector<Group>> GroupsFromJson(std::string_view text) {
  const nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded()) return Status::Error("not valid JSON");
  if (!doc.is_array()) return Status::Error("must be a JSON array of target groups");
  std::vector<Group> groups;
  for (std::size_t i = 0; i < doc.size(); ++i) {
    const nlohmann::json& g = doc[i];
    const std::string where = "group " + std::to_string(i);
    if (!g.is_object()) return Status::Error(where + " must be an object");
    Group group;
    if (g.contains("targets")) {
      if (!g["targets"].is_array()) return Status::Error(where + ": targets must be a list of strings");
      for (const auto& t : g["targets"]) {
        if (!t.is_string()) return Status::Error(where + ": targets must be a list of strings");
        group.targets.push_back(t.get<std::string>());
      }
    }
    if (g.contains("labels") && !g["labels"].is_null()) {
      if (!g["labels"].is_object()) return Status::Error(where + ": labels must be an object of strings");
      for (const auto& [k, v] : g["labels"].items()) {
        if (!v.is_string()) return Status::Error(where + ": label \"" + Excerpt(k, 40) + "\" must be a string");
        group.labels.emplace_back(k, v.get<std::string>());
      }
    }
    groups.push_back(std::move(group));
  }
  return groups;
}

StatusOr<std::vector<Group>> GroupsFromYaml(std::string_view text) {
  YAML::Node doc;
  try {
    doc = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return Status::Error("YAML syntax error at line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  if (!doc || doc.IsNull()) return std::vector<Group>{};
  if (!doc.IsSequence()) return Status::Error("must be a YAML list of target groups");
  std::vector<Group> groups;
  try {
    for (std::size_t i = 0; i < doc.size(); ++i) {
      const YAML::Node g = doc[i];
      const std::string where = "group " + std::to_string(i) + " (line " + std::to_string(g.Mark().line + 1) + ")";
      if (!g.IsMap()) return Status::Error(where + " must be a mapping");
      Group group;
      if (g["targets"]) {
        if (!g["targets"].IsSequence()) return Status::Error(where + ": targets must be a list of strings");
        for (const auto& t : g["targets"]) {
          if (!t.IsScalar()) return Status::Error(where + ": targets must be a list of strings");
          group.targets.push_back(t.Scalar());
        }
      }
      if (g["labels"] && !g["labels"].IsNull()) {
        if (!g["labels"].IsMap()) return Status::Error(where + ": labels must be a mapping of strings");
        for (auto it = g["labels"].begin(); it != g["labels"].end(); ++it) {
          if (!it->first.IsScalar() || !it->second.IsScalar()) {
            return Status::Error(where + ": labels must be a mapping of strings");
          }
          group.labels.emplace_back(it->first.Scalar(), it->second.Scalar());
        }
      }
      groups.push_back(std::move(group));
    }
  } catch (const YAML::Exception& e) {
    return Status::Error(std::string("YAML: ") + e.what());
  }
  return groups;
}

}  // namespace

StatusOr<std::vector<TargetConfig>> ParseSdTargets(std::string_view text, bool yaml, const SdConfig& sd) {
  if (!IsValidUtf8(text)) return Status::Error("not valid UTF-8");
  StatusOr<std::vector<Group>> groups = yaml ? GroupsFromYaml(text) : GroupsFromJson(text);
  if (!groups.ok()) return groups.status();
  std::vector<TargetConfig> out;
  for (const Group& group : *groups) {
    TargetConfig base = sd.target;
    std::string scheme = "http";
    std::optional<std::string> metrics_path;
    for (const auto& [name, value] : group.labels) {
      if (!exposition::IsLabelName(name)) {
        return Status::Error("label name \"" + Excerpt(name, 60) + "\" must match [a-zA-Z_][a-zA-Z0-9_]*");
      }
      if (name == "__scheme__") {
        if (value != "http" && value != "https") {
          return Status::Error("__scheme__ must be http or https, not \"" + Excerpt(value, 20) + "\"");
        }
        scheme = value;
      } else if (name == "__metrics_path__") {
        metrics_path = value;
      } else if (!StartsWith(name, "__")) {
        base.labels[ReservedLabel(name) ? "exported_" + name : name] = value;
      }
    }
    if (metrics_path) base.endpoints.metrics = *metrics_path;
    for (const std::string& address : group.targets) {
      const bool plain = !address.empty() && address.size() <= 255 &&
                         address.find_first_of("/?#@ \t\r\n") == std::string::npos;
      StatusOr<Url> url = plain ? ParseUrl(scheme + "://" + address) : Status::Error("");
      if (!url.ok()) {
        return Status::Error("target \"" + Excerpt(address, 60) + "\" is not a host:port address");
      }
      TargetConfig target = base;
      target.name = address;
      target.url = scheme + "://" + address;
      out.push_back(std::move(target));
    }
  }
  return out;
}

ServiceDiscovery::ServiceDiscovery(std::vector<SdConfig> configs, HttpClient& http, const Clock& clock)
    : configs_(std::move(configs)), http_(http), clock_(clock) {}

bool ServiceDiscovery::Refresh() {
  new_errors_.clear();
  failures_.clear();
  bool changed = false;
  // The files every glob matches now, each once, in order.
  std::vector<Source> next;
  std::set<std::string> seen;
  for (std::size_t c = 0; c < configs_.size(); ++c) {
    const SdConfig& sd = configs_[c];
    std::vector<std::string> names;
    if (sd.kind == SdConfig::Kind::kHttp) {
      names.push_back(sd.url);
    } else {
      for (const std::string& pattern : sd.files) {
        glob_t matches{};
        if (glob(pattern.c_str(), GLOB_NOSORT | GLOB_BRACE, nullptr, &matches) == 0) {
          std::vector<std::string> found(matches.gl_pathv, matches.gl_pathv + matches.gl_pathc);
          std::sort(found.begin(), found.end());
          names.insert(names.end(), found.begin(), found.end());
        }
        globfree(&matches);
      }
    }
    for (const std::string& name : names) {
      if (!seen.insert(std::to_string(c) + "\n" + name).second) continue;
      auto old = std::find_if(sources_.begin(), sources_.end(),
                              [&](const Source& s) { return s.config == c && s.name == name; });
      Source source;
      if (old != sources_.end()) {
        source = std::move(*old);
      } else {
        source.name = name;
        source.config = c;
        changed = true;  // a new file
      }
      changed |= sd.kind == SdConfig::Kind::kHttp ? RefreshUrl(source) : RefreshFile(source);
      next.push_back(std::move(source));
    }
  }
  // A source gone from every glob takes its targets with it.
  for (const Source& s : sources_) {
    const bool kept = std::any_of(next.begin(), next.end(),
                                  [&](const Source& n) { return n.config == s.config && n.name == s.name; });
    if (!kept && !s.targets.empty()) changed = true;
  }
  sources_ = std::move(next);
  return changed;
}

bool ServiceDiscovery::RefreshFile(Source& source) {
  const SdConfig& sd = configs_[source.config];
  struct stat st {};
  const bool stated = stat(source.name.c_str(), &st) == 0;
  const std::int64_t mtime_ns = stated ? static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec : 0;
  const bool same_file = stated && source.read && static_cast<std::uint64_t>(st.st_size) == source.size &&
                         static_cast<std::uint64_t>(st.st_ino) == source.inode && mtime_ns == source.mtime_ns;
  const MonoTime now = clock_.Now();
  if (same_file && now - source.last_read < sd.refresh_interval) return false;
  source.read = true;
  source.last_read = now;
  if (stated) {
    source.size = static_cast<std::uint64_t>(st.st_size);
    source.inode = static_cast<std::uint64_t>(st.st_ino);
    source.mtime_ns = mtime_ns;
  }
  StatusOr<std::string> text = ReadRegularFile(source.name, kMaxConfigFileBytes);
  StatusOr<std::vector<TargetConfig>> targets =
      text.ok() ? ParseSdTargets(*text, !EndsWith(source.name, ".json"), sd) : text.status();
  // A file caught mid-write fails here and is read again when the writer
  // finishes: its size or modification time changes.
  return Settle(source, "file", std::move(targets));
}

bool ServiceDiscovery::Settle(Source& source, const std::string& mechanism,
                              StatusOr<std::vector<TargetConfig>> read) {
  if (!read.ok()) {
    const std::string message = read.status().message();
    if (message != source.error) new_errors_.push_back(source.name + ": " + message);
    source.error = message;
    ++failures_[mechanism];
    return false;
  }
  std::vector<TargetConfig>& targets = *read;
  source.error.clear();
  // What discovery sets differs or not; the template is the same for the source.
  const bool changed = source.targets.size() != targets.size() ||
                       !std::equal(source.targets.begin(), source.targets.end(), targets.begin(),
                                   [](const TargetConfig& a, const TargetConfig& b) {
                                     return a.name == b.name && a.url == b.url && a.labels == b.labels &&
                                            a.endpoints.metrics == b.endpoints.metrics;
                                   });
  source.targets = std::move(targets);
  return changed;
}

bool ServiceDiscovery::RefreshUrl(Source& source) {
  const SdConfig& sd = configs_[source.config];
  const MonoTime now = clock_.Now();
  if (source.read && now - source.last_read < sd.refresh_interval) return false;
  source.read = true;
  source.last_read = now;
  HttpRequest request;
  request.url = sd.url;
  request.headers.emplace_back("Accept", "application/json");
  request.headers.emplace_back("X-Prometheus-Refresh-Interval-Seconds",
                               std::to_string(std::chrono::duration_cast<std::chrono::seconds>(sd.refresh_interval).count()));
  StatusOr<HttpResponse> response = http_.Fetch(request, sd.http);
  StatusOr<std::vector<TargetConfig>> targets = Status::Error("");
  if (!response.ok()) {
    targets = response.status();
  } else if (response->status != 200) {
    targets = Status::Error("answered HTTP " + std::to_string(response->status) + ", not 200");
  } else if (response->body_truncated) {
    targets = Status::Error("the answer is larger than http.max_body_size");
  } else {
    targets = ParseSdTargets(response->body, false, sd);
  }
  return Settle(source, "http", std::move(targets));
}

std::vector<TargetConfig> ServiceDiscovery::Targets() const {
  std::vector<TargetConfig> out;
  std::set<std::string> names;
  for (const Source& s : sources_) {
    for (const TargetConfig& t : s.targets) {
      if (names.insert(t.name).second) out.push_back(t);
    }
  }
  return out;
}

std::vector<ServiceDiscovery::SourceState> ServiceDiscovery::Sources() const {
  std::vector<SourceState> out;
  for (const Source& s : sources_) {
    out.push_back({s.name, configs_[s.config].kind == SdConfig::Kind::kFile ? "file" : "http", s.targets.size(),
                   s.error});
  }
  return out;
}

}  // namespace probity

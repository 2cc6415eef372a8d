#include "config/config.h"

#include <openssl/evp.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <functional>
#include <algorithm>
#include <cerrno>
#include <set>

#include "core/duration.h"
#include "core/file.h"
#include "core/text.h"
#include "exposition/parser.h"
#include "http/url.h"

namespace probity {

std::string LogsConfig::Describe() const {
  switch (kind) {
    case Kind::kFile: return "file " + path;
    case Kind::kUrl: return "url " + url;
    case Kind::kLoki: return "loki " + url + " " + query;
    case Kind::kNone: break;
  }
  return "no log source";
}

std::uint64_t HashMod(std::string_view value, std::uint64_t modulus) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(value.data(), value.size(), digest, &size, EVP_md5(), nullptr);
  std::uint64_t sum = 0;
  for (int i = 8; i < 16; ++i) sum = (sum << 8) | digest[i];
  return modulus == 0 ? 0 : sum % modulus;
}

bool Shard::Keeps(std::string_view target_name) const { return count <= 1 || HashMod(target_name, count) == index; }

StatusOr<Shard> ParseShard(std::string_view text) {
  const std::size_t slash = text.find('/');
  auto number = [](std::string_view digits, std::uint64_t* out) {
    if (digits.empty() || digits.size() > 9) return false;
    std::uint64_t v = 0;
    for (const char c : digits) {
      if (c < '0' || c > '9') return false;
      v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    *out = v;
    return true;
  };
  Shard shard;
  if (slash == std::string_view::npos || !number(text.substr(0, slash), &shard.index) ||
      !number(text.substr(slash + 1), &shard.count)) {
    return Status::Error("shard must be I/N, e.g. 0/3 (I counts from 0), not \"" + Excerpt(text, 40) + "\"");
  }
  if (shard.count == 0 || shard.index >= shard.count) {
    return Status::Error("shard " + Excerpt(text, 40) + ": I must be below N and N above 0 (I counts from 0)");
  }
  return shard;
}

std::string JoinErrors(const std::vector<ConfigError>& errors) {
  std::string out;
  for (const ConfigError& e : errors) out += (out.empty() ? "" : "\n") + e.ToString();
  return out;
}

std::string ConfigError::ToString() const {
  // An error about the file as a whole (it cannot be opened, it is a FIFO)
  // has no position to give.
  if (pos.line <= 0) return file + ": " + message;
  return file + ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column) + ": " + message;
}

namespace {

// Reads one configuration document, collecting every error it meets.
class Parser {
 public:
  Parser(std::string file, std::vector<ConfigError>* errors, const FileSystem& fs)
      : file_(std::move(file)), errors_(errors), fs_(fs) {}

  Config Parse(std::string_view yaml) {
    Config config;
    config.file = file_;
    YAML::Node root;
    if (!Load(yaml, &root)) return config;
    if (!root || root.IsNull()) return config;  // an empty file is the defaults
    if (!ExpectMap(root, "the configuration")) return config;
    ForEachKey(root, "top level",
               {"global", "targets", "checklists", "file_sd_configs", "http_sd_configs", "prometheus"},
               [&](const std::string& key, const YAML::Node& value) {
                 if (key == "global") ParseGlobal(value, &config.global);
                 if (key == "checklists") ParseChecklists(value, &config.checklists);
               });
    if (root["prometheus"]) ParsePrometheus(root["prometheus"], "prometheus", config.global, &config.prometheus);
    // Targets inherit global defaults, so read them last.
    if (root["targets"]) ParseTargets(root["targets"], config.global, &config.targets);
    for (const char* key : {"file_sd_configs", "http_sd_configs"}) {
      if (root[key]) ParseSd(root[key], key, config.global, &config.service_discovery);
    }
    return config;
  }

 protected:
  const std::string& file() const { return file_; }

  bool Load(std::string_view yaml, YAML::Node* root) {
    try {
      *root = YAML::Load(std::string(yaml));
    } catch (const YAML::Exception& e) {
      errors_->push_back({file_, {e.mark.line + 1, e.mark.column + 1}, "YAML syntax error: " + e.msg});
      return false;
    }
    return true;
  }

  static SourcePos Pos(const YAML::Node& node) {
    const YAML::Mark mark = node.Mark();
    if (mark.is_null()) return {0, 0};
    return {mark.line + 1, mark.column + 1};
  }

  void Error(const YAML::Node& node, std::string message) { Error(Pos(node), std::move(message)); }
  void Error(SourcePos pos, std::string message) { errors_->push_back({file_, pos, std::move(message)}); }

  bool ExpectMap(const YAML::Node& node, const std::string& what) {
    if (node.IsMap()) return true;
    Error(node, what + " must be a mapping (key: value)");
    return false;
  }

  void ForEachKey(const YAML::Node& map, const std::string& where, const std::vector<std::string>& known,
                  const std::function<void(const std::string&, const YAML::Node&)>& visit) {
    ForEachKeyOf(map, where, known, {}, visit);
  }

  // As ForEachKey; a key in `unsupported` (a key of the format Probity follows
  // that it does not implement) is an error that says so.
  void ForEachKeyOf(const YAML::Node& map, const std::string& where, const std::vector<std::string>& known,
                    const std::vector<std::string>& unsupported,
                    const std::function<void(const std::string&, const YAML::Node&)>& visit) {
    std::set<std::string> seen;
    for (auto it = map.begin(); it != map.end(); ++it) {
      if (!it->first.IsScalar()) {
        Error(it->first, "keys in " + where + " must be plain names");
        continue;
      }
      const std::string key = it->first.Scalar();
      if (std::find(unsupported.begin(), unsupported.end(), key) != unsupported.end()) {
        Error(it->first, where + "." + key + " is not supported by Probity");
        continue;
      }
      if (std::find(known.begin(), known.end(), key) == known.end()) {
        std::string list;
        for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
        Error(it->first, "unknown key \"" + Excerpt(key, 60) + "\" in " + where + " (known: " + list + ")");
        continue;
      }
      if (!seen.insert(key).second) {
        Error(it->first, "key \"" + key + "\" appears twice in " + where);
        continue;
      }
      visit(key, it->second);
    }
  }

  bool Scalar(const YAML::Node& node, const std::string& what, std::string* out) {
    if (!node.IsScalar()) {
      Error(node, what + " must be a single value, not a " + (node.IsMap() ? "mapping" : node.IsSequence() ? "list" : "null"));
      return false;
    }
    *out = node.Scalar();
    return true;
  }

  void DurationField(const YAML::Node& node, const std::string& what, Duration* out) {
    std::string text;
    if (!Scalar(node, what, &text)) return;
    StatusOr<Duration> d = ParseDuration(text);
    if (!d.ok()) return Error(node, what + ": " + d.status().message());
    if (d->count() <= 0) return Error(node, what + " must be greater than zero");
    *out = *d;
  }

  void BoolField(const YAML::Node& node, const std::string& what, bool* out) {
    std::string text;
    if (!Scalar(node, what, &text)) return;
    if (text == "true") *out = true;
    else if (text == "false") *out = false;
    else Error(node, what + " must be true or false, not \"" + Excerpt(text, 40) + "\"");
  }

  void IntField(const YAML::Node& node, const std::string& what, int min, int max, int* out) {
    std::string text;
    if (!Scalar(node, what, &text)) return;
    char* end = nullptr;
    errno = 0;
    long value = std::strtol(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || errno != 0 || value < min || value > max) {
      return Error(node, what + " must be a whole number from " + std::to_string(min) + " to " +
                             std::to_string(max) + ", not \"" + Excerpt(text, 40) + "\"");
    }
    *out = static_cast<int>(value);
  }

  // A byte size ("10MiB") within [min, max]; `range` says the bounds in words.
  void ByteSizeField(const YAML::Node& node, const std::string& what, std::uint64_t min, std::uint64_t max,
                     const std::string& range, std::uint64_t* out) {
    std::string text;
    if (!Scalar(node, what, &text)) return;
    StatusOr<std::uint64_t> size = ParseByteSize(text);
    if (!size.ok()) return Error(node, what + ": " + size.status().message());
    if (*size < min || *size > max) return Error(node, what + " must be between " + range);
    *out = *size;
  }

  // A `headers:` mapping, values with ${VAR} expanded. With
  // `refuse_authorization`, an Authorization header is an error: it belongs in
  // basic_auth or bearer_token_file, where it is treated as a secret.
  void ParseHeaders(const YAML::Node& node, const std::string& where, bool refuse_authorization, HeaderList* out) {
    if (!ExpectMap(node, where)) return;
    for (auto h = node.begin(); h != node.end(); ++h) {
      std::string name, raw, expanded;
      if (!Scalar(h->first, "header name", &name) || !Scalar(h->second, "header " + name, &raw)) continue;
      if (refuse_authorization && ToLower(name) == "authorization") {
        Error(h->first, where + ": set Authorization with basic_auth or bearer_token_file, "
                                "so that it is treated as a secret");
        continue;
      }
      if (ExpandEnv(h->second, "header " + name, raw, &expanded)) out->emplace_back(name, expanded);
    }
  }

  // Expands ${VAR} from the environment; a missing variable is an error.
  bool ExpandEnv(const YAML::Node& node, const std::string& what, const std::string& in, std::string* out) {
    out->clear();
    for (std::size_t i = 0; i < in.size();) {
      if (in.compare(i, 2, "${") == 0) {
        std::size_t close = in.find('}', i + 2);
        if (close == std::string::npos) {
          Error(node, what + ": unterminated ${ reference");
          return false;
        }
        const std::string name = in.substr(i + 2, close - i - 2);
        const char* value = std::getenv(name.c_str());
        if (!exposition::IsLabelName(name) || value == nullptr) {
          Error(node, what + ": environment variable \"" + Excerpt(name, 60) + "\" is not set");
          return false;
        }
        *out += value;
        i = close + 1;
      } else {
        *out += in[i++];
      }
    }
    return true;
  }

  // A secret given inline (with ${ENV}) or as `<key>_file`. Never echoed.
  void SecretPair(const YAML::Node& map, const std::string& key, const std::string& where, Secret* out,
                  SourcePos* pos = nullptr) {
    const YAML::Node inline_node = map[key];
    const YAML::Node file_node = map[key + "_file"];
    if (inline_node && file_node) {
      return Error(file_node, where + ": set " + key + " or " + key + "_file, not both");
    }
    std::string text;
    if (inline_node) {
      if (pos) *pos = Pos(inline_node);
      std::string raw;
      if (!Scalar(inline_node, where + "." + key, &raw)) return;
      if (ExpandEnv(inline_node, where + "." + key, raw, &text)) *out = Secret(text);
    } else if (file_node) {
      if (pos) *pos = Pos(file_node);
      std::string path;
      if (!Scalar(file_node, where + "." + key + "_file", &path)) return;
      StatusOr<std::string> read = fs_.ReadFile(path, kMaxSecretFileBytes);
      if (!read.ok()) return Error(file_node, where + "." + key + "_file: " + read.status().message());
      std::string value = std::move(*read);
      while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
      *out = Secret(value);
    }
  }

  void ParseGlobal(const YAML::Node& node, GlobalConfig* global) {
    if (!ExpectMap(node, "global")) return;
    ForEachKey(node, "global",
               {"interval", "timeout", "listen", "max_concurrent_probes", "check_series_limit", "log_level", "shard"},
               [&](const std::string& key, const YAML::Node& value) {
                 std::string text;
                 if (key == "shard" && Scalar(value, "global.shard", &text)) {
                   StatusOr<Shard> shard = ParseShard(text);
                   if (shard.ok()) global->shard = *shard;
                   else Error(value, "global.shard: " + shard.status().message());
                 }
                 if (key == "interval") DurationField(value, "global.interval", &global->interval);
                 if (key == "timeout") DurationField(value, "global.timeout", &global->timeout);
                 if (key == "max_concurrent_probes") {
                   IntField(value, "global.max_concurrent_probes", 1, 256, &global->max_concurrent_probes);
                 }
                 if (key == "check_series_limit") {
                   IntField(value, "global.check_series_limit", 0, 1000000, &global->check_series_limit);
                 }
                 if (key == "listen" && Scalar(value, "global.listen", &global->listen)) {
                   std::string host;
                   int port;
                   Status s = ParseListenAddress(global->listen, &host, &port);
                   if (!s.ok()) Error(value, "global.listen: " + s.message());
                 }
                 if (key == "log_level" && Scalar(value, "global.log_level", &global->log_level)) {
                   if (global->log_level != "debug" && global->log_level != "info" &&
                       global->log_level != "warn" && global->log_level != "error") {
                     Error(value, "global.log_level must be debug, info, warn or error");
                   }
                 }
               });
    if (global->timeout > global->interval) {
      Error(node, "global.timeout (" + FormatDuration(global->timeout) + ") must not exceed global.interval (" +
                      FormatDuration(global->interval) + ")");
    }
  }

  void ParsePrometheus(const YAML::Node& node, const std::string& where, const GlobalConfig& global,
                       PrometheusConfig* out) {
    *out = PrometheusAt("", global.timeout);
    out->pos = Pos(node);
    if (!ExpectMap(node, where)) return;
    Duration timeout = global.timeout;
    ForEachKey(node, where, {"url", "timeout", "http"}, [&](const std::string& key, const YAML::Node& value) {
      if (key == "url" && Scalar(value, where + ".url", &out->url)) {
        StatusOr<Url> url = ParseUrl(out->url);
        if (!url.ok()) Error(value, where + ".url: " + url.status().message());
      }
      if (key == "timeout") DurationField(value, where + ".timeout", &timeout);
      if (key == "http") ParseHttp(value, where + ".http", &out->http);
    });
    out->http.timeout = timeout;
    out->http.connect_timeout = std::min(out->http.connect_timeout, timeout);
    if (!node["url"]) Error(node, where + " needs a url");
  }

  void ParseOverrides(const YAML::Node& node, const std::string& where, std::vector<CheckOverride>* out) {
    if (!ExpectMap(node, where)) return;
    for (auto it = node.begin(); it != node.end(); ++it) {
      CheckOverride o;
      if (!Scalar(it->first, where + " key", &o.id)) continue;
      o.pos = Pos(it->first);
      const YAML::Node body = it->second;
      if (!ExpectMap(body, where + "." + o.id)) continue;
      ForEachKey(body, where + "." + o.id, {"severity", "params"}, [&](const std::string& key, const YAML::Node& value) {
        if (key == "severity") {
          std::string severity;
          if (Scalar(value, where + "." + o.id + ".severity", &severity)) {
            o.severity = severity;
            o.severity_pos = Pos(value);
          }
        }
        if (key == "params" && ExpectMap(value, where + "." + o.id + ".params")) {
          for (auto p = value.begin(); p != value.end(); ++p) {
            RawParam param;
            if (!Scalar(p->first, "parameter name", &param.name)) continue;
            param.pos = Pos(p->first);
            if (p->second.IsSequence()) {
              param.is_list = true;
              for (const auto& item : p->second) {
                std::string v;
                if (Scalar(item, "parameter " + param.name, &v)) param.values.push_back(v);
              }
            } else {
              std::string v;
              if (!Scalar(p->second, "parameter " + param.name, &v)) continue;
              param.values.push_back(v);
            }
            o.params.push_back(std::move(param));
          }
        }
      });
      out->push_back(std::move(o));
    }
  }

  void ParseChecklists(const YAML::Node& node, std::vector<ChecklistConfig>* out) {
    if (!ExpectMap(node, "checklists")) return;
    for (auto it = node.begin(); it != node.end(); ++it) {
      ChecklistConfig list;
      if (!Scalar(it->first, "checklist name", &list.name)) continue;
      list.pos = Pos(it->first);
      const std::string where = "checklists." + list.name;
      if (!ExpectMap(it->second, where)) continue;
      ForEachKey(it->second, where, {"extends", "overrides", "disable"},
                 [&](const std::string& key, const YAML::Node& value) {
                   if (key == "extends") {
                     NamedRef ref{"", Pos(value)};
                     if (Scalar(value, where + ".extends", &ref.name)) list.extends = ref;
                   }
                   if (key == "overrides") ParseOverrides(value, where + ".overrides", &list.overrides);
                   if (key == "disable") {
                     if (!value.IsSequence()) return Error(value, where + ".disable must be a list of check ids");
                     for (const auto& item : value) {
                       NamedRef ref{"", Pos(item)};
                       if (Scalar(item, where + ".disable item", &ref.name)) list.disable.push_back(ref);
                     }
                   }
                 });
      out->push_back(std::move(list));
    }
  }

  void ParseHttp(const YAML::Node& node, const std::string& where, HttpOptions* http) {
    if (!ExpectMap(node, where)) return;
    ForEachKey(node, where,
               {"headers", "basic_auth", "bearer_token", "bearer_token_file", "tls", "follow_redirects",
                "max_redirects", "max_body_size", "connect_timeout"},
               [&](const std::string& key, const YAML::Node& value) {
                 if (key == "headers") ParseHeaders(value, where + ".headers", true, &http->headers);
                 if (key == "basic_auth" && ExpectMap(value, where + ".basic_auth")) {
                   ForEachKey(value, where + ".basic_auth", {"username", "password", "password_file"},
                              [&](const std::string& k, const YAML::Node& v) {
                                if (k == "username") Scalar(v, where + ".basic_auth.username", &http->basic_auth_user);
                              });
                   SecretPair(value, "password", where + ".basic_auth", &http->basic_auth_password);
                   if (http->basic_auth_user.empty()) Error(value, where + ".basic_auth needs a username");
                 }
                 if (key == "bearer_token" || key == "bearer_token_file") {
                   if (key == "bearer_token_file" && node["bearer_token"]) return;  // reported by SecretPair
                   SecretPair(node, "bearer_token", where, &http->bearer_token);
                 }
                 if (key == "tls" && ExpectMap(value, where + ".tls")) {
                   ForEachKey(value, where + ".tls", {"insecure_skip_verify", "ca_file"},
                              [&](const std::string& k, const YAML::Node& v) {
                                if (k == "insecure_skip_verify") {
                                  bool skip = false;
                                  BoolField(v, where + ".tls.insecure_skip_verify", &skip);
                                  http->tls_verify = !skip;
                                }
                                if (k == "ca_file" && Scalar(v, where + ".tls.ca_file", &http->ca_file)) {
                                  // OpenSSL reads it later, blocking: refuse a FIFO or
                                  // a device now, while the config is checked.
                                  StatusOr<std::string> ca = fs_.ReadFile(http->ca_file, kMaxCaFileBytes);
                                  if (!ca.ok()) Error(v, where + ".tls.ca_file: " + ca.status().message());
                                }
                              });
                 }
                 if (key == "follow_redirects") BoolField(value, where + ".follow_redirects", &http->follow_redirects);
                 if (key == "max_redirects") IntField(value, where + ".max_redirects", 0, 50, &http->max_redirects);
                 if (key == "max_body_size") {
                   ByteSizeField(value, where + ".max_body_size", 1024, 1ULL << 30, "1KiB and 1GiB", &http->max_body_bytes);
                 }
                 if (key == "connect_timeout") DurationField(value, where + ".connect_timeout", &http->connect_timeout);
               });
  }

  void ParseEndpoints(const YAML::Node& node, const std::string& where, EndpointsConfig* endpoints) {
    if (!ExpectMap(node, where)) return;
    ForEachKey(node, where, {"liveness", "readiness", "metrics", "openapi"},
               [&](const std::string& key, const YAML::Node& value) {
                 std::string path;
                 if (!Scalar(value, where + "." + key, &path)) return;
                 if (!StartsWith(path, "/") && !StartsWith(path, "http://") && !StartsWith(path, "https://")) {
                   return Error(value, where + "." + key + " must be a path starting with / or an http(s) URL");
                 }
                 if (!StartsWith(path, "/")) {
                   StatusOr<Url> url = ParseUrl(path);
                   if (!url.ok()) return Error(value, where + "." + key + ": " + url.status().message());
                 }
                 if (key == "liveness") endpoints->liveness = path;
                 if (key == "readiness") endpoints->readiness = path;
                 if (key == "metrics") endpoints->metrics = path;
                 if (key == "openapi") endpoints->openapi = path;
               });
  }

  // A list of {name, regex, kind} rules added to the built-in secret and PII rules.
  void ParseRules(const YAML::Node& node, const std::string& where, std::vector<ContentRule>* rules) {
    if (!node.IsSequence()) return Error(node, where + " must be a list of {name, regex, kind}");
    std::set<std::string> names;
    for (const ContentRule& r : BuiltinContentRules()) names.insert(r.name);
    for (const auto& item : node) {
      if (!ExpectMap(item, where + " item")) continue;
      ContentRule rule{"", "secret", ""};
      ForEachKey(item, where + " item", {"name", "regex", "kind"}, [&](const std::string& key, const YAML::Node& v) {
        if (key == "name") Scalar(v, where + ".name", &rule.name);
        if (key == "regex" && Scalar(v, where + ".regex", &rule.pattern)) {
          Status ok = ContentScanner::CheckPattern(rule.pattern);
          if (!ok.ok()) Error(v, where + ".regex: " + ok.message());
        }
        if (key == "kind" && Scalar(v, where + ".kind", &rule.kind) && rule.kind != "secret" && rule.kind != "pii") {
          Error(v, where + ".kind must be secret or pii");
        }
      });
      if (rule.name.empty() || rule.pattern.empty()) {
        Error(item, where + ": a rule needs a name and a regex");
      } else if (!names.insert(rule.name).second) {
        Error(item, where + ": rule name \"" + Excerpt(rule.name, 60) + "\" is already taken");
      } else {
        rules->push_back(rule);
      }
    }
  }

  void ParseLogs(const YAML::Node& node, const std::string& where, LogsConfig* logs) {
    if (!ExpectMap(node, where)) return;
    int sources = 0;
    ForEachKey(node, where, {"file", "url", "loki", "http", "max_lines", "max_bytes", "rules"},
               [&](const std::string& key, const YAML::Node& value) {
                 if (key == "file" || key == "url" || key == "loki") ++sources;
                 if (key == "file" && Scalar(value, where + ".file", &logs->path)) {
                   logs->kind = LogsConfig::Kind::kFile;
                   if (logs->path.empty()) Error(value, where + ".file must not be empty");
                 }
                 if (key == "url" && Scalar(value, where + ".url", &logs->url)) {
                   logs->kind = LogsConfig::Kind::kUrl;
                   StatusOr<Url> url = ParseUrl(logs->url);
                   if (!url.ok()) Error(value, where + ".url: " + url.status().message());
                 }
                 if (key == "loki" && ExpectMap(value, where + ".loki")) {
                   logs->kind = LogsConfig::Kind::kLoki;
                   ForEachKey(value, where + ".loki", {"url", "query", "tenant", "since"},
                              [&](const std::string& k, const YAML::Node& v) {
                                if (k == "url" && Scalar(v, where + ".loki.url", &logs->url)) {
                                  StatusOr<Url> url = ParseUrl(logs->url);
                                  if (!url.ok()) Error(v, where + ".loki.url: " + url.status().message());
                                }
                                if (k == "query") Scalar(v, where + ".loki.query", &logs->query);
                                if (k == "tenant") Scalar(v, where + ".loki.tenant", &logs->tenant);
                                if (k == "since") DurationField(v, where + ".loki.since", &logs->since);
                              });
                   if (!value["url"] || !value["query"]) Error(value, where + ".loki needs a url and a query");
                 }
                 if (key == "http") ParseHttp(value, where + ".http", &logs->http);
                 if (key == "max_lines") {
                   int lines = 0;
                   IntField(value, where + ".max_lines", 1, 100000, &lines);
                   if (lines > 0) logs->max_lines = static_cast<std::size_t>(lines);
                 }
                 if (key == "max_bytes") {
                   ByteSizeField(value, where + ".max_bytes", 1024, 256ULL << 20, "1KiB and 256MiB", &logs->max_bytes);
                 }
                 if (key == "rules") ParseRules(value, where + ".rules", &logs->rules);
               });
    if (sources != 1) Error(node, where + " needs exactly one source: file, url or loki");
  }

  void ParseTracing(const YAML::Node& node, const std::string& where, TracingConfig* tracing) {
    if (!ExpectMap(node, where)) return;
    ForEachKey(node, where, {"method", "path", "headers", "wait"}, [&](const std::string& key, const YAML::Node& value) {
      if (key == "method" && Scalar(value, where + ".method", &tracing->method)) {
        static const std::set<std::string> methods = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
        if (!methods.count(tracing->method)) Error(value, where + ".method must be an HTTP method such as GET or POST");
      }
      if (key == "path" && Scalar(value, where + ".path", &tracing->path) && !StartsWith(tracing->path, "/")) {
        Error(value, where + ".path must start with /");
      }
      if (key == "headers") ParseHeaders(value, where + ".headers", false, &tracing->headers);
      if (key == "wait") DurationField(value, where + ".wait", &tracing->wait);
    });
  }

  // One target, or (`is_template`) the template of service-discovery targets,
  // which has no name or url of its own. False when `item` is not a mapping.
  bool ParseTarget(const YAML::Node& item, const GlobalConfig& global, bool is_template,
                 std::map<std::string, SourcePos>* names, TargetConfig* out) {
    TargetConfig& target = *out;
    target.pos = Pos(item);
    target.interval = global.interval;
    target.timeout = global.timeout;
    target.http.timeout = global.timeout;
    target.http.connect_timeout = global.timeout;
    if (!ExpectMap(item, is_template ? "a target template" : "a target")) return false;
    const std::string where = is_template ? "target template"
                              : item["name"] && item["name"].IsScalar() ? "target \"" + item["name"].Scalar() + "\""
                                                                        : "target";
    std::vector<std::string> keys = {"labels", "interval", "timeout", "endpoints", "discover", "http",
                                     "checklist", "checks", "logs", "tracing", "prometheus"};
    if (!is_template) keys.insert(keys.begin(), {"name", "url"});
    ForEachKey(item, where, keys,
               [&](const std::string& key, const YAML::Node& value) {
                 if (key == "name" && Scalar(value, where + ".name", &target.name)) {
                   if (target.name.empty() || !IsValidUtf8(target.name) || target.name.size() > 128) {
                     Error(value, "target name must be 1-128 characters of UTF-8 text");
                   } else if (auto [it, inserted] = names->emplace(target.name, Pos(value)); !inserted) {
                     Error(value, "duplicate target name \"" + target.name + "\" (first defined at line " +
                                      std::to_string(it->second.line) + ")");
                   }
                 }
                 if (key == "url" && Scalar(value, where + ".url", &target.url)) {
                   StatusOr<Url> url = ParseUrl(target.url);
                   if (!url.ok()) Error(value, where + ".url: " + url.status().message());
                 }
                 if (key == "labels" && ExpectMap(value, where + ".labels")) {
                   for (auto l = value.begin(); l != value.end(); ++l) {
                     std::string name, v;
                     if (!Scalar(l->first, "label name", &name) || !Scalar(l->second, "label " + name, &v)) continue;
                     if (!exposition::IsLabelName(name) || StartsWith(name, "__")) {
                       Error(l->first, "label name \"" + Excerpt(name, 60) + "\" must match [a-zA-Z_][a-zA-Z0-9_]* and not start with __");
                     } else if (name == "target" || name == "check" || name == "category" || name == "severity" ||
                                name == "status" || name == "level") {
                       Error(l->first, "label name \"" + name + "\" is used by Probity's own metrics");
                     } else {
                       target.labels[name] = v;
                     }
                   }
                 }
                 if (key == "interval") DurationField(value, where + ".interval", &target.interval);
                 if (key == "timeout") {
                   DurationField(value, where + ".timeout", &target.timeout);
                 }
                 if (key == "endpoints") ParseEndpoints(value, where + ".endpoints", &target.endpoints);
                 if (key == "discover") BoolField(value, where + ".discover", &target.discover);
                 if (key == "http") ParseHttp(value, where + ".http", &target.http);
                 if (key == "checklist") {
                   target.checklist.pos = Pos(value);
                   Scalar(value, where + ".checklist", &target.checklist.name);
                 }
                 if (key == "checks") ParseOverrides(value, where + ".checks", &target.checks);
                 if (key == "logs") ParseLogs(value, where + ".logs", &target.logs);
                 if (key == "tracing") ParseTracing(value, where + ".tracing", &target.tracing);
                 if (key == "prometheus") {
                   target.prometheus.emplace();
                   ParsePrometheus(value, where + ".prometheus", global, &*target.prometheus);
                 }
               });
    if (!is_template && !item["name"]) Error(item, "a target needs a name");
    if (!is_template && !item["url"]) Error(item, where + " needs a url");
    target.http.connect_timeout = std::min(target.http.connect_timeout, target.timeout);
    target.http.timeout = target.timeout;
    target.logs.http.connect_timeout = std::min(target.logs.http.connect_timeout, target.timeout);
    target.logs.http.timeout = target.timeout;
    if (target.timeout > target.interval) {
      Error(item, where + ": timeout (" + FormatDuration(target.timeout) + ") must not exceed interval (" +
                      FormatDuration(target.interval) + ")");
    }
    return true;
  }

  // file_sd_configs or http_sd_configs: a list of sources with their template.
  void ParseSd(const YAML::Node& node, const std::string& key, const GlobalConfig& global, std::vector<SdConfig>* out) {
    if (node.IsNull()) return;
    if (!node.IsSequence()) return Error(node, key + " must be a list");
    const bool file = key == "file_sd_configs";
    std::size_t index = 0;
    for (const auto& item : node) {
      SdConfig sd;
      sd.kind = file ? SdConfig::Kind::kFile : SdConfig::Kind::kHttp;
      sd.pos = Pos(item);
      sd.refresh_interval = file ? std::chrono::minutes(5) : std::chrono::seconds(60);
      sd.http.timeout = global.timeout;
      sd.http.connect_timeout = global.timeout;
      const std::string where = key + "[" + std::to_string(index++) + "]";
      if (!ExpectMap(item, where)) continue;
      std::map<std::string, SourcePos> unused;
      ParseTarget(YAML::Node(YAML::NodeType::Map), global, true, &unused, &sd.target);
      const std::vector<std::string> keys = file ? std::vector<std::string>{"files", "refresh_interval", "target"}
                                                 : std::vector<std::string>{"url", "refresh_interval", "http", "target"};
      ForEachKey(item, where, keys, [&](const std::string& k, const YAML::Node& value) {
        if (k == "files") {
          if (!value.IsSequence() || value.size() == 0) return Error(value, where + ".files must be a list of paths or globs");
          for (const auto& f : value) {
            std::string path;
            if (!Scalar(f, where + ".files item", &path)) continue;
            const bool known_extension = EndsWith(path, ".json") || EndsWith(path, ".yml") || EndsWith(path, ".yaml");
            if (!known_extension) {
              Error(f, where + ".files: \"" + Excerpt(path, 80) + "\" must end in .json, .yml or .yaml (as in Prometheus)");
            } else {
              sd.files.push_back(path);
            }
          }
        }
        if (k == "url" && Scalar(value, where + ".url", &sd.url)) {
          StatusOr<Url> url = ParseUrl(sd.url);
          if (!url.ok()) Error(value, where + ".url: " + url.status().message());
        }
        if (k == "refresh_interval") DurationField(value, where + ".refresh_interval", &sd.refresh_interval);
        if (k == "http") ParseHttp(value, where + ".http", &sd.http);
        if (k == "target") {
          std::map<std::string, SourcePos> none;
          TargetConfig target;
          if (ParseTarget(value, global, true, &none, &target)) sd.target = std::move(target);
        }
      });
      if (file && !item["files"]) Error(item, where + " needs files");
      if (!file && !item["url"]) Error(item, where + " needs a url");
      out->push_back(std::move(sd));
    }
  }

  void ParseTargets(const YAML::Node& node, const GlobalConfig& global, std::vector<TargetConfig>* out) {
    if (node.IsNull()) return;
    if (!node.IsSequence()) return Error(node, "targets must be a list");
    std::map<std::string, SourcePos> names;
    for (const auto& item : node) {
      TargetConfig target;
      if (ParseTarget(item, global, false, &names, &target)) out->push_back(std::move(target));
    }
  }

  std::string file_;
  std::vector<ConfigError>* errors_;
  const FileSystem& fs_;
};

// Reads exporter-toolkit's web-config.yml.
class WebParser : public Parser {
 public:
  using Parser::Parser;

  WebConfig Parse(std::string_view yaml) {
    WebConfig web;
    web.file = file();
    YAML::Node root;
    if (!Load(yaml, &root) || !root || root.IsNull()) return web;
    if (!ExpectMap(root, "the web configuration")) return web;
    ForEachKeyOf(root, "the web configuration", {"tls_server_config", "basic_auth_users", "http_server_config"}, {},
                 [&](const std::string& key, const YAML::Node& value) {
                   if (key == "tls_server_config") ParseTls(value, &web);
                   if (key == "basic_auth_users") ParseUsers(value, &web);
                   if (key == "http_server_config") ParseServer(value, &web);
                 });
    return web;
  }

 private:
  // A file named in the web config, read relative to its directory.
  bool ReadPem(const YAML::Node& node, const std::string& what, std::uint64_t max_bytes, std::string* out) {
    std::string path;
    if (!Scalar(node, what, &path)) return false;
    if (path.empty()) return true;
    const std::string& self = file();
    if (path[0] != '/' && self.find('/') != std::string::npos) path = self.substr(0, self.rfind('/') + 1) + path;
    StatusOr<std::string> read = fs_.ReadFile(path, max_bytes);
    if (!read.ok()) {
      Error(node, what + ": " + read.status().message());
      return false;
    }
    if (read->find("-----BEGIN ") == std::string::npos) {
      Error(node, what + ": " + path + " holds no PEM block (-----BEGIN …)");
      return false;
    }
    *out = std::move(*read);
    return true;
  }

  void ParseTls(const YAML::Node& node, WebConfig* web) {
    if (!ExpectMap(node, "tls_server_config")) return;
    const YAML::Node client_auth_node = node["client_auth_type"];
    std::string client_auth = "NoClientCert";
    ForEachKeyOf(node, "tls_server_config",
                 {"cert_file", "key_file", "client_ca_file", "client_auth_type", "min_version", "max_version"},
                 {"cert", "key", "client_ca", "cipher_suites", "curve_preferences", "prefer_server_cipher_suites",
                  "client_allowed_sans"},
                 [&](const std::string& key, const YAML::Node& value) {
                   if (key == "cert_file") ReadPem(value, "tls_server_config.cert_file", kMaxCaFileBytes, &web->cert_pem);
                   if (key == "key_file") ReadPem(value, "tls_server_config.key_file", kMaxSecretFileBytes, &web->key_pem);
                   if (key == "client_ca_file") {
                     ReadPem(value, "tls_server_config.client_ca_file", kMaxCaFileBytes, &web->client_ca_pem);
                   }
                   if (key == "client_auth_type" && Scalar(value, "tls_server_config.client_auth_type", &client_auth)) {
                     if (client_auth == "RequestClientCert" || client_auth == "RequireAnyClientCert" ||
                         client_auth == "VerifyClientCertIfGiven") {
                       Error(value, "tls_server_config.client_auth_type " + client_auth +
                                        " is not supported by Probity (NoClientCert or RequireAndVerifyClientCert)");
                     } else if (client_auth != "NoClientCert" && client_auth != "RequireAndVerifyClientCert") {
                       Error(value, "tls_server_config.client_auth_type must be NoClientCert or "
                                    "RequireAndVerifyClientCert, not \"" + Excerpt(client_auth, 40) + "\"");
                     }
                   }
                   if (key == "min_version") TlsVersion(value, "tls_server_config.min_version", &web->min_version);
                   if (key == "max_version") TlsVersion(value, "tls_server_config.max_version", &web->max_version);
                 });
    web->tls = true;
    web->require_client_cert = client_auth == "RequireAndVerifyClientCert";
    if (!node["cert_file"] || !node["key_file"]) {
      Error(node, "tls_server_config needs cert_file and key_file");
    }
    if (web->require_client_cert && !node["client_ca_file"]) {
      Error(client_auth_node, "tls_server_config.client_auth_type RequireAndVerifyClientCert needs client_ca_file");
    }
    if (!web->require_client_cert && node["client_ca_file"]) {
      Error(node["client_ca_file"], "tls_server_config.client_ca_file is set but client_auth_type is NoClientCert "
                                    "(exporter-toolkit refuses this too): set RequireAndVerifyClientCert");
    }
    if (TlsVersionRank(web->min_version) > TlsVersionRank(web->max_version)) {
      Error(node, "tls_server_config.min_version is above max_version");
    }
  }

  static int TlsVersionRank(const std::string& v) { return v == "TLS10" ? 0 : v == "TLS11" ? 1 : v == "TLS12" ? 2 : 3; }

  void TlsVersion(const YAML::Node& node, const std::string& what, std::string* out) {
    std::string text;
    if (!Scalar(node, what, &text)) return;
    if (text != "TLS10" && text != "TLS11" && text != "TLS12" && text != "TLS13") {
      return Error(node, what + " must be TLS10, TLS11, TLS12 or TLS13, not \"" + Excerpt(text, 40) + "\"");
    }
    *out = text;
  }

  void ParseUsers(const YAML::Node& node, WebConfig* web) {
    if (node.IsNull()) return;
    if (!ExpectMap(node, "basic_auth_users")) return;
    for (auto it = node.begin(); it != node.end(); ++it) {
      std::string user, hash;
      if (!Scalar(it->first, "a basic_auth_users name", &user) || !Scalar(it->second, "the hash of " + user, &hash)) {
        continue;
      }
      if (user.empty() || user.find(':') != std::string::npos) {
        Error(it->first, "basic_auth_users: a user name must be non-empty and hold no ':'");
        continue;
      }
      const bool bcrypt = hash.size() == 60 && (StartsWith(hash, "$2a$") || StartsWith(hash, "$2b$") ||
                                                StartsWith(hash, "$2y$"));
      if (!bcrypt) {
        Error(it->second, "basic_auth_users." + Excerpt(user, 40) +
                              ": not a bcrypt hash ($2a$, $2b$ or $2y$ and 60 characters; make one with "
                              "htpasswd -nbBC 10 USER PASSWORD)");
        continue;
      }
      if (!web->basic_auth_users.emplace(user, hash).second) {
        Error(it->first, "basic_auth_users: \"" + Excerpt(user, 40) + "\" appears twice");
      }
    }
  }

  void ParseServer(const YAML::Node& node, WebConfig* web) {
    if (!ExpectMap(node, "http_server_config")) return;
    ForEachKeyOf(node, "http_server_config", {"headers"}, {"http2"},
                 [&](const std::string&, const YAML::Node& value) {
                   if (!ExpectMap(value, "http_server_config.headers")) return;
                   // The headers exporter-toolkit admits, and the values it checks.
                   static const std::vector<std::string> kAllowed = {
                       "Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "X-XSS-Protection",
                       "Strict-Transport-Security"};
                   for (auto h = value.begin(); h != value.end(); ++h) {
                     std::string name, text;
                     if (!Scalar(h->first, "a header name", &name) || !Scalar(h->second, "header " + name, &text)) {
                       continue;
                     }
                     if (std::find(kAllowed.begin(), kAllowed.end(), name) == kAllowed.end()) {
                       Error(h->first, "http_server_config.headers: \"" + Excerpt(name, 60) +
                                           "\" is not one of Content-Security-Policy, X-Frame-Options, "
                                           "X-Content-Type-Options, X-XSS-Protection, Strict-Transport-Security");
                       continue;
                     }
                     const std::string lower = ToLower(text);
                     if ((name == "X-Content-Type-Options" && lower != "nosniff") ||
                         (name == "X-Frame-Options" && lower != "deny" && lower != "sameorigin") ||
                         text.find_first_of("\r\n") != std::string::npos) {
                       Error(h->second, "http_server_config.headers." + name + ": invalid value \"" +
                                            Excerpt(text, 60) + "\"");
                       continue;
                     }
                     web->headers.emplace_back(name, text);
                   }
                 });
  }
};

}  // namespace

PrometheusConfig PrometheusAt(std::string url, Duration timeout) {
  PrometheusConfig prometheus;
  prometheus.url = std::move(url);
  prometheus.http.timeout = timeout;
  prometheus.http.connect_timeout = timeout;
  prometheus.http.max_body_bytes = kMaxPrometheusBodyBytes;
  return prometheus;
}

Config ParseConfig(std::string_view yaml, const std::string& file, std::vector<ConfigError>* errors,
                   const FileSystem& fs) {
  return Parser(file, errors, fs).Parse(yaml);
}

WebConfig ParseWebConfig(std::string_view yaml, const std::string& file, std::vector<ConfigError>* errors,
                         const FileSystem& fs) {
  return WebParser(file, errors, fs).Parse(yaml);
}

WebConfig LoadWebConfigFile(const std::string& path, std::vector<ConfigError>* errors, const FileSystem& fs) {
  StatusOr<std::string> read = fs.ReadFile(path, kMaxSecretFileBytes);
  if (!read.ok()) {
    errors->push_back({path, {0, 0}, read.status().message()});
    return WebConfig{};
  }
  return ParseWebConfig(*read, path, errors, fs);
}

Config LoadConfigFile(const std::string& path, std::vector<ConfigError>* errors, const FileSystem& fs) {
  StatusOr<std::string> read = fs.ReadFile(path, kMaxConfigFileBytes);
  if (!read.ok()) {
    errors->push_back({path, {0, 0}, read.status().message()});
    return Config{};
  }
  const std::string& text = *read;
  if (!IsValidUtf8(text)) {
    errors->push_back({path, {1, 1}, "the file is not valid UTF-8"});
    return Config{};
  }
  return ParseConfig(text, path, errors, fs);
}

}  // namespace probity

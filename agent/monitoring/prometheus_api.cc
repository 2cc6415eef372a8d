#include "monitoring/prometheus_api.h"

#include <re2/re2.h>
#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <exception>
#include <new>
#include <optional>
#include <set>
#include <utility>

#include "core/duration.h"
#include "core/text.h"

namespace probity {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

// ---- JSON ----------------------------------------------------------------

// The API endpoint an answer came from, as errors name it.
struct Endpoint {
  const char* name;  // "targets"
  const char* path;  // "/api/v1/targets"
  std::string What() const { return std::string("the ") + name + " answer (" + path + ")"; }
};

constexpr Endpoint kTargets{"targets", "/api/v1/targets"};
constexpr Endpoint kRules{"rules", "/api/v1/rules"};
constexpr Endpoint kAlertmanagers{"Alertmanagers", "/api/v1/alertmanagers"};

// One answer body parsed and its envelope checked. Element handles point
// into the parser, which lives as long as the Answer.
class Answer {
 public:
  Status Open(std::string_view body, const Endpoint& endpoint) {
    what_ = endpoint.What();
    if (body.size() > kMaxPrometheusAnswerBytes) {
      return Status::Error(what_ + " is " + FormatByteSize(body.size()) + ", more than the " +
                           FormatByteSize(kMaxPrometheusAnswerBytes) + " read");
    }
    if (Trim(body).empty()) return Status::Error(what_ + " is empty");
    padded_ = simdjson::padded_string(body.data(), body.size());
    element doc;
    if (auto error = parser_.parse(padded_).get(doc); error != simdjson::SUCCESS) {
      return Status::Error(what_ + " is not JSON (" + simdjson::error_message(error) + "): it begins \"" +
                           Excerpt(body.substr(0, 240), 60) + "\"");
    }
    object root;
    if (doc.get_object().get(root) != simdjson::SUCCESS) {
      return Status::Error(what_ + " is not a Prometheus API answer (it is " + TypeName(doc) +
                           ", not an object with \"status\")");
    }
    std::string_view status;
    if (root["status"].get_string().get(status) != simdjson::SUCCESS) {
      return Status::Error(what_ + " is not a Prometheus API answer: no \"status\" string");
    }
    if (status == "error") {
      std::string_view type, message;
      if (root["errorType"].get_string().get(type) != simdjson::SUCCESS) type = {};
      if (root["error"].get_string().get(message) != simdjson::SUCCESS) message = {};
      return Status::Error("Prometheus answered an error" + (type.empty() ? "" : " (" + Excerpt(type, 40) + ")") +
                           " to " + endpoint.path + ": " + (message.empty() ? "no message" : Excerpt(message, 200)));
    }
    if (status != "success") {
      return Status::Error(what_ + " has status \"" + Excerpt(status, 40) + "\", neither \"success\" nor \"error\"");
    }
    if (root["data"].get_object().get(data_) != simdjson::SUCCESS) {
      return Status::Error(what_ + ": \"data\" is missing or not an object");
    }
    return Status::Ok();
  }

  const object& data() const { return data_; }

  // A list member of `parent`: missing or null reads as empty; any other
  // type is an error naming `path`.
  Status List(const object& parent, std::string_view key, const std::string& path, std::optional<array>* out) const {
    out->reset();
    element e;
    if (parent.at_key(key).get(e) != simdjson::SUCCESS || e.is_null()) return Status::Ok();
    array a;
    if (e.get_array().get(a) != simdjson::SUCCESS) return Mistyped(path, e, "a list");
    *out = a;
    return Status::Ok();
  }

  // A string member: missing leaves *out as it is, unless `required`.
  Status String(const object& parent, std::string_view key, const std::string& path, bool required,
                std::string* out) const {
    element e;
    if (parent.at_key(key).get(e) != simdjson::SUCCESS) {
      if (required) return Status::Error(what_ + ": " + path + " is missing");
      return Status::Ok();
    }
    std::string_view s;
    if (e.get_string().get(s) != simdjson::SUCCESS) return Mistyped(path, e, "a string");
    out->assign(s);
    return Status::Ok();
  }

  // An object of strings (labels, annotations): missing or null is empty.
  Status StringMap(const object& parent, std::string_view key, const std::string& path,
                   std::map<std::string, std::string>* out) const {
    element e;
    if (parent.at_key(key).get(e) != simdjson::SUCCESS || e.is_null()) return Status::Ok();
    object o;
    if (e.get_object().get(o) != simdjson::SUCCESS) return Mistyped(path, e, "an object");
    for (const auto& kv : o) {
      std::string_view v;
      if (kv.value.get_string().get(v) != simdjson::SUCCESS) {
        return Mistyped(path + "." + std::string(kv.key), kv.value, "a string");
      }
      (*out)[std::string(kv.key)] = std::string(v);
    }
    return Status::Ok();
  }

  Status Mistyped(const std::string& path, const element& e, const char* expected) const {
    return Status::Error(what_ + ": " + path + " is " + TypeName(e) + ", not " + expected);
  }

  Status Error(const std::string& message) const { return Status::Error(what_ + ": " + message); }

 private:
  static std::string TypeName(const element& e) {
    switch (e.type()) {
      case element_type::ARRAY:
        return "a list";
      case element_type::OBJECT:
        return "an object";
      case element_type::STRING:
        return "a string";
      case element_type::BOOL:
        return "a boolean";
      case element_type::NULL_VALUE:
        return "null";
      default:
        return "a number";
    }
  }
  std::string what_;
  simdjson::padded_string padded_;
  simdjson::dom::parser parser_;
  object data_;
};

std::string Index(std::string_view list, std::size_t i) { return std::string(list) + "[" + std::to_string(i) + "]"; }

// Runs a parse, turning what a dependency may throw into a Status.
template <typename T, typename Fn>
StatusOr<T> Guarded(const Endpoint& endpoint, Fn fn) {
  try {
    return fn();
  } catch (const std::bad_alloc&) {
    return Status::Error(endpoint.What() + ": out of memory while reading it");
  } catch (const std::exception& e) {
    return Status::Error(endpoint.What() + ": " + Excerpt(e.what(), 200));
  }
}

StatusOr<std::vector<ScrapeTarget>> ReadTargets(std::string_view body) {
  Answer answer;
  if (Status s = answer.Open(body, kTargets); !s.ok()) return s;
  std::optional<array> list;
  if (Status s = answer.List(answer.data(), "activeTargets", "data.activeTargets", &list); !s.ok()) return s;
  std::vector<ScrapeTarget> targets;
  if (!list) return targets;
  std::size_t i = 0;
  for (element e : *list) {
    const std::string path = Index("data.activeTargets", i++);
    object t;
    if (e.get_object().get(t) != simdjson::SUCCESS) return answer.Mistyped(path, e, "an object");
    std::map<std::string, std::string> labels, discovered;
    std::string last_scrape, interval;
    ScrapeTarget target;
    for (Status s : {answer.StringMap(t, "labels", path + ".labels", &labels),
                     answer.StringMap(t, "discoveredLabels", path + ".discoveredLabels", &discovered),
                     answer.String(t, "scrapeUrl", path + ".scrapeUrl", true, &target.scrape_url),
                     answer.String(t, "health", path + ".health", true, &target.health),
                     answer.String(t, "lastError", path + ".lastError", false, &target.last_error),
                     answer.String(t, "lastScrape", path + ".lastScrape", false, &last_scrape),
                     answer.String(t, "scrapeInterval", path + ".scrapeInterval", false, &interval)}) {
      if (!s.ok()) return s;
    }
    if (auto it = labels.find("job"); it != labels.end()) target.job = it->second;
    if (auto it = labels.find("instance"); it != labels.end()) target.instance = it->second;
    if (!last_scrape.empty()) {
      const std::optional<double> t_unix = ParseRfc3339(last_scrape);
      if (!t_unix) {
        return answer.Error(path + ".lastScrape \"" + Excerpt(last_scrape, 40) + "\" is not an RFC 3339 time");
      }
      target.last_scrape = *t_unix > 0 ? *t_unix : 0;  // Go's zero time (year 1): never scraped
    }
    if (interval.empty()) {
      if (auto it = discovered.find("__scrape_interval__"); it != discovered.end()) interval = it->second;
    }
    if (!interval.empty()) {
      StatusOr<Duration> d = ParseDuration(interval);
      if (!d.ok()) return answer.Error(path + ".scrapeInterval: " + d.status().message());
      target.interval_s = ToSeconds(*d);
    }
    targets.push_back(std::move(target));
  }
  return targets;
}

StatusOr<std::vector<AlertRule>> ReadRules(std::string_view body) {
  Answer answer;
  if (Status s = answer.Open(body, kRules); !s.ok()) return s;
  std::optional<array> groups;
  if (Status s = answer.List(answer.data(), "groups", "data.groups", &groups); !s.ok()) return s;
  std::vector<AlertRule> rules;
  if (!groups) return rules;
  std::size_t gi = 0;
  for (element ge : *groups) {
    const std::string gpath = Index("data.groups", gi++);
    object g;
    if (ge.get_object().get(g) != simdjson::SUCCESS) return answer.Mistyped(gpath, ge, "an object");
    std::string group, file;
    std::optional<array> list;
    for (Status s :
         {answer.String(g, "name", gpath + ".name", true, &group),
          answer.String(g, "file", gpath + ".file", false, &file), answer.List(g, "rules", gpath + ".rules", &list)}) {
      if (!s.ok()) return s;
    }
    if (!list) continue;
    std::size_t ri = 0;
    for (element re : *list) {
      const std::string path = Index(gpath + ".rules", ri++);
      object r;
      if (re.get_object().get(r) != simdjson::SUCCESS) return answer.Mistyped(path, re, "an object");
      std::string type;
      if (Status s = answer.String(r, "type", path + ".type", true, &type); !s.ok()) return s;
      if (type != "alerting") continue;
      AlertRule rule;
      rule.group = group;
      rule.file = file;
      for (Status s : {answer.String(r, "name", path + ".name", true, &rule.name),
                       answer.String(r, "query", path + ".query", true, &rule.expr),
                       answer.String(r, "health", path + ".health", true, &rule.health),
                       answer.String(r, "lastError", path + ".lastError", false, &rule.last_error),
                       answer.StringMap(r, "labels", path + ".labels", &rule.labels),
                       answer.StringMap(r, "annotations", path + ".annotations", &rule.annotations)}) {
        if (!s.ok()) return s;
      }
      rules.push_back(std::move(rule));
    }
  }
  return rules;
}

StatusOr<std::vector<std::string>> ReadAlertmanagers(std::string_view body) {
  Answer answer;
  if (Status s = answer.Open(body, kAlertmanagers); !s.ok()) return s;
  std::optional<array> list;
  if (Status s = answer.List(answer.data(), "activeAlertmanagers", "data.activeAlertmanagers", &list); !s.ok()) {
    return s;
  }
  std::vector<std::string> urls;
  if (!list) return urls;
  std::size_t i = 0;
  for (element e : *list) {
    const std::string path = Index("data.activeAlertmanagers", i++);
    object am;
    if (e.get_object().get(am) != simdjson::SUCCESS) return answer.Mistyped(path, e, "an object");
    std::string url;
    if (Status s = answer.String(am, "url", path + ".url", true, &url); !s.ok()) return s;
    urls.push_back(std::move(url));
  }
  return urls;
}

// ---- hosts ---------------------------------------------------------------

struct HostPort {
  std::string host;  // lower case, without brackets; "loopback" for any loopback spelling
  std::string port;
};

// Reads "host:port", "[v6]:port" or "host" (then `default_port`).
std::optional<HostPort> ReadAuthority(std::string_view authority, std::string_view default_port) {
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
  HostPort out;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    out.host = ToLower(authority.substr(1, close - 1));
    const std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      port = rest.substr(1);
    }
  } else {
    const auto colon = authority.rfind(':');
    if (colon != std::string_view::npos && authority.find(':') == colon) {
      out.host = ToLower(authority.substr(0, colon));
      port = authority.substr(colon + 1);
    } else {
      out.host = ToLower(authority);  // no port, or a bare IPv6 address
    }
  }
  if (!out.host.empty() && out.host.back() == '.') out.host.pop_back();
  if (out.host.empty()) return std::nullopt;
  if (out.host == "localhost" || out.host == "127.0.0.1" || out.host == "::1") out.host = "loopback";
  out.port = std::string(port.empty() ? default_port : port);
  if (out.port.empty()) return std::nullopt;
  return out;
}

std::optional<HostPort> UrlHostPort(std::string_view url) {
  const auto sep = url.find("://");
  if (sep == std::string_view::npos) return std::nullopt;
  const std::string scheme = ToLower(url.substr(0, sep));
  std::string_view rest = url.substr(sep + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  return ReadAuthority(rest, scheme == "https" ? "443" : scheme == "http" ? "80" : "");
}

// ---- PromQL --------------------------------------------------------------

bool IdentStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':'; }
bool IdentChar(char c) { return IdentStart(c) || (c >= '0' && c <= '9'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool IsKeywordOrAggregation(std::string_view lower) {
  static const std::set<std::string_view> kWords = {
      "and", "or", "unless", "atan2", "offset", "bool", "inf", "nan",
      // aggregation operators: followed by "(" or by/without, never metric names
      "sum", "avg", "count", "min", "max", "group", "stddev", "stdvar", "topk", "bottomk", "count_values", "quantile",
      "limitk", "limit_ratio"};
  return kWords.count(lower) > 0;
}

// Keywords followed by a parenthesized list of label names.
bool TakesLabelList(std::string_view lower) {
  return lower == "by" || lower == "without" || lower == "on" || lower == "ignoring" || lower == "group_left" ||
         lower == "group_right";
}

void AppendUtf8(unsigned long cp, std::string* out) {
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Reads the string literal at s[*i] (", ' or `), unquoted as Go's
// strconv.Unquote would; *i ends after the closing quote.
Status ReadString(std::string_view s, std::size_t* i, std::string* out) {
  const char quote = s[*i];
  const std::size_t start = (*i)++;
  out->clear();
  while (*i < s.size()) {
    const char c = s[(*i)++];
    if (c == quote) return Status::Ok();
    if (c != '\\' || quote == '`') {
      out->push_back(c);
      continue;
    }
    if (*i >= s.size()) break;
    const char e = s[(*i)++];
    static constexpr std::string_view kEscapes = "abfnrtv", kEscaped = "\a\b\f\n\r\t\v";
    const int hex_digits = e == 'x' ? 2 : e == 'u' ? 4 : e == 'U' ? 8 : 0;
    if (const auto k = kEscapes.find(e); k != std::string_view::npos) {
      out->push_back(kEscaped[k]);
    } else if (e >= '0' && e <= '7') {  // \ooo
      unsigned v = static_cast<unsigned>(e - '0');
      for (int n = 0; n < 2 && *i < s.size() && s[*i] >= '0' && s[*i] <= '7'; ++n) v = v * 8 + (s[(*i)++] - '0');
      out->push_back(static_cast<char>(v & 0xFF));
    } else if (hex_digits == 0) {
      out->push_back(e);  // \\, \", \' and anything Prometheus would have refused
    }
    if (hex_digits > 0) {
      unsigned long v = 0;
      for (int k = 0; k < hex_digits; ++k) {
        if (*i >= s.size() || !std::isxdigit(static_cast<unsigned char>(s[*i]))) {
          return Status::Error("bad \\" + std::string(1, e) + " escape in the string at offset " +
                               std::to_string(start));
        }
        const char h = s[(*i)++];
        v = v * 16 + static_cast<unsigned long>(IsDigit(h) ? h - '0' : (std::tolower(h) - 'a' + 10));
      }
      if (e == 'x') {
        out->push_back(static_cast<char>(v));
      } else {
        AppendUtf8(v, out);
      }
    }
  }
  return Status::Error("unterminated string at offset " + std::to_string(start));
}

std::size_t SkipSpace(std::string_view s, std::size_t i) {
  while (i < s.size()) {
    if (std::isspace(static_cast<unsigned char>(s[i]))) {
      ++i;
    } else if (s[i] == '#') {
      while (i < s.size() && s[i] != '\n') ++i;
    } else {
      break;
    }
  }
  return i;
}

// Reads the label matchers of the "{" at s[*i]; *i ends after the "}".
Status ReadMatchers(std::string_view s, std::size_t* i, PromqlSelectors* out) {
  const std::size_t open = (*i)++;
  const auto unterminated = [&] { return Status::Error("unterminated { at offset " + std::to_string(open)); };
  for (;;) {
    *i = SkipSpace(s, *i);
    if (*i >= s.size()) return unterminated();
    if (s[*i] == '}') {
      ++*i;
      return Status::Ok();
    }
    PromqlSelectors::Matcher m;
    bool quoted_name = false;
    if (s[*i] == '"' || s[*i] == '\'' || s[*i] == '`') {
      if (Status st = ReadString(s, i, &m.label); !st.ok()) return st;
      quoted_name = true;
    } else if (IdentStart(s[*i])) {
      const std::size_t start = *i;
      while (*i < s.size() && IdentChar(s[*i])) ++*i;
      m.label = std::string(s.substr(start, *i - start));
    } else {
      return Status::Error("expected a label name at offset " + std::to_string(*i));
    }
    *i = SkipSpace(s, *i);
    if (*i >= s.size()) return unterminated();
    if (quoted_name && (s[*i] == ',' || s[*i] == '}')) {
      out->metric_names.push_back(std::move(m.label));  // {"metric.name"}: Prometheus 3's quoted metric name
    } else {
      const std::string_view rest = s.substr(*i);
      for (const char* op : {"=~", "!=", "!~", "="}) {
        if (StartsWith(rest, op)) {
          m.op = op;
          break;
        }
      }
      if (m.op.empty()) return Status::Error("expected =, !=, =~ or !~ at offset " + std::to_string(*i));
      *i = SkipSpace(s, *i + m.op.size());
      if (*i >= s.size() || (s[*i] != '"' && s[*i] != '\'' && s[*i] != '`')) {
        return Status::Error("expected a quoted label value at offset " + std::to_string(*i));
      }
      if (Status st = ReadString(s, i, &m.value); !st.ok()) return st;
      if (m.label == "__name__" && m.op == "=") out->metric_names.push_back(m.value);
      out->matchers.push_back(std::move(m));
    }
    *i = SkipSpace(s, *i);
    if (*i >= s.size()) return unterminated();
    if (s[*i] == ',') {
      ++*i;
    } else if (s[*i] != '}') {
      return Status::Error("expected , or } at offset " + std::to_string(*i));
    }
  }
}

bool SelectsFamily(const std::vector<std::string>& names, const std::set<std::string_view>& families) {
  static constexpr std::string_view kSuffixes[] = {"_bucket", "_count", "_sum", "_total", "_created"};
  for (const std::string& name : names) {
    if (families.count(name) > 0) return true;
    for (std::string_view suffix : kSuffixes) {
      if (EndsWith(name, suffix) && families.count(std::string_view(name).substr(0, name.size() - suffix.size()))) {
        return true;
      }
    }
  }
  return false;
}

bool SelectsJob(const std::vector<PromqlSelectors::Matcher>& matchers, const std::vector<std::string>& jobs) {
  for (const auto& m : matchers) {
    if (m.label != "job" && m.label != "service") continue;
    if (m.op == "=") {
      if (std::find(jobs.begin(), jobs.end(), m.value) != jobs.end()) return true;
    } else if (m.op == "=~") {
      RE2::Options options;
      options.set_log_errors(false);
      options.set_max_mem(1 << 20);
      options.set_dot_nl(true);
      const RE2 re(m.value, options);
      if (!re.ok()) continue;
      for (const std::string& job : jobs) {
        if (RE2::FullMatch(job, re)) return true;
      }
    }
  }
  return false;
}

}  // namespace

StatusOr<std::vector<ScrapeTarget>> ParseActiveTargets(std::string_view body) {
  return Guarded<std::vector<ScrapeTarget>>(kTargets, [&] { return ReadTargets(body); });
}

StatusOr<std::vector<AlertRule>> ParseAlertingRules(std::string_view body) {
  return Guarded<std::vector<AlertRule>>(kRules, [&] { return ReadRules(body); });
}

StatusOr<std::vector<std::string>> ParseActiveAlertmanagers(std::string_view body) {
  return Guarded<std::vector<std::string>>(kAlertmanagers, [&] { return ReadAlertmanagers(body); });
}

std::string AlertmanagerBaseUrl(std::string_view api_url) {
  for (std::string_view suffix : {"/api/v2/alerts", "/api/v1/alerts"}) {
    if (EndsWith(api_url, suffix)) return std::string(api_url.substr(0, api_url.size() - suffix.size()));
  }
  return std::string(api_url);
}

std::vector<const ScrapeTarget*> MatchTargets(const std::vector<ScrapeTarget>& targets,
                                              const ServiceIdentity& identity) {
  const std::optional<HostPort> service =
      identity.host_port.empty() ? std::nullopt : ReadAuthority(identity.host_port, "");
  std::vector<const ScrapeTarget*> out;
  for (const ScrapeTarget& t : targets) {
    bool match = !t.job.empty() && std::find(identity.jobs.begin(), identity.jobs.end(), t.job) != identity.jobs.end();
    if (!match && service) {
      const std::optional<HostPort> scraped = UrlHostPort(t.scrape_url);
      match = scraped && scraped->host == service->host && scraped->port == service->port;
    }
    if (match) out.push_back(&t);
  }
  return out;
}

StatusOr<PromqlSelectors> ScanPromql(std::string_view s) {
  PromqlSelectors out;
  std::size_t i = 0;
  std::string ignored;
  while ((i = SkipSpace(s, i)) < s.size()) {
    const char c = s[i];
    if (c == '"' || c == '\'' || c == '`') {
      if (Status st = ReadString(s, &i, &ignored); !st.ok()) return st;
    } else if (IsDigit(c) || (c == '.' && i + 1 < s.size() && IsDigit(s[i + 1]))) {
      // A number (1e-3, 0x1f, .5) or a duration (5m, 1h30m).
      while (i < s.size() && (IdentChar(s[i]) || s[i] == '.') && s[i] != ':') {
        const char d = s[i++];
        if ((d == 'e' || d == 'E') && i + 1 < s.size() && (s[i] == '+' || s[i] == '-') && IsDigit(s[i + 1])) ++i;
      }
    } else if (c == '[') {
      const std::size_t close = s.find(']', i);
      if (close == std::string_view::npos) return Status::Error("unterminated [ at offset " + std::to_string(i));
      i = close + 1;
    } else if (c == '{') {
      if (Status st = ReadMatchers(s, &i, &out); !st.ok()) return st;
    } else if (IdentStart(c)) {
      const std::size_t start = i;
      while (i < s.size() && IdentChar(s[i])) ++i;
      const std::string_view word = s.substr(start, i - start);
      const std::size_t next = SkipSpace(s, i);
      const bool call = next < s.size() && s[next] == '(';
      const std::string lower = ToLower(word);
      if (TakesLabelList(lower)) {
        if (call) {
          const std::size_t close = s.find(')', next);
          if (close == std::string_view::npos) {
            return Status::Error("unterminated label list after " + std::string(word) + " at offset " +
                                 std::to_string(start));
          }
          i = close + 1;
        }
      } else if (!call && !IsKeywordOrAggregation(lower)) {
        out.metric_names.emplace_back(word);
      }
    } else {
      ++i;  // operators, parentheses, commas, @
    }
  }
  return out;
}

std::vector<const AlertRule*> MatchAlerts(const std::vector<AlertRule>& rules, const ServiceIdentity& identity) {
  std::set<std::string_view> families;
  for (const std::string& f : identity.metric_families) {
    if (!f.empty()) families.insert(f);
  }
  std::vector<const AlertRule*> out;
  for (const AlertRule& rule : rules) {
    const StatusOr<PromqlSelectors> selectors = ScanPromql(rule.expr);
    if (!selectors.ok()) continue;
    if (SelectsFamily(selectors->metric_names, families) || SelectsJob(selectors->matchers, identity.jobs)) {
      out.push_back(&rule);
    }
  }
  return out;
}

}  // namespace probity

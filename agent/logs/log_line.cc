#include "logs/log_line.h"

#include <simdjson.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <string>
#include <vector>

#include "core/text.h"
#include "core/trace_context.h"

namespace probity {
namespace {

enum class Field { kNone, kTimestamp, kLevel, kService, kTraceId, kRequest };

struct Alias {
  std::string_view name;
  Field field;
};

// The field of the first alias that `path` spells; `path` and every alias
// have N bytes. With N known here the comparison is a few loads, not a call.
template <std::size_t N>
Field Match(std::string_view path, std::initializer_list<Alias> aliases) {
  for (const Alias& alias : aliases) {
    if (std::memcmp(alias.name.data(), path.data(), N) == 0) return alias.field;
  }
  return Field::kNone;
}

// The field aliases of CHECKS.md. Every JSON key of every line is looked
// up, so the key's length picks the few aliases it is compared with, rather
// than the key being hashed.
Field Lookup(std::string_view path) {
  switch (path.size()) {
    case 2: return Match<2>(path, {{"ts", Field::kTimestamp}});
    case 3: return Match<3>(path, {{"lvl", Field::kLevel}});
    case 4: return Match<4>(path, {{"time", Field::kTimestamp}});
    case 5: return Match<5>(path, {{"level", Field::kLevel}});
    case 6: return Match<6>(path, {{"method", Field::kRequest}, {"req_id", Field::kRequest}});
    case 7:
      return Match<7>(path, {{"service", Field::kService}, {"traceId", Field::kTraceId}, {"TraceId", Field::kTraceId},
                             {"req.url", Field::kRequest}});
    case 8:
      return Match<8>(path, {{"trace_id", Field::kTraceId}, {"trace.id", Field::kTraceId}, {"severity", Field::kLevel},
                             {"url.path", Field::kRequest}});
    case 9: return Match<9>(path, {{"timestamp", Field::kTimestamp}, {"log.level", Field::kLevel}});
    case 10:
      return Match<10>(path, {{"@timestamp", Field::kTimestamp}, {"request_id", Field::kRequest},
                              {"request.id", Field::kRequest}, {"http.route", Field::kRequest},
                              {"req.method", Field::kRequest}});
    case 11:
      return Match<11>(path, {{"http.method", Field::kRequest}, {"http.target", Field::kRequest},
                              {"request.uri", Field::kRequest}});
    case 12: return Match<12>(path, {{"SeverityText", Field::kLevel}, {"service.name", Field::kService}});
    case 14: return Match<14>(path, {{"request_method", Field::kRequest}, {"request.method", Field::kRequest}});
    case 15: return Match<15>(path, {{"http.request.id", Field::kRequest}});
    case 19: return Match<19>(path, {{"http.request.method", Field::kRequest}});
    default: return Field::kNone;
  }
}

// Accumulates what a line's fields say; the first valid value of each wins.
class FieldSink {
 public:
  explicit FieldSink(LineFields* f) : f_(f) {}

  void String(Field field, std::string_view value) {
    switch (field) {
      case Field::kTimestamp:
        if (f_->timestamp != FieldState::kValid) Timestamp(ParseLogTimestamp(value));
        break;
      case Field::kLevel:
        if (f_->level != FieldState::kValid) Level(ParseSeverity6(value));
        break;
      case Field::kService:
        if (!value.empty()) f_->service = true;
        break;
      case Field::kTraceId:
        f_->request_scoped = true;
        if (f_->trace_id != FieldState::kValid) {
          f_->trace_id = IsW3cTraceId(value) ? FieldState::kValid : FieldState::kInvalid;
          if (f_->trace_id == FieldState::kValid) std::memcpy(f_->trace_id_hex, value.data(), sizeof f_->trace_id_hex);
        }
        break;
      case Field::kRequest:
        f_->request_scoped = true;
        break;
      case Field::kNone:
        break;
    }
  }

  void Number(Field field, double value) {
    if (field == Field::kTimestamp && f_->timestamp != FieldState::kValid) Timestamp(EpochFromNumber(value));
    if (field == Field::kLevel && f_->level != FieldState::kValid) {
      // pino and bunyan: 10 trace … 60 fatal.
      const bool pino = value >= 10 && value <= 60 && std::fmod(value, 10) == 0;
      Level(pino ? static_cast<Severity6>(static_cast<int>(value) / 10) : Severity6::kUnknown);
    }
    if (field == Field::kTraceId) {
      f_->request_scoped = true;
      if (f_->trace_id != FieldState::kValid) f_->trace_id = FieldState::kInvalid;
    }
    if (field == Field::kRequest) f_->request_scoped = true;
  }

  // A value of the wrong type for its field.
  void Other(Field field) {
    if (field == Field::kTimestamp && f_->timestamp == FieldState::kAbsent) f_->timestamp = FieldState::kInvalid;
    if (field == Field::kLevel && f_->level == FieldState::kAbsent) f_->level = FieldState::kInvalid;
    if (field == Field::kTraceId && f_->trace_id == FieldState::kAbsent) f_->trace_id = FieldState::kInvalid;
  }

 private:
  void Timestamp(std::optional<double> t) {
    if (t) {
      f_->timestamp = FieldState::kValid;
      f_->time = *t;
    } else {
      f_->timestamp = FieldState::kInvalid;
    }
  }
  void Level(Severity6 s) {
    f_->severity = s;
    f_->level = s == Severity6::kUnknown ? FieldState::kInvalid : FieldState::kValid;
  }

  LineFields* f_;
};

constexpr std::size_t kMaxPath = 128;
constexpr int kMaxDepth = 4;

void WalkObject(simdjson::dom::object object, char* path, std::size_t prefix, int depth, FieldSink* sink) {
  for (simdjson::dom::key_value_pair kv : object) {
    const std::string_view key = kv.key;
    if (prefix + key.size() > kMaxPath) continue;
    std::memcpy(path + prefix, key.data(), key.size());
    const std::string_view full(path, prefix + key.size());
    const Field field = Lookup(full);
    const simdjson::dom::element value = kv.value;
    switch (value.type()) {
      case simdjson::dom::element_type::STRING:
        if (field != Field::kNone) sink->String(field, std::string_view(value.get_string().value_unsafe()));
        break;
      case simdjson::dom::element_type::INT64:
        if (field != Field::kNone) sink->Number(field, static_cast<double>(value.get_int64().value_unsafe()));
        break;
      case simdjson::dom::element_type::UINT64:
        if (field != Field::kNone) sink->Number(field, static_cast<double>(value.get_uint64().value_unsafe()));
        break;
      case simdjson::dom::element_type::DOUBLE:
        if (field != Field::kNone) sink->Number(field, value.get_double().value_unsafe());
        break;
      case simdjson::dom::element_type::OBJECT:
        if (depth < kMaxDepth && prefix + key.size() + 1 <= kMaxPath) {
          path[prefix + key.size()] = '.';
          WalkObject(value.get_object().value_unsafe(), path, prefix + key.size() + 1, depth + 1, sink);
        }
        break;
      default:
        if (field != Field::kNone) sink->Other(field);
        break;
    }
  }
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Parses logfmt (key=value key="quoted \"value\"" …); false unless the whole
// line is pairs.
bool ParseLogfmt(std::string_view line, FieldSink* sink, std::string* unescaped) {
  std::size_t i = 0, pairs = 0;
  const std::size_t n = line.size();
  while (true) {
    while (i < n && IsSpace(line[i])) ++i;
    if (i == n) break;
    const std::size_t key_start = i;
    while (i < n && line[i] != '=' && line[i] != '"' && !IsSpace(line[i]) && static_cast<unsigned char>(line[i]) > ' ') ++i;
    if (i == key_start || i == n || line[i] != '=') return false;
    const std::string_view key = line.substr(key_start, i - key_start);
    ++i;  // '='
    std::string_view value;
    if (i < n && line[i] == '"') {
      const std::size_t start = ++i;
      bool escaped = false;
      while (i < n && line[i] != '"') {
        if (line[i] == '\\') {
          escaped = true;
          ++i;
        }
        ++i;
      }
      if (i >= n) return false;  // unterminated quote
      value = line.substr(start, i - start);
      ++i;
      if (i < n && !IsSpace(line[i])) return false;
      if (escaped) {
        unescaped->clear();
        for (std::size_t k = 0; k < value.size(); ++k) {
          if (value[k] == '\\' && k + 1 < value.size()) ++k;
          unescaped->push_back(value[k]);
        }
        value = *unescaped;
      }
    } else {
      const std::size_t start = i;
      while (i < n && !IsSpace(line[i])) {
        if (line[i] == '"' || line[i] == '=') return false;
        ++i;
      }
      value = line.substr(start, i - start);
    }
    ++pairs;
    const Field field = Lookup(key);
    if (field == Field::kNone) continue;
    if (field == Field::kTimestamp || field == Field::kLevel) {
      // A bare number is an epoch or a pino level; anything else is text.
      char* end = nullptr;
      std::string copy(value.substr(0, 40));
      const double number = copy.empty() ? 0 : std::strtod(copy.c_str(), &end);
      if (!copy.empty() && end && *end == '\0' && copy.find_first_not_of("0123456789.") == std::string::npos) {
        sink->Number(field, number);
        continue;
      }
    }
    sink->String(field, value);
  }
  return pairs > 0;
}

}  // namespace

std::optional<double> EpochFromNumber(double v) {
  if (!(v > 0) || !std::isfinite(v)) return std::nullopt;
  if (v < 1e11) return v;
  if (v < 1e14) return v / 1e3;
  if (v < 1e17) return v / 1e6;
  if (v < 1e20) return v / 1e9;
  return std::nullopt;
}

std::optional<double> ParseLogTimestamp(std::string_view text) {
  if (text.empty() || text.size() > 64) return std::nullopt;
  if (text.find_first_not_of("0123456789.") == std::string_view::npos) {
    if (text.front() == '.' || text.find('.') != text.rfind('.')) return std::nullopt;
    return EpochFromNumber(std::strtod(std::string(text).c_str(), nullptr));
  }
  return ParseRfc3339(text);
}

Severity6 ParseSeverity6(std::string_view text) {
  if (text.size() > 16) return Severity6::kUnknown;
  // OpenTelemetry's short names carry a range digit: INFO2, WARN4.
  if (text.size() > 1 && text.back() >= '2' && text.back() <= '4') text.remove_suffix(1);
  static constexpr struct {
    const char* name;
    Severity6 severity;
  } kNames[] = {
      {"trace", Severity6::kTrace},   {"trc", Severity6::kTrace},       {"debug", Severity6::kDebug},
      {"dbg", Severity6::kDebug},     {"info", Severity6::kInfo},       {"inf", Severity6::kInfo},
      {"information", Severity6::kInfo}, {"informational", Severity6::kInfo}, {"notice", Severity6::kInfo},
      {"warn", Severity6::kWarn},     {"warning", Severity6::kWarn},    {"wrn", Severity6::kWarn},
      {"error", Severity6::kError},   {"err", Severity6::kError},       {"fatal", Severity6::kFatal},
      {"critical", Severity6::kFatal}, {"crit", Severity6::kFatal},     {"panic", Severity6::kFatal},
      {"dpanic", Severity6::kFatal},  {"alert", Severity6::kFatal},     {"emerg", Severity6::kFatal},
      {"emergency", Severity6::kFatal},
  };
  for (const auto& n : kNames) {
    if (EqualsIgnoreCase(text, n.name)) return n.severity;
  }
  return Severity6::kUnknown;
}

struct LineParser::Impl {
  simdjson::dom::parser json;
  std::vector<char> padded;  // a copy of lines that lack padding
  std::string unescaped;     // a quoted logfmt value with escapes removed
  std::string unwrapped;     // the message of a Docker json-file line
  char path[kMaxPath + 1];

  // Parses JSON in place when padding allows, else from a padded copy.
  simdjson::simdjson_result<simdjson::dom::element> ParseJson(std::string_view text, std::size_t readable) {
    if (readable >= text.size() + simdjson::SIMDJSON_PADDING) return json.parse(text.data(), text.size(), false);
    padded.resize(text.size() + simdjson::SIMDJSON_PADDING);
    std::memcpy(padded.data(), text.data(), text.size());
    return json.parse(padded.data(), text.size(), false);
  }
};

LineParser::LineParser() : impl_(new Impl) {}
LineParser::~LineParser() = default;

LineFields LineParser::Parse(std::string_view line, std::size_t readable) {
  LineFields fields;
  FieldSink sink(&fields);
  std::size_t start = 0;
  while (start < line.size() && IsSpace(line[start])) ++start;
  if (start == line.size()) return fields;
  if (line[start] == '{') {
    simdjson::dom::element doc;
    if (impl_->ParseJson(line, readable).get(doc) != simdjson::SUCCESS) return fields;
    simdjson::dom::object object;
    if (doc.get_object().get(object) != simdjson::SUCCESS) return fields;
    fields.format = LineFormat::kJson;
    WalkObject(object, impl_->path, 0, 0, &sink);
    return fields;
  }
  LineFields logfmt;
  FieldSink logfmt_sink(&logfmt);
  if (ParseLogfmt(line, &logfmt_sink, &impl_->unescaped)) {
    logfmt.format = LineFormat::kLogfmt;
    return logfmt;
  }
  return fields;
}

std::optional<ContainerLine> LineParser::Unwrap(std::string_view line, std::size_t readable) {
  if (line.empty()) return std::nullopt;
  if (line[0] >= '0' && line[0] <= '9') {
    // CRI: <RFC 3339 time> <stdout|stderr> <P|F> <message>
    const std::size_t sp1 = line.find(' ');
    if (sp1 == std::string_view::npos || sp1 > 40) return std::nullopt;
    std::optional<double> time = ParseRfc3339(line.substr(0, sp1));
    if (!time) return std::nullopt;
    std::string_view rest = line.substr(sp1 + 1);
    if (!(rest.substr(0, 7) == "stdout " || rest.substr(0, 7) == "stderr ")) return std::nullopt;
    rest.remove_prefix(7);
    if (rest.size() < 1 || (rest[0] != 'P' && rest[0] != 'F') || (rest.size() > 1 && rest[1] != ' ')) {
      return std::nullopt;
    }
    ContainerLine out;
    out.partial = rest[0] == 'P';
    out.text = rest.size() > 1 ? rest.substr(2) : std::string_view();
    out.time = time;
    return out;
  }
  if (line.substr(0, 8) == "{\"log\":\"") {
    simdjson::dom::element doc;
    if (impl_->ParseJson(line, readable).get(doc) != simdjson::SUCCESS) return std::nullopt;
    std::string_view log;
    if (doc["log"].get_string().get(log) != simdjson::SUCCESS) return std::nullopt;
    ContainerLine out;
    std::string_view time;
    if (doc["time"].get_string().get(time) == simdjson::SUCCESS) out.time = ParseRfc3339(time);
    out.partial = log.empty() || log.back() != '\n';
    while (!log.empty() && (log.back() == '\n' || log.back() == '\r')) log.remove_suffix(1);
    impl_->unwrapped.assign(log.data(), log.size());
    out.text = impl_->unwrapped;
    return out;
  }
  return std::nullopt;
}

}  // namespace probity

#include "api/openapi.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>

#include <algorithm>
#include <istream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <streambuf>
#include <utility>

#include "core/text.h"

namespace probity {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";
constexpr std::string_view kInvalidJson = "invalid JSON";
// A presumed quoted YAML scalar longer than this is refused: the shape scan
// below must not be led past structure it cannot see (see CheckYamlShape).
constexpr std::size_t kMaxYamlQuotedBytes = 256 * 1024;
constexpr std::size_t kMaxHeaderNameBytes = 256;
constexpr std::size_t kMaxServerUrlBytes = 4096;
// Server variables kept per server, and the longest anchored YAML scalar an
// alias is read as (a longer one reads as an alias: no alias copies a big
// scalar over and over). Path keys are kept up to kMaxPathKeyBytes.
constexpr std::size_t kMaxServerVariables = 64;
constexpr std::size_t kMaxAliasedScalarBytes = 1024;
constexpr std::size_t kMaxPathKeyBytes = 2048;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlnum(char c) { return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Reads digits from s[*i]; false when there are none.
bool Digits(std::string_view s, std::size_t* i) {
  const std::size_t start = *i;
  while (*i < s.size() && IsDigit(s[*i])) ++*i;
  return *i > start;
}

// "v1", "V2", "v1.2", "v1.2.3", "v1beta1", "v2alpha", "v1beta".
bool IsVersionSegment(std::string_view seg) {
  if (seg.size() < 2 || (seg[0] != 'v' && seg[0] != 'V')) return false;
  std::size_t i = 1;
  if (!Digits(seg, &i)) return false;
  if (i == seg.size()) return true;
  if (seg[i] == '.') {
    for (int parts = 0; parts < 2 && i < seg.size(); ++parts) {
      if (seg[i] != '.') return false;
      ++i;
      if (!Digits(seg, &i)) return false;
    }
    return i == seg.size();
  }
  std::string_view stage = seg.substr(i);
  for (std::string_view word : {std::string_view("alpha"), std::string_view("beta")}) {
    if (StartsWith(stage, word)) {
      i += word.size();
      Digits(seg, &i);
      return i == seg.size();
    }
  }
  return false;
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return IsDigit(c); });
}

// A SemVer numeric identifier: "0" or digits without a leading zero.
bool NumericIdentifier(std::string_view s) { return AllDigits(s) && (s.size() == 1 || s[0] != '0'); }

// Dot-separated non-empty identifiers of [0-9A-Za-z-]; numeric ones without
// leading zeros when `numeric_rule`.
bool Identifiers(std::string_view s, bool numeric_rule) {
  if (s.empty()) return false;
  std::size_t start = 0;
  for (;;) {
    const std::size_t dot = s.find('.', start);
    const std::string_view id = s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (id.empty()) return false;
    if (!std::all_of(id.begin(), id.end(), [](char c) { return IsAlnum(c) || c == '-'; })) return false;
    if (numeric_rule && AllDigits(id) && !NumericIdentifier(id)) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

std::string KindName(bool is_map) { return is_map ? "an object" : "a list"; }

// ---------------------------------------------------------------------------
// The facts, from a stream of events that JSON and YAML both produce.

enum class ValueKind { kString, kNumber, kBool, kNull, kAlias };

// Thrown through yaml-cpp (whose handler cannot return false) to stop it.
struct StopParsing {};

class Extractor {
 public:
  // Each returns false when the document is refused; error() says why.
  bool StartContainer(bool is_map) {
    if (frames_.empty()) {
      if (root_seen_) return true;
      root_seen_ = true;
      if (!is_map) return Refuse("not an OpenAPI or Swagger document: the top level is a list, not an object");
      frames_.push_back(Frame{Role::kRoot, true});
      return true;
    }
    if (static_cast<int>(frames_.size()) >= kMaxApiDocumentDepth) {
      return Refuse("nested deeper than " + std::to_string(kMaxApiDocumentDepth) + " levels");
    }
    Frame& parent = frames_.back();
    Frame child{Role::kOther, is_map};
    const std::string& key = parent.is_map ? parent.key : kNoKey;
    switch (parent.role) {
      case Role::kRoot:
        if (key == "info") {
          info_seen_ = true;
          if (is_map) {
            child.role = Role::kInfo;
          } else {
            info_problem_ = "info is " + KindName(is_map) + ", not an object";
          }
        } else if (key == "paths" && is_map) {
          child.role = Role::kPaths;
        } else if (key == "servers" && !is_map) {
          child.role = Role::kServers;
        } else if (key == "schemes" && !is_map) {
          child.role = Role::kSchemes;
        } else if (key == "openapi" || key == "swagger") {
          Field(key).emplace(std::string());
          field_not_string_[key] = KindName(is_map);
        }
        break;
      case Role::kInfo:
        if (key == "title" || key == "version") SetInfo(key, std::nullopt, "is not a string (" + KindName(is_map) + ")");
        break;
      case Role::kServers:
        if (is_map && servers_.size() < kMaxApiServers) child.role = Role::kServer;
        break;
      case Role::kServer:
        if (key == "variables" && is_map) child.role = Role::kServerVariables;
        break;
      case Role::kServerVariables:
        if (is_map) {
          child.role = Role::kServerVariable;
          child.name = key;
        }
        break;
      default:
        break;
    }
    if (child.role == Role::kOther && parent.is_map) {
      if (key == "content" && is_map) child.role = Role::kContent;
      if ((key == "produces" || key == "consumes") && !is_map) child.role = Role::kMediaTypeList;
    }
    frames_.push_back(std::move(child));
    return true;
  }

  bool EndContainer() {
    if (frames_.empty()) return true;
    Frame done = std::move(frames_.back());
    frames_.pop_back();
    if (done.is_map && done.in_header && IsVersionHeaderName(done.name)) doc_.version_header = true;
    if (done.role == Role::kServerVariable && frames_.size() >= 2 && frames_[frames_.size() - 2].role == Role::kServer) {
      std::vector<std::pair<std::string, std::string>>& variables = frames_[frames_.size() - 2].variables;
      if (done.text && variables.size() < kMaxServerVariables) variables.emplace_back(done.name, *done.text);
    }
    if (done.role == Role::kServer && done.text && servers_.size() < kMaxApiServers) {
      servers_.push_back(Substitute(*done.text, done.variables));
    }
    return true;
  }

  void Key(std::string key) {
    if (frames_.empty()) return;
    Frame& f = frames_.back();
    if (f.role == Role::kPaths && !StartsWith(key, "x-")) {
      ++doc_.path_count;
      if (doc_.paths.size() < kMaxApiPaths) doc_.paths.push_back(key.substr(0, kMaxPathKeyBytes));
    }
    if (f.role == Role::kContent && IsVersionedMediaType(key)) doc_.version_media_type = true;
    f.key = std::move(key);
  }

  bool Value(ValueKind kind, const std::string& text) {
    if (frames_.empty()) {
      if (root_seen_) return true;
      return Refuse("not an OpenAPI or Swagger document: the top level is a single value, not an object");
    }
    Frame& f = frames_.back();
    const bool is_text = kind == ValueKind::kString || kind == ValueKind::kNumber;
    const std::string& key = f.is_map ? f.key : kNoKey;
    switch (f.role) {
      case Role::kRoot:
        if (key == "info") {
          info_seen_ = true;
          info_problem_ = kind == ValueKind::kNull ? "info is empty" : "info is not an object";
        } else if (key == "openapi" || key == "swagger" || key == "swaggerVersion" || key == "host" ||
                   key == "basePath") {
          Field(key).emplace(is_text ? text : "");
          if (!is_text) field_not_string_[key] = ValueKindName(kind);
        }
        break;
      case Role::kInfo:
        if (key == "title" || key == "version") {
          if (is_text) {
            SetInfo(key, text, Trim(text).empty() ? "is empty" : "");
          } else {
            SetInfo(key, std::nullopt,
                    kind == ValueKind::kNull ? "is missing" : "is not a string (" + std::string(ValueKindName(kind)) + ")");
          }
        }
        break;
      case Role::kServer:
        if (key == "url" && is_text) f.text = text;
        break;
      case Role::kServerVariable:
        if (key == "default" && is_text) f.text = text;
        break;
      case Role::kSchemes:
        if (is_text && !first_scheme_) first_scheme_ = text;
        break;
      case Role::kMediaTypeList:
        if (is_text && IsVersionedMediaType(text)) doc_.version_media_type = true;
        break;
      default:
        break;
    }
    if (f.is_map && kind == ValueKind::kString) {
      if (key == "in") f.in_header = EqualsIgnoreCase(text, "header");
      if (key == "name" && text.size() <= kMaxHeaderNameBytes) f.name = text;
    }
    return true;
  }

  const std::string& error() const { return error_; }

  // What the events described, once they are all in.
  StatusOr<ApiDocument> Finish(std::string format) {
    if (!root_seen_) return Status::Error("not an OpenAPI or Swagger document: the document is empty");
    ApiDocument doc = std::move(doc_);
    doc.format = std::move(format);
    if (openapi_) {
      if (auto bad = field_not_string_.find("openapi"); bad != field_not_string_.end()) {
        return Status::Error("the openapi field is " + bad->second + ", not a version string");
      }
      if (!IsOpenApi3(*openapi_)) {
        return Status::Error("OpenAPI version \"" + Excerpt(*openapi_, 40) +
                             "\" is not supported (Swagger 2.0 and OpenAPI 3.x are)");
      }
      doc.spec = "OpenAPI " + *openapi_;
    } else if (swagger_) {
      if (*swagger_ != "2.0") {
        const auto bad = field_not_string_.find("swagger");
        return Status::Error(bad != field_not_string_.end()
                                 ? "the swagger field is " + bad->second + ", not \"2.0\""
                                 : "Swagger version \"" + Excerpt(*swagger_, 40) +
                                       "\" is not supported (Swagger 2.0 and OpenAPI 3.x are)");
      }
      doc.spec = "Swagger 2.0";
    } else if (swagger_version_) {
      return Status::Error("Swagger " + Excerpt(*swagger_version_, 40) +
                           " (swaggerVersion) is not supported: Swagger 2.0 and OpenAPI 3.x are");
    } else {
      return Status::Error("not an OpenAPI or Swagger document: no openapi or swagger field");
    }
    if (!info_seen_) {
      doc.defects.push_back("info is missing");
    } else if (!info_problem_.empty()) {
      doc.defects.push_back(info_problem_);
    } else {
      for (const auto& [field, problem] : info_problems_) {
        if (!problem.empty()) doc.defects.push_back("info." + field + " " + problem);
      }
    }
    if (doc.spec == "Swagger 2.0") {
      if (host_ || base_path_) {
        std::string url = host_ ? (first_scheme_ ? *first_scheme_ + "://" : "//") + *host_ : "";
        doc.servers.push_back(url + base_path_.value_or(""));
      }
    } else {
      doc.servers = std::move(servers_);
    }
    return doc;
  }

 private:
  enum class Role {
    kOther,
    kRoot,
    kInfo,
    kPaths,
    kServers,
    kServer,
    kServerVariables,
    kServerVariable,
    kSchemes,
    kContent,
    kMediaTypeList,
  };
  struct Frame {
    Frame(Role r, bool m) : role(r), is_map(m) {}
    Role role;
    bool is_map;
    std::string key;  // the member being read (maps)
    bool in_header = false;  // "in": "header" seen
    std::string name;        // "name" (maps); the variable's name (kServerVariable)
    std::optional<std::string> text;  // url (kServer), default (kServerVariable)
    std::vector<std::pair<std::string, std::string>> variables;  // kServer
  };

  static std::string_view ValueKindName(ValueKind kind) {
    switch (kind) {
      case ValueKind::kString: return "a string";
      case ValueKind::kNumber: return "a number";
      case ValueKind::kBool: return "a boolean";
      case ValueKind::kNull: return "null";
      case ValueKind::kAlias: return "an alias of a collection";
    }
    return "unknown";
  }

  // "3.0", "3.0.2", "3.1.0", "3.1.0-rc1".
  static bool IsOpenApi3(std::string_view v) {
    if (!StartsWith(v, "3.")) return false;
    std::size_t i = 2;
    if (!Digits(v, &i)) return false;
    if (i < v.size() && v[i] == '.') {
      ++i;
      if (!Digits(v, &i)) return false;
    }
    return i == v.size() || v[i] == '-';
  }

  std::optional<std::string>& Field(const std::string& key) {
    if (key == "openapi") return openapi_;
    if (key == "swagger") return swagger_;
    if (key == "swaggerVersion") return swagger_version_;
    if (key == "host") return host_;
    return base_path_;
  }

  // info.title or info.version as the document gives it, and what is wrong
  // with it ("" when nothing).
  void SetInfo(const std::string& field, std::optional<std::string> text, std::string problem) {
    (field == "title" ? doc_.title : doc_.version) = std::move(text).value_or("");
    info_problems_[field] = std::move(problem);
  }

  static std::string Substitute(const std::string& url,
                                const std::vector<std::pair<std::string, std::string>>& variables) {
    // A longer template is no server URL anyone writes: kept as it is, unsubstituted.
    if (url.size() > kMaxServerUrlBytes) return url.substr(0, kMaxServerUrlBytes);
    std::string out;
    std::size_t i = 0;
    while (i < url.size()) {
      const std::size_t open = url.find('{', i);
      const std::size_t close = open == std::string::npos ? std::string::npos : url.find('}', open);
      if (close == std::string::npos) break;
      out.append(url, i, open - i);
      const std::string name = url.substr(open + 1, close - open - 1);
      auto var = std::find_if(variables.begin(), variables.end(), [&](const auto& v) { return v.first == name; });
      out += var == variables.end() ? url.substr(open, close - open + 1) : var->second;
      i = close + 1;
      if (out.size() > kMaxServerUrlBytes) return url;
    }
    out.append(url, std::min(i, url.size()));
    return out;
  }

  bool Refuse(std::string why) {
    if (error_.empty()) error_ = std::move(why);
    return false;
  }

  inline static const std::string kNoKey;
  std::vector<Frame> frames_;
  bool root_seen_ = false;
  ApiDocument doc_;
  std::optional<std::string> openapi_, swagger_, swagger_version_, host_, base_path_, first_scheme_;
  std::map<std::string, std::string> field_not_string_;  // field -> what it is instead
  bool info_seen_ = false;
  std::string info_problem_;                           // info itself is not an object
  std::map<std::string, std::string> info_problems_ = {{"title", "is missing"}, {"version", "is missing"}};
  std::vector<std::string> servers_;
  std::string error_;
};

// ---------------------------------------------------------------------------
// JSON: one streaming pass (nlohmann's SAX parser is iterative, so depth
// costs no stack; the extractor refuses past kMaxApiDocumentDepth).

class JsonEvents final : public nlohmann::json_sax<nlohmann::json> {
 public:
  explicit JsonEvents(Extractor& out) : out_(out) {}

  bool null() override { return out_.Value(ValueKind::kNull, ""); }
  bool boolean(bool value) override { return out_.Value(ValueKind::kBool, value ? "true" : "false"); }
  bool number_integer(number_integer_t value) override {
    return out_.Value(ValueKind::kNumber, std::to_string(value));
  }
  bool number_unsigned(number_unsigned_t value) override {
    return out_.Value(ValueKind::kNumber, std::to_string(value));
  }
  bool number_float(number_float_t, const string_t& raw) override { return out_.Value(ValueKind::kNumber, raw); }
  bool string(string_t& value) override { return out_.Value(ValueKind::kString, value); }
  bool binary(binary_t&) override { return out_.Value(ValueKind::kNull, ""); }
  bool start_object(std::size_t) override { return out_.StartContainer(true); }
  bool key(string_t& value) override {
    out_.Key(value);
    return true;
  }
  bool end_object() override { return out_.EndContainer(); }
  bool start_array(std::size_t) override { return out_.StartContainer(false); }
  bool end_array() override { return out_.EndContainer(); }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& e) override {
    std::string message = e.what();
    // "[json.exception.parse_error.101] parse error at line 1, column 9: syntax error …"
    const std::size_t colon = message.find(": ");
    if (colon != std::string::npos) message = message.substr(colon + 2);
    error_ = std::string(kInvalidJson) + " at byte " + std::to_string(position) + ": " + Excerpt(message, 160);
    return false;
  }

  const std::string& error() const { return error_; }

 private:
  Extractor& out_;
  std::string error_;
};

StatusOr<ApiDocument> ParseJson(std::string_view text) {
  if (text.size() > kMaxApiJsonBytes) {
    return Status::Error("the JSON document is larger than " + std::to_string(kMaxApiJsonBytes >> 20) + " MiB");
  }
  Extractor extractor;
  JsonEvents events(extractor);
  bool parsed = false;
  try {
    parsed = nlohmann::json::sax_parse(text.begin(), text.end(), &events);
  } catch (const std::exception& e) {  // nlohmann reports through parse_error; this is a last guard
    return Status::Error(std::string(kInvalidJson) + ": " + Excerpt(e.what(), 160));
  }
  if (!parsed) {
    if (!extractor.error().empty()) return Status::Error(extractor.error());
    return Status::Error(events.error().empty() ? std::string(kInvalidJson) : events.error());
  }
  return extractor.Finish("JSON");
}

// ---------------------------------------------------------------------------
// YAML: first a conservative scan of the text's shape, then yaml-cpp's event
// parser (no node tree is built, and aliases are events, never expanded).

// Refuses YAML that yaml-cpp would handle badly: nesting past
// kMaxApiDocumentDepth (yaml-cpp recurses per level) and flow collections
// longer than kMaxYamlFlowBytes (yaml-cpp queues every token of an open flow
// collection). A small lexer follows YAML's block structure (indentation,
// "- " / "? " / ": " indicators, plain, quoted and block scalars, comments)
// closely enough to find flow collections; where it is unsure it counts
// more depth, never less. The flow length is measured in bytes from '[' or
// '{', whatever the lexer thinks is inside; and a quoted scalar it thinks
// longer than kMaxYamlQuotedBytes is refused, so that a misread quote
// cannot hide what follows from the scan.
class YamlShape {
 public:
  Status Check(std::string_view text) {
    std::size_t pos = 0;
    while (pos < text.size()) {
      // Lines end at "\n", "\r\n" or a lone "\r", as in YAML.
      std::size_t eol = text.find_first_of("\r\n", pos);
      if (eol == std::string_view::npos) eol = text.size();
      const std::string_view line = text.substr(pos, eol - pos);
      ++line_no_;
      line_start_ = pos;
      if (!Line(line)) return Status::Error(error_);
      if (flow_depth_ > 0 && eol - flow_start_ > kMaxYamlFlowBytes) return Status::Error(FlowTooLong());
      if (quote_ && eol - quote_start_ > kMaxYamlQuotedBytes) {
        return Status::Error("a YAML quoted scalar (from line " + std::to_string(quote_line_) + ") is longer than " +
                             std::to_string(kMaxYamlQuotedBytes >> 10) + " KiB");
      }
      pos = eol + (text.substr(eol, 2) == "\r\n" ? 2 : 1);
    }
    return Status::Ok();
  }

 private:
  struct Level {
    long column;
    int weight;  // 2 for a "- " entry: the sequence and its item
  };

  bool Line(std::string_view line) {
    if (quote_ || flow_depth_ > 0) return Scan(line, 0, kContinued);
    // Tabs are not YAML indentation, but yaml-cpp may take them as separation:
    // the column of the first other character is what counts.
    std::size_t indent = 0;
    while (indent < line.size() && (line[indent] == ' ' || line[indent] == '\t')) ++indent;
    const bool blank = indent == line.size() || line[indent] == '#';
    if (indent == 0 && (StartsWith(line, "---") || StartsWith(line, "...")) &&
        (line.size() == 3 || line[3] == ' ' || line[3] == '\t')) {  // a document marker ends every scalar
      levels_.clear();
      weight_ = 0;
      block_scalar_ = plain_open_ = false;
      if (line[0] == '.') return true;
      return Scan(line, 3, kNodeStart, -1);
    }
    if (block_scalar_) {
      // Its lines are those indented (with spaces: a tab is no YAML
      // indentation) like its first, past its owner's.
      if (indent == line.size()) return true;
      long column = 0;
      while (line[static_cast<std::size_t>(column)] == ' ') ++column;
      if (block_indent_ < 0 && column > block_owner_) block_indent_ = column;
      if (block_indent_ >= 0 && column >= block_indent_) return true;
      block_scalar_ = false;
    }
    if (indent < line.size() && line[indent] == '#') {
      plain_open_ = false;  // a comment line ends a plain scalar
      return true;
    }
    if (blank) return true;
    if (plain_open_ && static_cast<long>(indent) > plain_owner_) return true;  // a plain scalar goes on
    plain_open_ = false;
    while (!levels_.empty() && levels_.back().column > static_cast<long>(indent)) Pop();
    if (levels_.empty() || levels_.back().column != static_cast<long>(indent)) Push(indent, 1);
    if (Deep()) return false;
    // What starts the line belongs to a collection at this column, or is the
    // value of a key above: taking the deeper owner, the scan may read a
    // continued plain scalar as structure, never structure as a scalar.
    return Scan(line, indent, kNodeStart, static_cast<long>(indent));
  }

  enum Mode { kNodeStart, kAfterNode, kContinued };

  // Reads a line from `i`. In block context `owner` is the column of what
  // owns the node starting there (a key, a "- "): the lines a plain or block
  // scalar continues on are indented past it.
  bool Scan(std::string_view line, std::size_t i, Mode mode, long owner = -1) {
    std::size_t node_column = i;
    while (i < line.size()) {
      const char c = line[i];
      if (quote_) {
        if (c == '\\' && quote_ == '"') {
          i += 2;
          continue;
        }
        if (c == quote_) {
          if (quote_ == '\'' && i + 1 < line.size() && line[i + 1] == '\'') {
            i += 2;
            continue;
          }
          quote_ = 0;
          if (flow_depth_ == 0) mode = kAfterNode;
        }
        ++i;
        continue;
      }
      const bool after_space = i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t';
      if (c == '#' && after_space) return true;
      if (flow_depth_ > 0) {
        if (c == '[' || c == '{') {
          ++flow_depth_;
          if (Deep()) return false;
        } else if (c == ']' || c == '}') {
          if (--flow_depth_ == 0) {
            if (line_start_ + i - flow_start_ > kMaxYamlFlowBytes) {
              FlowTooLong();
              return false;
            }
            mode = kAfterNode;
          }
        } else if (c == '"' || c == '\'') {
          // A quote opens a quoted scalar unless it is inside a word
          // ("don't"). Taking too many for openers only keeps the flow
          // collection open (and measured) longer; too few could close it
          // early on a bracket inside a quoted scalar.
          const char before = i == 0 ? ' ' : line[i - 1];
          if (before == ' ' || before == '\t' || before == '[' || before == '{' || before == ',' || before == ':' ||
              before == '?' || before == '-') {
            OpenQuote(c, i);
          }
        }
        ++i;
        continue;
      }
      // Block context.
      if (c == ' ' || c == '\t') {
        ++i;
        continue;
      }
      if (mode == kAfterNode) {
        // ": " makes the node a key; anything else is an error to yaml-cpp's
        // parser, but its scanner reads it first, so it is read as a node.
        mode = kNodeStart;
        if (c == ':' && (i + 1 == line.size() || line[i + 1] == ' ' || line[i + 1] == '\t')) {
          owner = static_cast<long>(node_column);
          ++i;
        }
        continue;
      }
      // A node starts at i.
      if ((c == '-' || c == '?' || c == ':') && (i + 1 == line.size() || line[i + 1] == ' ' || line[i + 1] == '\t')) {
        owner = static_cast<long>(i);
        Push(i + 2, c == '-' ? 2 : 1);
        if (Deep()) return false;
        i += 2;
        continue;
      }
      node_column = i;
      if (c == '&' || c == '!' || c == '*') {  // an anchor, a tag (the node follows) or an alias
        while (i < line.size() && line[i] != ' ' && line[i] != '\t' && !IsFlowIndicator(line[i])) ++i;
        continue;
      }
      if (c == '[' || c == '{') {
        flow_depth_ = 1;
        flow_start_ = line_start_ + i;
        flow_line_ = line_no_;
        if (Deep()) return false;
        ++i;
        continue;
      }
      if (c == '"' || c == '\'') {
        OpenQuote(c, i);
        ++i;
        continue;
      }
      if (c == '|' || c == '>') {
        block_scalar_ = true;
        block_owner_ = owner;
        // An indentation indicator ("|2", ">-4") fixes the content's
        // indentation; otherwise the first line does.
        block_indent_ = -1;
        for (std::size_t h = i + 1; h < line.size() && h < i + 3; ++h) {
          if (line[h] >= '1' && line[h] <= '9') block_indent_ = owner + (line[h] - '0');
        }
        return true;
      }
      // A plain scalar: to ": " (it was a key), " #" or the end of the line.
      for (;;) {
        if (i >= line.size()) {
          plain_open_ = true;
          plain_owner_ = owner;
          return true;
        }
        if (line[i] == ':' && (i + 1 == line.size() || line[i + 1] == ' ' || line[i + 1] == '\t')) {
          owner = static_cast<long>(node_column);
          ++i;
          break;
        }
        if (line[i] == '#' && i > node_column && (line[i - 1] == ' ' || line[i - 1] == '\t')) return true;
        ++i;
      }
    }
    return true;
  }

  static bool IsFlowIndicator(char c) { return c == '[' || c == ']' || c == '{' || c == '}' || c == ','; }

  void OpenQuote(char c, std::size_t i) {
    quote_ = c;
    quote_start_ = line_start_ + i;
    quote_line_ = line_no_;
  }
  void Push(std::size_t column, int weight) {
    levels_.push_back({static_cast<long>(column), weight});
    weight_ += weight;
  }
  void Pop() {
    weight_ -= levels_.back().weight;
    levels_.pop_back();
  }
  // True (and error_ set) past the depth limit.
  bool Deep() {
    if (weight_ + flow_depth_ + 1 <= kMaxApiDocumentDepth) return false;
    error_ = "nested deeper than " + std::to_string(kMaxApiDocumentDepth) + " levels (YAML line " +
             std::to_string(line_no_) + ")";
    return true;
  }
  // Sets and returns error_.
  const std::string& FlowTooLong() {
    error_ = "a YAML flow collection (from line " + std::to_string(flow_line_) + ") is longer than " +
             std::to_string(kMaxYamlFlowBytes >> 10) + " KiB";
    return error_;
  }

  std::vector<Level> levels_;
  int weight_ = 0;
  int flow_depth_ = 0;
  std::size_t flow_start_ = 0;
  std::size_t flow_line_ = 0;
  char quote_ = 0;
  std::size_t quote_start_ = 0, quote_line_ = 0;
  bool block_scalar_ = false;
  long block_owner_ = -1;
  long block_indent_ = -1;  // of its first line, once seen
  bool plain_open_ = false;
  long plain_owner_ = -1;
  std::size_t line_no_ = 0, line_start_ = 0;
  std::string error_;
};

// A read-only stream over text that lives elsewhere (no copy of 16 MiB).
class ViewBuffer final : public std::streambuf {
 public:
  explicit ViewBuffer(std::string_view text) {
    char* begin = const_cast<char*>(text.data());
    setg(begin, begin, begin + text.size());
  }
};

// yaml-cpp's events as the extractor's: keys and values alternate in a map.
class YamlEvents final : public YAML::EventHandler {
 public:
  explicit YamlEvents(Extractor& out) : out_(out) {}

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override { Scalar(ValueKind::kNull, ""); }
  void OnAlias(const YAML::Mark&, YAML::anchor_t anchor) override {
    auto it = anchored_.find(anchor);
    if (it == anchored_.end()) {
      Scalar(ValueKind::kAlias, "");
    } else {
      Scalar(ValueKind::kString, it->second);
    }
  }
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t anchor, const std::string& value) override {
    if (anchor != YAML::NullAnchor && value.size() <= kMaxAliasedScalarBytes) anchored_[anchor] = value;
    Scalar(ValueKind::kString, value);
  }
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    Start(false);
  }
  void OnSequenceEnd() override { End(); }
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    Start(true);
  }
  void OnMapEnd() override { End(); }

 private:
  struct Frame {
    bool is_map;
    bool expect_key = true;
    bool is_key = false;  // this collection is a (complex) key of its parent
  };

  bool AtKey() const { return !frames_.empty() && frames_.back().is_map && frames_.back().expect_key; }
  void ValueDone() {
    if (!frames_.empty() && frames_.back().is_map) frames_.back().expect_key = true;
  }

  void Scalar(ValueKind kind, const std::string& value) {
    if (AtKey()) {
      out_.Key(kind == ValueKind::kAlias ? "" : value);
      frames_.back().expect_key = false;
      return;
    }
    if (!out_.Value(kind, value)) throw StopParsing();
    ValueDone();
  }
  void Start(bool is_map) {
    const bool is_key = AtKey();
    if (is_key) out_.Key("");  // a collection as a key names nothing the checks read
    if (!out_.StartContainer(is_map)) throw StopParsing();
    frames_.push_back({is_map, true, is_key});
  }
  void End() {
    const bool was_key = !frames_.empty() && frames_.back().is_key;
    if (!frames_.empty()) frames_.pop_back();
    if (!out_.EndContainer()) throw StopParsing();
    if (was_key && !frames_.empty()) {
      frames_.back().expect_key = false;
    } else {
      ValueDone();
    }
  }

  Extractor& out_;
  std::vector<Frame> frames_;
  std::map<YAML::anchor_t, std::string> anchored_;  // scalars only: at most the text's size
};

StatusOr<ApiDocument> ParseYaml(std::string_view text) {
  if (text.size() > kMaxApiYamlBytes) {
    return Status::Error("the YAML document is larger than " + std::to_string(kMaxApiYamlBytes >> 20) + " MiB");
  }
  if (Status shape = YamlShape().Check(text); !shape.ok()) return shape;
  Extractor extractor;
  YamlEvents events(extractor);
  ViewBuffer buffer(text);
  std::istream in(&buffer);
  try {
    YAML::Parser parser(in);
    parser.HandleNextDocument(events);
  } catch (const StopParsing&) {
    return Status::Error(extractor.error());
  } catch (const YAML::Exception& e) {
    if (!extractor.error().empty()) return Status::Error(extractor.error());
    return Status::Error("invalid YAML at line " + std::to_string(e.mark.line + 1) + ", column " +
                         std::to_string(e.mark.column + 1) + ": " + Excerpt(e.msg, 160));
  } catch (const std::exception& e) {
    return Status::Error("invalid YAML: " + Excerpt(e.what(), 160));
  }
  return extractor.Finish("YAML");
}

}  // namespace

StatusOr<ApiDocument> ParseApiDocument(std::string_view media_type, std::string_view body) {
  if (StartsWith(body, kBom)) body.remove_prefix(kBom.size());
  const std::string_view trimmed = Trim(body);
  if (trimmed.empty()) return Status::Error("not an OpenAPI or Swagger document: the body is empty");
  if (StartsWith(body, "\xFF\xFE") || StartsWith(body, "\xFE\xFF")) {
    return Status::Error("the document is UTF-16: OpenAPI documents are UTF-8");
  }
  if (!IsValidUtf8(body)) return Status::Error("the document is not valid UTF-8");
  if (EqualsIgnoreCase(media_type, "text/html") || trimmed[0] == '<') {
    return Status::Error("not an OpenAPI or Swagger document: an HTML page (" +
                         (media_type.empty() ? std::string("no Content-Type") : Excerpt(media_type, 60)) +
                         "), perhaps Swagger UI rather than the document it shows");
  }
  if (trimmed[0] != '{') return ParseYaml(body);
  StatusOr<ApiDocument> json = ParseJson(trimmed);
  const bool declared_json = EqualsIgnoreCase(media_type, "application/json") || EndsWith(ToLower(media_type), "+json");
  if (json.ok() || declared_json || !StartsWith(json.status().message(), kInvalidJson)) return json;
  // YAML in flow style ("{openapi: 3.0.0, …}") is not JSON; if it is not
  // YAML either, the JSON error is the one that helps.
  StatusOr<ApiDocument> yaml = ParseYaml(body);
  return yaml.ok() ? yaml : json;
}

bool HasMajorVersion(std::string_view path_or_url) {
  std::string_view p = path_or_url.substr(0, path_or_url.find_first_of("?#"));
  std::size_t authority = p.find("://");
  if (authority != std::string_view::npos) {
    authority += 3;
  } else if (StartsWith(p, "//")) {
    authority = 2;
  }
  if (authority != std::string_view::npos) {
    const std::size_t slash = p.find('/', authority);
    p = slash == std::string_view::npos ? std::string_view() : p.substr(slash);
  }
  std::string_view previous;
  while (!p.empty()) {
    const std::size_t slash = p.find('/');
    const std::string_view segment = p.substr(0, slash);
    if (IsVersionSegment(segment)) return true;
    if (AllDigits(segment) && EqualsIgnoreCase(previous, "api")) return true;
    previous = segment;
    p = slash == std::string_view::npos ? std::string_view() : p.substr(slash + 1);
  }
  return false;
}

bool IsSemver(std::string_view version) {
  std::string_view v = version;
  if (StartsWith(v, "v")) v.remove_prefix(1);
  const std::size_t plus = v.find('+');
  if (plus != std::string_view::npos) {
    if (!Identifiers(v.substr(plus + 1), false)) return false;
    v = v.substr(0, plus);
  }
  const std::size_t dash = v.find('-');
  if (dash != std::string_view::npos) {
    if (!Identifiers(v.substr(dash + 1), true)) return false;
    v = v.substr(0, dash);
  }
  int parts = 0;
  std::size_t start = 0;
  for (;;) {
    const std::size_t dot = v.find('.', start);
    if (!NumericIdentifier(v.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start))) {
      return false;
    }
    ++parts;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return parts == 3;
}

bool IsVersionHeaderName(std::string_view name) {
  const std::string lower = ToLower(Trim(name));
  return EndsWith(lower, "api-version") || lower == "accept-version" || lower == "version" || lower == "x-version";
}

bool IsVersionedMediaType(std::string_view media_type) {
  const std::string lower = ToLower(media_type);
  const std::string_view type = std::string_view(lower).substr(0, lower.find(';'));
  const std::size_t semicolon = lower.find(';');
  if (semicolon != std::string::npos) {
    std::string_view params = std::string_view(lower).substr(semicolon + 1);
    while (!params.empty()) {
      const std::size_t next = params.find(';');
      const std::string_view param = params.substr(0, next);
      const std::size_t eq = param.find('=');
      if (eq != std::string_view::npos) {
        const std::string_view name = Trim(param.substr(0, eq));
        const std::string_view value = Trim(param.substr(eq + 1));
        if ((name == "version" || name == "v" || name == "api-version") && !value.empty()) return true;
      }
      params = next == std::string_view::npos ? std::string_view() : params.substr(next + 1);
    }
  }
  const std::size_t slash = type.find('/');
  if (slash == std::string_view::npos) return false;
  std::string_view subtype = Trim(type.substr(slash + 1));
  while (!subtype.empty()) {
    const std::size_t cut = subtype.find_first_of(".-+");
    if (IsVersionSegment(subtype.substr(0, cut))) return true;
    subtype = cut == std::string_view::npos ? std::string_view() : subtype.substr(cut + 1);
  }
  return false;
}

}  // namespace probity

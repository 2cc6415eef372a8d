#include "checks/api_checks.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <set>
#include <vector>

#include "checks/context.h"
#include "core/text.h"
#include "core/trace_context.h"
#include "http/url.h"

namespace probity {
namespace {

constexpr std::size_t kStackTraceScanBytes = 1024 * 1024;
constexpr char kProblemJson[] = "application/problem+json";

std::string Get(const std::string& url) {
  StatusOr<Url> u = ParseUrl(url);
  return "GET " + Excerpt(u.ok() ? u->target : url, 100);
}

bool Is2xx(int status) { return status >= 200 && status < 300; }

std::string Join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : std::string(separator)) + p;
  return out;
}

bool Contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// The top level of a JSON error body: its kind, and its "status" member.
class ErrorBodyReader final : public nlohmann::json_sax<nlohmann::json> {
 public:
  enum class Top { kNone, kObject, kArray, kScalar };
  Top top = Top::kNone;
  bool has_status = false;
  std::optional<double> status_number;  // when "status" is a number
  std::string status_kind;              // "a string", "an object" … otherwise

  bool null() override { return Scalar("null", std::nullopt); }
  bool boolean(bool) override { return Scalar("a boolean", std::nullopt); }
  bool number_integer(number_integer_t v) override { return Scalar("", static_cast<double>(v)); }
  bool number_unsigned(number_unsigned_t v) override { return Scalar("", static_cast<double>(v)); }
  bool number_float(number_float_t v, const string_t&) override { return Scalar("", v); }
  bool string(string_t&) override { return Scalar("a string", std::nullopt); }
  bool binary(binary_t&) override { return Scalar("binary", std::nullopt); }
  bool start_object(std::size_t) override { return Open(Top::kObject, "an object"); }
  bool key(string_t& k) override {
    if (depth_ == 1) at_status_ = k == "status";
    return true;
  }
  bool end_object() override { return Close(); }
  bool start_array(std::size_t) override { return Open(Top::kArray, "a list"); }
  bool end_array() override { return Close(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }

 private:
  bool Scalar(std::string_view kind, std::optional<double> number) {
    if (depth_ == 0) top = Top::kScalar;
    if (depth_ == 1 && at_status_) SetStatus(kind, number);
    return true;
  }
  bool Open(Top kind, std::string_view name) {
    if (depth_ == 0) top = kind;
    if (depth_ == 1 && at_status_) SetStatus(name, std::nullopt);
    ++depth_;
    return true;
  }
  bool Close() {
    --depth_;
    return true;
  }
  void SetStatus(std::string_view kind, std::optional<double> number) {
    has_status = true;
    status_number = number;
    status_kind = std::string(kind);
    at_status_ = false;
  }

  int depth_ = 0;
  bool at_status_ = false;
};

// Reads a JSON body; false when it is not JSON.
bool ReadJson(std::string_view body, ErrorBodyReader* out) {
  try {
    return nlohmann::json::sax_parse(body.begin(), body.end(), out);
  } catch (const std::exception&) {
    return false;
  }
}

std::string StatusText(double status) {
  const long whole = static_cast<long>(status);
  return static_cast<double>(whole) == status ? std::to_string(whole) : std::to_string(status);
}

}  // namespace

std::string_view StackTraceKind(std::string_view body) {
  const std::string_view b = body.substr(0, kStackTraceScanBytes);
  if (Contains(b, "Traceback (most recent call last)")) return "a Python traceback";
  if (Contains(b, "Exception in thread \"") ||
      (Contains(b, ".java:") && (Contains(b, "\tat ") || Contains(b, "\\tat ")))) {
    return "a Java stack trace";
  }
  if (Contains(b, "goroutine ") && Contains(b, " [running]")) return "a Go panic";
  if (Contains(b, ".cs:line ")) return "a .NET stack trace";
  if (Contains(b, "    at ") &&
      (Contains(b, ".js:") || Contains(b, ".mjs:") || Contains(b, ".cjs:") || Contains(b, ".ts:"))) {
    return "a JavaScript stack trace";
  }
  if (Contains(b, ".rb:") && Contains(b, ":in `")) return "a Ruby backtrace";
  if (Contains(b, "Stack trace:") && Contains(b, "#0 ")) return "a PHP stack trace";
  return "";
}

Verdict JudgeDocsPublished(const std::string& url, const StatusOr<HttpResponse>& answer,
                           const StatusOr<ApiDocument>& doc) {
  const std::string get = Get(url);
  if (!answer.ok()) return Verdict::Error(get + ": " + answer.status().message());
  const HttpResponse& r = *answer;
  if (!Is2xx(r.status)) {
    return Verdict::Fail(get + " answered " + std::to_string(r.status) + ": no API document there",
                         "serve the OpenAPI document (FastAPI: /openapi.json; springdoc: /v3/api-docs) or "
                         "configure its URL in the target's endpoints");
  }
  if (r.body_truncated) {
    return Verdict::Fail(get + ": the document is larger than the body limit (http.max_body_bytes) and was cut",
                         "raise http.max_body_bytes for this target");
  }
  if (!doc.ok()) return Verdict::Fail(get + ": " + doc.status().message());
  if (!doc->defects.empty()) {
    return Verdict::Fail(get + ": " + doc->spec + " document, but " + Join(doc->defects, ", "),
                         "give the document an info.title and an info.version");
  }
  std::string detail = get + ": " + doc->spec + " (" + doc->format + ") \"" + Excerpt(doc->title, 60) +
                       "\" version " + Excerpt(doc->version, 40) + ", " + std::to_string(doc->path_count) +
                       (doc->path_count == 1 ? " path" : " paths");
  return Verdict::Pass(detail);
}

namespace {

// Paths every service serves beside its API (health, metrics, lifecycle,
// the documentation itself), which are conventionally unversioned.
bool IsOperationalPath(std::string_view path) {
  static const std::set<std::string_view> kExact = {
      "/metrics", "/healthz", "/livez",        "/readyz",       "/health",      "/ready",   "/live",
      "/status",  "/ping",    "/openapi.json", "/openapi.yaml", "/swagger.json", "/docs",    "/redoc"};
  return kExact.count(path) == 1 || StartsWith(path, "/-/") || StartsWith(path, "/health/") ||
         StartsWith(path, "/actuator/") || StartsWith(path, "/docs/");
}

}  // namespace

Verdict JudgeDocsVersioned(const ApiDocument& doc) {
  std::vector<std::string> missing;
  const bool semver = IsSemver(doc.version);
  if (doc.version.empty()) {
    missing.push_back("info.version is missing");
  } else if (!semver) {
    missing.push_back("info.version \"" + Excerpt(doc.version, 40) +
                      "\" is not a semantic version (MAJOR.MINOR.PATCH, as 1.2.0)");
  }

  std::string carrier;
  for (const std::string& server : doc.servers) {
    if (HasMajorVersion(server)) {
      carrier = "the server URL " + Excerpt(server, 80) + " carries the major version";
      break;
    }
  }
  std::size_t versioned = 0, api_paths = 0;
  std::string example;
  for (const std::string& path : doc.paths) {
    if (IsOperationalPath(path)) continue;
    ++api_paths;
    if (!HasMajorVersion(path)) continue;
    if (++versioned == 1) example = path;
  }
  const std::string of = std::to_string(versioned) + " of " +
                         (doc.paths.size() < doc.path_count ? "the first " : "") + std::to_string(api_paths) +
                         " API paths";
  if (carrier.empty() && api_paths > 0 && versioned * 2 >= api_paths) {
    carrier = of + " carry a major version (" + Excerpt(example, 60) + ")";
  }
  if (carrier.empty() && doc.version_header) carrier = "a version header is documented";
  if (carrier.empty() && doc.version_media_type) carrier = "a versioned media type is documented";
  if (carrier.empty()) {
    std::string where;
    if (api_paths == 0) {
      where = doc.paths.empty() ? "the document lists no paths" : "the document lists only operational paths";
    } else if (versioned == 0) {
      where = "no path carries a major version (as /v1/… would)";
    } else {
      where = "only " + of + " carry a major version (" + Excerpt(example, 60) + ")";
    }
    missing.push_back(where + ", nor does a server URL, a documented version header or a media type");
  }

  if (!missing.empty()) {
    return Verdict::Fail(Join(missing, "; "),
                         "version the API: a semantic info.version, and the major version in the paths "
                         "(/v1/…), the server URL, a version header or a media type");
  }
  return Verdict::Pass("info.version " + Excerpt(doc.version, 40) + " is a semantic version, and " + carrier);
}

Verdict JudgeErrorsStructured(const std::string& url, const StatusOr<HttpResponse>& answer_to_unknown_route) {
  const std::string get = Get(url) + " (a route that should not exist)";
  if (!answer_to_unknown_route.ok()) return Verdict::Error(get + ": " + answer_to_unknown_route.status().message());
  const HttpResponse& r = *answer_to_unknown_route;
  const std::string answered = get + " answered " + std::to_string(r.status);
  const std::string_view trace = StackTraceKind(r.body);
  const std::string with_trace = trace.empty() ? "" : " with " + std::string(trace) + " in the body";
  const char* kRemedy = "answer unknown routes with 404 and a JSON body, ideally application/problem+json (RFC 9457)";

  if (Is2xx(r.status)) {
    return Verdict::Fail(answered + ": an unknown route should answer 404 (is there a catch-all route?)", kRemedy);
  }
  if (r.status >= 500) {
    return Verdict::Fail(answered + with_trace + ": an unknown route should answer 404, not a server error",
                         trace.empty() ? kRemedy : "never send stack traces to clients; " + std::string(kRemedy));
  }
  if (r.status >= 300 && r.status < 400) {
    const std::string location = r.Header("location");
    return Verdict::Fail(answered + (location.empty() ? "" : " (to " + Excerpt(location, 80) + ")") +
                             ": an unknown route should answer 404, not a redirect",
                         kRemedy);
  }
  if (r.status != 404) {
    std::string why = answered + ", not 404";
    if (r.status == 401 || r.status == 403) why += " (the API may hide its routes from anonymous callers)";
    return Verdict::Fail(why, kRemedy);
  }
  if (!trace.empty()) {
    return Verdict::Fail(answered + with_trace, "never send stack traces to clients; " + std::string(kRemedy));
  }
  const std::string media_type = r.MediaType();
  const std::string type_text = media_type.empty() ? "no Content-Type" : Excerpt(media_type, 60);
  const std::string_view body = Trim(r.body);
  if (body.empty()) return Verdict::Fail(answered + " with an empty body (" + type_text + ")", kRemedy);
  if (r.body_truncated) {
    return Verdict::Fail(answered + " with a body larger than the body limit (http.max_body_bytes)", kRemedy);
  }
  if (media_type == "text/html" || media_type == "application/xhtml+xml" || StartsWith(body, "<")) {
    return Verdict::Fail(answered + " with an HTML page (" + type_text + "), not JSON", kRemedy);
  }
  ErrorBodyReader json;
  const bool is_json = ReadJson(body, &json);
  const bool json_type = media_type == "application/json" || EndsWith(media_type, "+json");
  if (!json_type) {
    return Verdict::Fail(answered + (is_json ? " with a JSON body declared as " + type_text +
                                                   ": declare application/json or application/problem+json"
                                             : " with a " + type_text + " body, not JSON"),
                         kRemedy);
  }
  if (!is_json) return Verdict::Fail(answered + " declaring " + type_text + ", but the body is not JSON", kRemedy);
  if (json.top != ErrorBodyReader::Top::kObject) {
    return Verdict::Fail(answered + " with JSON that is " +
                             (json.top == ErrorBodyReader::Top::kArray ? "a list" : "a single value") +
                             ", not an object",
                         kRemedy);
  }
  if (media_type != kProblemJson) {
    return Verdict::Pass(answered + " with a JSON object (" + type_text +
                         "); not application/problem+json (RFC 9457), which clients can read without knowing "
                         "this API");
  }
  if (!json.has_status) {
    return Verdict::Pass(answered + " with application/problem+json (RFC 9457 problem details) without a "
                                    "status member");
  }
  if (!json.status_number) {
    return Verdict::Pass(answered + " with application/problem+json (RFC 9457 problem details); its status is " +
                         json.status_kind + ", RFC 9457 wants the number 404");
  }
  if (*json.status_number != r.status) {
    return Verdict::Fail(answered + " with application/problem+json whose status says " +
                             StatusText(*json.status_number) + ": RFC 9457 wants it equal to the HTTP status",
                         "set the problem details' status to the HTTP status code");
  }
  return Verdict::Pass(answered + " with application/problem+json (RFC 9457 problem details, status 404)");
}

namespace {

// The target's OpenAPI document as this run read it: the answer (shared
// with discovery, which fetched it) and what was parsed from it.
struct ApiDoc {
  std::string url;
  StatusOr<ApiDocument> doc = Status::Error("not read");

  static ApiDoc Compute(ProbeContext& ctx) {
    ApiDoc out;
    out.url = ctx.endpoints().openapi.url;
    const StatusOr<HttpResponse>& r = ctx.Get(out.url);
    if (!r.ok()) return out;
    // A cut or failed answer is no document to judge: published says why.
    if (r->body_truncated) {
      out.doc = Status::Error("the document was cut at the body limit");
    } else if (r->status < 200 || r->status > 299) {
      out.doc = Status::Error("answered " + std::to_string(r->status));
    } else {
      out.doc = ParseApiDocument(r->MediaType(), r->body);
    }
    return out;
  }
};

// The category is skipped for a target that serves no HTTP API.
std::optional<Verdict> NoApi(const ProbeContext& ctx) {
  const Endpoint& e = ctx.endpoints().openapi;
  if (e.found()) return std::nullopt;
  return Verdict::Skip("no OpenAPI document: " + e.missing_reason);
}

Verdict DocsPublished(ProbeContext& ctx, const CheckParams&) {
  if (auto skip = NoApi(ctx)) return *skip;
  const ApiDoc& api = ctx.Fact<ApiDoc>();
  return JudgeDocsPublished(api.url, ctx.Get(api.url), api.doc);
}

Verdict DocsVersioned(ProbeContext& ctx, const CheckParams&) {
  if (auto skip = NoApi(ctx)) return *skip;
  const ApiDoc& api = ctx.Fact<ApiDoc>();
  if (!api.doc.ok()) {
    const bool answered = ctx.Get(api.url).ok();
    return Verdict::NotEvaluated(answered ? CheckStatus::kFail : CheckStatus::kError, "api.docs.published",
                                 answered ? "the OpenAPI document cannot be read"
                                          : "the OpenAPI document is unreachable");
  }
  return JudgeDocsVersioned(*api.doc);
}

Verdict ErrorsStructured(ProbeContext& ctx, const CheckParams&) {
  if (auto skip = NoApi(ctx)) return *skip;
  // When the target could not be reached, ask no more: one timeout per run.
  const StatusOr<HttpResponse>& doc = ctx.Get(ctx.endpoints().openapi.url);
  if (!doc.ok()) return JudgeErrorsStructured(ctx.endpoints().openapi.url, doc);
  StatusOr<Url> base = ParseUrl(ctx.target().url);
  if (!base.ok()) return Verdict::Error("target URL is invalid: " + base.status().message());
  HttpRequest request;
  request.url = ResolveEndpoint(*base, "/probity-no-such-route-" + NewRequestId());
  request.headers.emplace_back("Accept", "application/json, application/problem+json;q=0.9, */*;q=0.1");
  return JudgeErrorsStructured(request.url, ctx.Fetch(request));
}

}  // namespace

const std::vector<CheckInfo>& ApiChecks() {
  static const std::vector<CheckInfo> checks = {
      {"api.docs.published", Severity::kWarning, Level::kGold,
       "an OpenAPI 3.x or Swagger 2.0 document is reachable (discovered or configured), parses as JSON or YAML, "
       "and has info.title and info.version",
       "An OpenAPI document is what clients, generated SDKs, API gateways and contract tests are built from: without "
       "one, consumers reverse-engineer the API from traffic and breaking changes are found in production.",
       "publish the API's OpenAPI document (FastAPI and springdoc do at /openapi.json and /v3/api-docs), or set "
       "endpoints.openapi to where it lives",
       {}, {.openapi = true}, DocsPublished},
      {"api.docs.versioned", Severity::kWarning, Level::kGold,
       "info.version is a semantic version and the paths or servers carry a major version (/v1/…), or a version "
       "header or media type is documented",
       "Without a major version in the path, server URL or media type, a breaking change cannot be served beside the "
       "old API: every client must move at the same moment or break, and consumers cannot tell which version they "
       "call.",
       "version the API: a semantic info.version and the major version in the paths (/v1/…) or the server URL", {},
       {.openapi = true}, DocsVersioned},
      {"api.errors.structured", Severity::kInfo, Level::kNone,
       "an unknown route gets a 404 with a JSON body (ideally application/problem+json, RFC 9457, with status "
       "equal to the HTTP code), not HTML or a stack trace",
       "Clients, gateways and retry logic can act on a JSON error's status and reason, but not on an HTML page or a "
       "stack trace, which also shows an attacker the framework, versions and code paths behind the API.",
       "answer unknown routes and errors with JSON, ideally application/problem+json (RFC 9457)", {},
       {.openapi = true}, ErrorsStructured},
  };
  return checks;
}

}  // namespace probity

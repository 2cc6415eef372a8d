#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "api/openapi.h"
#include "checks/check.h"
#include "core/status.h"
#include "http/http_client.h"

namespace probity {

// The `api` category of CHECKS.md, defined in api_checks.cc: the OpenAPI
// document discovery found (or endpoints.openapi) and an unknown route.
// Skipped for a target that serves no OpenAPI document.
const std::vector<CheckInfo>& ApiChecks();

// The `api` category of CHECKS.md as pure judgements over what the probe
// fetched and parsed: no I/O, no clock. A transport failure (no answer at
// all) is kError, as in the other categories; every answer, whatever its
// status, is judged. Details name the request ("GET /openapi.json") and
// quote the target's text only as short printable excerpts.

// api.docs.published: `answer` is the GET of the document at `url`, `doc`
// what ParseApiDocument made of its body (ignored unless the answer is a
// complete 2xx). Passes when the document is OpenAPI 3.x or Swagger 2.0 and
// has info.title and info.version; a non-2xx answer, a body cut at the size
// limit, an unparsable or non-OpenAPI body, or a missing title or version
// fails, the detail saying which.
Verdict JudgeDocsPublished(const std::string& url, const StatusOr<HttpResponse>& answer,
                           const StatusOr<ApiDocument>& doc);

// api.docs.versioned: passes when info.version IsSemver and the major
// version is carried somewhere: a server URL with HasMajorVersion, at least
// half of the (kept) paths with HasMajorVersion (routes such as /healthz
// commonly stay outside the version prefix), a documented version header, or
// a versioned media type. The detail says what was found or, on failure,
// everything that is missing.
Verdict JudgeDocsVersioned(const ApiDocument& doc);

// api.errors.structured: `answer_to_unknown_route` is the GET of a path the
// service cannot have (`url`). Passes on a 404 whose body is a JSON object
// declared as application/json or any "+json" type; the detail notes whether
// it is application/problem+json (RFC 9457) with a `status` equal to 404 (a
// problem+json `status` that is not a number is noted, not failed). Fails on
// a 2xx (the route "exists"), a 3xx, a 5xx, any other 4xx, an empty body,
// HTML, text or undeclared JSON, JSON that is not an object, a body with a
// stack trace (whatever its type), and problem+json whose `status` number
// disagrees with the HTTP status.
Verdict JudgeErrorsStructured(const std::string& url, const StatusOr<HttpResponse>& answer_to_unknown_route);

// What kind of stack trace an error body shows ("a Python traceback", "a
// Java stack trace", "a JavaScript stack trace", "a Go panic", "a .NET stack
// trace", "a Ruby backtrace", "a PHP stack trace"), raw or escaped inside a
// JSON string; "" when none is found in its first MiB.
std::string_view StackTraceKind(std::string_view body);

}  // namespace probity

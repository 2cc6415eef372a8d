#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace probity {

// How many paths and servers a document keeps: the rest are counted (paths)
// or dropped (servers). A body at the size limit could list a million.
inline constexpr std::size_t kMaxApiPaths = 1000;
inline constexpr std::size_t kMaxApiServers = 100;

// Nesting deeper than this is refused, in JSON and in YAML alike. No API
// description comes near it; yaml-cpp recurses once per level and gives up
// at 500 itself.
inline constexpr int kMaxApiDocumentDepth = 256;

// Larger bodies are refused before parsing. JSON is read in one streaming
// pass that keeps only the facts below; YAML goes through yaml-cpp's event
// parser (no node tree), whose scanner still holds up to ~12 times the text
// on hostile input (10 MB of explicit keys: ~120 MB, ~5 s), hence the lower
// YAML limit.
inline constexpr std::size_t kMaxApiJsonBytes = 64 * 1024 * 1024;
inline constexpr std::size_t kMaxApiYamlBytes = 16 * 1024 * 1024;

// A YAML flow collection ("[…]", "{…}") longer than this is refused: yaml-cpp
// queues every token of an open flow collection, ~90 bytes a byte of input.
// API descriptions write short ones (`required: [id, name]`).
inline constexpr std::size_t kMaxYamlFlowBytes = 64 * 1024;

// What the api checks need to know about an OpenAPI (3.x) or Swagger (2.0)
// document. Filled in one pass over the text; nothing else of the document
// is kept.
struct ApiDocument {
  std::string spec;     // "OpenAPI 3.1.0" or "Swagger 2.0", as the document states it
  std::string format;   // "JSON" or "YAML"
  std::string title;    // info.title as written (a JSON number keeps its text); "" when missing
  std::string version;  // info.version, likewise
  // Why the document is not a complete description, one phrase each, in
  // document terms: "info.title is missing", "info.version is empty",
  // "info.title is not a string (an object)". Empty when title and version
  // are both there. api.docs.published fails on any of them.
  std::vector<std::string> defects;
  std::vector<std::string> paths;  // the keys of `paths` (extensions "x-…" left out), the first kMaxApiPaths
  std::size_t path_count = 0;      // all of them, kept or not
  // Top-level servers[].url (3.x) with each {variable} replaced by its
  // default, or for 2.0 the first of `schemes` + host + basePath
  // ("https://api.example.com/v1", "//api.example.com/v1" without schemes,
  // "/v1" with only a basePath). At most kMaxApiServers.
  std::vector<std::string> servers;
  // A parameter object anywhere in the document (an object with
  // "in": "header") whose name IsVersionHeaderName accepts.
  bool version_header = false;
  // A media type that IsVersionedMediaType accepts, among the keys of any
  // `content` object (3.x) or the entries of any `produces` / `consumes`
  // list (2.0).
  bool version_media_type = false;
};

// Parses an API description. `media_type` is the answer's Content-Type
// without parameters ("" when unknown). The body is JSON when its first
// character other than white space (and a UTF-8 byte order mark) is '{',
// YAML otherwise. A '{' body that is not JSON is read as YAML in flow style
// ("{openapi: 3.0.0, …}") unless the media type says JSON
// (application/json, *+json); the JSON syntax error is reported when it is
// neither. Never throws; a non-OK Status says, in one line, why the
// body is not a usable OpenAPI or Swagger document:
//   - an HTML page (text/html, or a body starting with '<'): Swagger UI's
//     page is often found where the document was expected;
//   - empty, not valid UTF-8 (or UTF-16), larger than kMaxApiJsonBytes /
//     kMaxApiYamlBytes, nested deeper than kMaxApiDocumentDepth, a YAML flow
//     collection longer than kMaxYamlFlowBytes, a YAML quoted scalar longer
//     than 256 KiB (see openapi.cc: what bounds yaml-cpp's work);
//   - a JSON or YAML syntax error (with byte offset or line and column);
//   - a top level that is not an object or mapping;
//   - "no openapi or swagger field"; Swagger 1.x ("swaggerVersion"); an
//     `openapi` other than 3.x or a `swagger` other than "2.0".
// A document that is OpenAPI/Swagger but lacks info.title or info.version
// is returned (with `defects` saying so), so that the judgement can name
// what is missing.
//
// YAML specifics: only the first document of a stream is read; plain
// scalars are taken as written (`version: 1.0` gives "1.0"); an alias stands
// for the scalar its anchor names when that scalar is at most 1 KiB; a longer
// one and a collection are not expanded, so alias bombs cost nothing (a
// collection reached only through an alias is not looked into). At most 64
// variables are read per server, and a server URL over 4 KiB is kept as it is.
StatusOr<ApiDocument> ParseApiDocument(std::string_view media_type, std::string_view body);

// True when a path or URL has a path segment that names a major version:
// "v" or "V", digits, then optionally ".minor[.patch]" or a Kubernetes-style
// "alpha"/"beta" stage with optional digits. So "/v1/items", "/api/v2/x",
// "/v1", "https://h/api/v3", "/apis/apps/v1beta1", "/v2alpha", "/v1.2/x"
// are true; "/vault", "/v", "/v1-beta", "/api-v1", "/2024-01-01/x" and
// host names ("https://v1.example.com/") are false. A segment of digits
// only counts right after a segment "api" ("/rest/api/2/issue", Jira's
// style); elsewhere ("/items/42") it is not a version. The query and the
// fragment are ignored.
bool HasMajorVersion(std::string_view path_or_url);

// True for a Semantic Versioning 2.0.0 version (https://semver.org):
// MAJOR.MINOR.PATCH without leading zeros, an optional "-pre.release" and
// an optional "+build". One leading "v" is allowed ("v1.2.0"): SemVer's
// FAQ calls it a common prefix, and API documents use it. "1.0", "0.1",
// "01.2.3", "1.2.3-" and "latest" are false.
bool IsSemver(std::string_view version);

// True for a header name that carries an API version: "api-version" and
// anything ending in it ("x-api-version", "x-github-api-version"),
// "accept-version", "version", "x-version" (case-insensitive).
bool IsVersionHeaderName(std::string_view name);

// True for a media type that carries a version: a subtype segment (split at
// '.', '-' and '+') that is a version ("application/vnd.github.v3+json",
// "application/vnd.acme-v2+json"), or a "version" / "v" / "api-version"
// parameter ("application/json; version=2").
bool IsVersionedMediaType(std::string_view media_type);

}  // namespace probity

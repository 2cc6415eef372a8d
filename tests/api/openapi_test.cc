#include <httplib.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api/openapi.h"
#include "checks/api_checks.h"
#include "checks/catalogue.h"
#include "checks/context.h"
#include "core/text.h"
#include "support/fake_http_client.h"
#include "support/process.h"

using namespace probity;

namespace {

std::string Repeat(std::string_view piece, std::size_t times) {
  std::string out;
  out.reserve(piece.size() * times);
  for (std::size_t i = 0; i < times; ++i) out += piece;
  return out;
}

// The document must parse; its Status is shown when it does not.
ApiDocument MustParse(std::string_view media_type, std::string_view body) {
  StatusOr<ApiDocument> doc = ParseApiDocument(media_type, body);
  INFO(doc.status().message());
  REQUIRE(doc.ok());
  return *doc;
}

// The document must be refused, with a message containing `expected`.
std::string MustRefuse(std::string_view body, const std::string& expected) {
  StatusOr<ApiDocument> doc = ParseApiDocument("", body);
  REQUIRE_FALSE(doc.ok());
  INFO(doc.status().message());
  CHECK(doc.status().message().find(expected) != std::string::npos);
  return doc.status().message();
}

HttpResponse Answer(int status, std::string media_type, std::string body) {
  HttpResponse r;
  r.status = status;
  if (!media_type.empty()) r.headers.push_back({"content-type", std::move(media_type)});
  r.body = std::move(body);
  return r;
}

constexpr char kOpenApi30Json[] = R"({
  "openapi": "3.0.3",
  "info": {"title": "Inventory", "version": "1.2.0", "description": "Items: [and more"},
  "servers": [
    {"url": "https://{region}.example.com/{base}", "variables": {
      "region": {"default": "eu", "enum": ["eu", "us"]},
      "base": {"default": "v1"}}},
    {"url": "http://localhost:8000"}
  ],
  "paths": {
    "/v1/items": {"get": {"responses": {"200": {"description": "ok",
      "content": {"application/json": {"schema": {"type": "array"}}}}}}},
    "/v1/items/{id}": {"parameters": [{"name": "id", "in": "path", "required": true}]},
    "x-internal": {"note": "an extension, not a path"}
  }
})";

constexpr char kOpenApi31Yaml[] = R"(# An OpenAPI 3.1 document as people write them
openapi: 3.1.0
info:
  title: &title "Inventory: items & stock"
  version: 2.0.0-rc.1+build.5
  description: |
    Use [brackets] freely here: {not: flow}, 'quotes' and "quotes" alike.
    [an unbalanced one
  summary: >-
    Folded text with a stray ' quote
servers:
  - url: https://api.example.com/v2
    description: 'Production: don''t break it'
paths:
  /items:
    get:
      summary: *title
      parameters:
        - $ref: '#/components/parameters/ApiVersion'
        - name: limit
          in: query
          schema: {type: integer, minimum: 1}
      responses:
        '200':
          description: the items, as
            a multi-line plain scalar with [brackets and 'quotes
          content:
            application/json:
              schema:
                type: array
                items: {$ref: '#/components/schemas/Item'}
  /items/{id}: {}
components:
  parameters:
    ApiVersion:
      name: X-API-Version
      in: header
      required: true
      schema: {type: string, enum: ['1', '2']}
  schemas:
    Item:
      type: object
      required: [id, name]
      properties:
        id: {type: integer}
        name: {type: string, pattern: '^[a-z]+$'}
)";

constexpr char kSwagger20Json[] = R"({
  "swagger": "2.0",
  "info": {"title": "Legacy", "version": "3.4.5"},
  "host": "api.example.com",
  "basePath": "/api/v3",
  "schemes": ["https", "http"],
  "produces": ["application/vnd.example.v3+json"],
  "paths": {"/pets": {"get": {"responses": {"200": {"description": "pets"}}}}}
})";

constexpr char kSwagger20Yaml[] = R"(swagger: "2.0"
info:
  title: Pets
  version: "1.0.0"
basePath: /v1
paths:
  /pets:
    get:
      parameters:
        - name: api-version
          in: query
          type: string
      responses:
        200:
          description: pets
)";

}  // namespace

TEST_CASE("An OpenAPI 3.0 JSON document gives its title, version, paths and servers with variables filled in",
          "[api]") {
  const ApiDocument doc = MustParse("application/json", kOpenApi30Json);
  CHECK(doc.spec == "OpenAPI 3.0.3");
  CHECK(doc.format == "JSON");
  CHECK(doc.title == "Inventory");
  CHECK(doc.version == "1.2.0");
  CHECK(doc.defects.empty());
  CHECK(doc.paths == std::vector<std::string>{"/v1/items", "/v1/items/{id}"});
  CHECK(doc.path_count == 2);
  CHECK(doc.servers == std::vector<std::string>{"https://eu.example.com/v1", "http://localhost:8000"});
  CHECK_FALSE(doc.version_header);
  CHECK_FALSE(doc.version_media_type);
}

TEST_CASE("An OpenAPI 3.1 YAML document is read through comments, block, plain and quoted scalars and aliases",
          "[api]") {
  const ApiDocument doc = MustParse("application/yaml", kOpenApi31Yaml);
  CHECK(doc.spec == "OpenAPI 3.1.0");
  CHECK(doc.format == "YAML");
  CHECK(doc.title == "Inventory: items & stock");
  CHECK(doc.version == "2.0.0-rc.1+build.5");
  CHECK(doc.paths == std::vector<std::string>{"/items", "/items/{id}"});
  CHECK(doc.servers == std::vector<std::string>{"https://api.example.com/v2"});
  CHECK(doc.version_header);  // X-API-Version, in: header
}

TEST_CASE("A Swagger 2.0 JSON document gives scheme, host and basePath as its server and its versioned media type",
          "[api]") {
  const ApiDocument doc = MustParse("application/json", kSwagger20Json);
  CHECK(doc.spec == "Swagger 2.0");
  CHECK(doc.title == "Legacy");
  CHECK(doc.servers == std::vector<std::string>{"https://api.example.com/api/v3"});
  CHECK(doc.paths == std::vector<std::string>{"/pets"});
  CHECK(doc.version_media_type);
  CHECK_FALSE(doc.version_header);
}

TEST_CASE("A Swagger 2.0 YAML document with only a basePath has that as its server and a query parameter is no "
          "version header",
          "[api]") {
  const ApiDocument doc = MustParse("", kSwagger20Yaml);
  CHECK(doc.spec == "Swagger 2.0");
  CHECK(doc.format == "YAML");
  CHECK(doc.version == "1.0.0");
  CHECK(doc.servers == std::vector<std::string>{"/v1"});
  CHECK_FALSE(doc.version_header);  // api-version is "in: query"
}

TEST_CASE("Version headers and versioned media types are found wherever parameters and content are", "[api]") {
  const ApiDocument header = MustParse("", R"({"openapi": "3.0.0", "info": {"title": "t", "version": "1.0.0"},
    "paths": {"/x": {"get": {"parameters": [{"in": "header", "name": "Accept-Version"}]}}}})");
  CHECK(header.version_header);
  const ApiDocument media = MustParse("", R"({"openapi": "3.0.0", "info": {"title": "t", "version": "1.0.0"},
    "paths": {"/x": {"get": {"responses": {"200": {"description": "x",
      "content": {"application/vnd.acme.v2+json": {}}}}}}}})");
  CHECK(media.version_media_type);
  CHECK_FALSE(media.version_header);
  // A schema property called "content" names no media type.
  const ApiDocument schema = MustParse("", R"({"openapi": "3.0.0", "info": {"title": "t", "version": "1.0.0"},
    "components": {"schemas": {"Post": {"properties": {"content": {"type": "string"}}}}}})");
  CHECK_FALSE(schema.version_media_type);
}

TEST_CASE("Paths past the first thousand are counted, not kept, and extensions are not paths", "[api]") {
  std::string body = R"({"openapi": "3.0.0", "info": {"title": "t", "version": "1.0.0"}, "paths": {"x-a": {})";
  for (int i = 0; i < 2500; ++i) body += ", \"/v1/r" + std::to_string(i) + "\": {}";
  body += "}}";
  const ApiDocument doc = MustParse("application/json", body);
  CHECK(doc.path_count == 2500);
  CHECK(doc.paths.size() == kMaxApiPaths);
  CHECK(doc.paths.front() == "/v1/r0");
}

TEST_CASE("A document without an openapi or swagger field is refused as not an API description", "[api]") {
  MustRefuse(R"({"info": {"title": "t", "version": "1"}, "paths": {}})", "no openapi or swagger field");
  MustRefuse("title: t\nversion: 1\n", "no openapi or swagger field");
  MustRefuse(R"({"status": "ok"})", "no openapi or swagger field");
}

TEST_CASE("Swagger 1.x, OpenAPI other than 3.x and swagger other than 2.0 are refused by version", "[api]") {
  MustRefuse(R"({"swaggerVersion": "1.2", "apis": []})", "Swagger 1.2 (swaggerVersion) is not supported");
  MustRefuse(R"({"openapi": "2.0", "info": {}})", "OpenAPI version \"2.0\" is not supported");
  MustRefuse("openapi: 4.0.0\ninfo: {}\n", "OpenAPI version \"4.0.0\" is not supported");
  MustRefuse("openapi: 3.x\n", "OpenAPI version \"3.x\" is not supported");
  MustRefuse(R"({"swagger": "3.0"})", "Swagger version \"3.0\" is not supported");
  MustRefuse(R"({"openapi": {"v": 3}})", "the openapi field is an object");
  // A JSON number is read as written.
  CHECK(MustParse("", R"({"swagger": 2.0, "info": {"title": "t", "version": 1.5}})").version == "1.5");
}

TEST_CASE("A missing, empty or non-string title or version is returned as a defect the judgement can name", "[api]") {
  CHECK(MustParse("", R"({"openapi": "3.0.0", "paths": {}})").defects == std::vector<std::string>{"info is missing"});
  CHECK(MustParse("", R"({"openapi": "3.0.0", "info": {"title": "t"}})").defects ==
        std::vector<std::string>{"info.version is missing"});
  CHECK(MustParse("", R"({"openapi": "3.0.0", "info": {"title": " ", "version": null}})").defects ==
        std::vector<std::string>{"info.title is empty", "info.version is missing"});
  CHECK(MustParse("", R"({"openapi": "3.0.0", "info": {"title": {"en": "t"}, "version": true}})").defects ==
        std::vector<std::string>{"info.title is not a string (an object)", "info.version is not a string (a boolean)"});
  CHECK(MustParse("", "openapi: 3.0.0\ninfo:\n  title: t\n  version:\n").defects ==
        std::vector<std::string>{"info.version is missing"});
  CHECK(MustParse("", "openapi: 3.0.0\ninfo: [a]\n").defects == std::vector<std::string>{"info is a list, not an object"});
}

TEST_CASE("Syntax errors are reported with a byte offset for JSON and a line and column for YAML", "[api]") {
  MustRefuse(R"({"openapi": "3.0.0", "info": )", "invalid JSON at byte 29: syntax error while parsing value");
  const StatusOr<ApiDocument> trailing = ParseApiDocument("application/json", R"({"openapi": "3.0.0"} trailing)");
  REQUIRE_FALSE(trailing.ok());
  CHECK(trailing.status().message().find("invalid JSON at byte") == 0);
  MustRefuse("openapi: 3.0.0\ninfo:\n  title: [unclosed\n", "invalid YAML at line");
  MustRefuse("openapi: 3.0.0\n  bad: indentation: here\n", "invalid YAML at line 2");
}

TEST_CASE("An HTML page such as Swagger UI is refused as HTML", "[api]") {
  CHECK_FALSE(ParseApiDocument("text/html", "openapi: 3.0.0").ok());
  MustRefuse("\n  <!DOCTYPE html><html><title>Swagger UI</title></html>", "an HTML page (no Content-Type)");
}

TEST_CASE("Empty bodies, top-level lists and scalars, invalid UTF-8 and UTF-16 are refused", "[api]") {
  MustRefuse("", "the body is empty");
  MustRefuse(" \n\t", "the body is empty");
  MustRefuse("# only a comment\n", "the document is empty");
  MustRefuse(R"([{"openapi": "3.0.0"}])", "the top level is a list");
  MustRefuse("- openapi: 3.0.0\n", "the top level is a list");
  MustRefuse("just some text\n", "the top level is a single value");
  MustRefuse("openapi: 3.0.0\ninfo:\n  title: caf\xE9\n", "not valid UTF-8");
  MustRefuse("\xFF\xFE{\0\"\0", "UTF-16");
}

TEST_CASE("A UTF-8 byte order mark before JSON or YAML is skipped", "[api]") {
  CHECK(MustParse("", "\xEF\xBB\xBF {\"openapi\": \"3.0.0\", \"info\": {\"title\": \"t\", \"version\": \"1.0.0\"}}")
            .format == "JSON");
  CHECK(MustParse("", "\xEF\xBB\xBFopenapi: 3.0.0\ninfo: {title: t, version: 1.0.0}\n").format == "YAML");
}

TEST_CASE("A body starting with a brace that is not JSON is read as YAML in flow style unless declared JSON",
          "[api]") {
  const std::string flow = "{openapi: 3.0.0, info: {title: t, version: 1.0.0}, paths: {/v1/x: {}}}";
  CHECK(MustParse("application/yaml", flow).format == "YAML");
  CHECK(MustParse("", flow).paths == std::vector<std::string>{"/v1/x"});
  const StatusOr<ApiDocument> declared = ParseApiDocument("application/json", flow);
  REQUIRE_FALSE(declared.ok());
  CHECK(declared.status().message().find("invalid JSON at byte 2") == 0);
  // Neither JSON nor YAML: the JSON error is the one reported.
  MustRefuse("{\"openapi\": [}", "invalid JSON at byte");
}

TEST_CASE("Only the first document of a YAML stream is read", "[api]") {
  const ApiDocument doc = MustParse("", "---\nopenapi: 3.0.0\ninfo: {title: first, version: 1.0.0}\n---\n"
                                        "openapi: 3.1.0\ninfo: {title: second, version: 2.0.0}\n");
  CHECK(doc.title == "first");
}

TEST_CASE("Deeply nested JSON is refused past the depth limit and accepted below it", "[api][abuse]") {
  const std::string head = R"({"openapi": "3.0.0", "info": {"title": "t", "version": "1.0.0"}, "x": )";
  MustRefuse(head + Repeat("[", 1'000'000), "nested deeper than 256 levels");
  MustRefuse(head + Repeat("{\"a\":", 100'000) + "1" + Repeat("}", 100'000) + "}", "nested deeper than 256 levels");
  CHECK(MustParse("", head + Repeat("[", 250) + Repeat("]", 250) + "}").title == "t");
}

TEST_CASE("Deeply nested YAML is refused before yaml-cpp recurses, in block, compact and flow style", "[api][abuse]") {
  std::string block = "openapi: 3.0.0\nx:\n";
  for (int i = 1; i < 400; ++i) block += std::string(i, ' ') + "k:\n";
  MustRefuse(block, "nested deeper than 256 levels (YAML line");
  MustRefuse("openapi: 3.0.0\nx: " + Repeat("- ", 300) + "1\n", "nested deeper than 256 levels");
  MustRefuse("openapi: 3.0.0\nx:\n" + Repeat("- ", 300) + "1\n", "nested deeper than 256 levels");
  MustRefuse("openapi: 3.0.0\nx: " + Repeat("[", 1'000'000) + "\n", "nested deeper than 256 levels");
  MustRefuse("openapi: 3.0.0\nx: " + Repeat("{a: ", 300) + "1" + Repeat("}", 300) + "\n",
             "nested deeper than 256 levels");
  // Same-column sequences under keys count as the levels they are.
  std::string same_column = "openapi: 3.0.0\nx:\n";
  for (int i = 0; i < 150; ++i) same_column += std::string(2 * i, ' ') + "- k:\n";
  MustRefuse(same_column, "nested deeper than 256 levels");
  // A modest depth is fine.
  std::string fine = "openapi: 3.0.0\ninfo: {title: t, version: 1.0.0}\nx:\n";
  for (int i = 1; i < 60; ++i) fine += std::string(2 * i, ' ') + "k:\n";
  CHECK(MustParse("", fine).title == "t");
}

TEST_CASE("A long or unterminated YAML flow collection is refused before yaml-cpp queues its tokens",
          "[api][abuse]") {
  MustRefuse("openapi: 3.0.0\nx: [" + Repeat("a, ", 3'000'000), "a YAML flow collection (from line 2) is longer");
  MustRefuse("openapi: 3.0.0\nx: {" + Repeat("a: b, ", 20'000) + "}\n", "a YAML flow collection");
  MustRefuse(Repeat("[", 10'000'000), "nested deeper than 256 levels");
  // A stray quote inside a plain scalar does not hide the flow collection that follows.
  MustRefuse("openapi: 3.0.0\ndescription: the 'quote\nx: [" + Repeat("a, ", 100'000) + "]\n",
             "a YAML flow collection (from line 3)");
  // Nor does a quoted scalar the scan cannot see the end of.
  MustRefuse("openapi: 3.0.0\nx: '" + Repeat("a", 2'000'000), "a YAML quoted scalar (from line 2) is longer");
}

TEST_CASE("A flow collection is found wherever yaml-cpp's scanner would start one", "[api][abuse]") {
  // Each of these once let a long flow collection past the scan (or nearly):
  // yaml-cpp then queued ~90 bytes of tokens per byte of input.
  const std::string flow = "[" + Repeat("a, ", 100'000);
  const std::vector<std::string> prefixes = {
      "openapi: 3.0.0\nkey: |\n      deep\n   x: ",  // a line less indented than the block scalar's first
      "openapi: 3.0.0\nx: !t",                     // a tag ends at a flow indicator
      "openapi: 3.0.0\nx: &a",                     // so does an anchor
      "openapi: 3.0.0\nx: *a",                     // and an alias
      "openapi: 3.0.0\rkey: |\r",                  // a lone CR ends a line
      "openapi: 3.0.0\rkey: value\r",
      "openapi: 3.0.0\nx:\t",                      // a tab separates like a space
      "openapi: 3.0.0\nkey: value\n# c\n  ",       // a comment line ends a plain scalar
      "openapi: 3.0.0\nkey: value\n  # c\n  ",
      "openapi: 3.0.0\nx:\n- a\n# c\n  ",
      "openapi: 3.0.0\nserve\n- ",                  // a plain at column 0 of a mapping does not go on at column 0
      "openapi: 3.0.0\nx: {a: 1} ",                 // what follows a closed flow collection is still scanned
      "openapi: 3.0.0\nx: 'quoted' ",              // and what follows a quoted scalar
      "openapi: 3.0.0\nx: |4\n ",                  // an indentation indicator sets the block scalar's lines
      "openapi: 3.0.0\nx: |\n\t",                  // a tab is no block scalar indentation
      "openapi: 3.0.0\nx: {a: \"]}\", b: ",          // a bracket inside a quoted scalar closes nothing
      "openapi: 3.0.0\nx: [? \"]\", ",
  };
  for (const std::string& prefix : prefixes) {
    INFO(prefix);
    const StatusOr<ApiDocument> doc = ParseApiDocument("", prefix + flow);
    REQUIRE_FALSE(doc.ok());
    CHECK(doc.status().message().find("a YAML flow collection") != std::string::npos);
  }
}

TEST_CASE("A YAML alias bomb costs nothing because aliases of collections are not expanded", "[api][abuse]") {
  std::string lol = "openapi: 3.0.0\ninfo: {title: lol, version: 1.0.0}\nx-lol:\n  a: &a [lol, lol, lol, lol, lol, "
                    "lol, lol, lol, lol]\n";
  char previous = 'a';
  for (char c = 'b'; c <= 'z'; ++c) {
    lol += std::string("  ") + c + ": &" + c + " [";
    for (int i = 0; i < 9; ++i) lol += std::string(i ? ", " : "") + "*" + previous;
    lol += "]\n";
    previous = c;
  }
  lol += "paths:\n  /v1/x: *z\n";
  const ApiDocument doc = MustParse("", lol);
  CHECK(doc.title == "lol");
  CHECK(doc.paths == std::vector<std::string>{"/v1/x"});
}

TEST_CASE("Aliased scalars stand for their anchor's value", "[api]") {
  const ApiDocument doc = MustParse("", "openapi: 3.0.0\nx-v: &v 4.5.6\ninfo:\n  title: t\n  version: *v\n");
  CHECK(doc.version == "4.5.6");
}

TEST_CASE("Ten-megabyte JSON and YAML documents are read whole", "[api][abuse]") {
  std::string json = R"({"openapi": "3.0.0", "info": {"title": "big", "version": "1.0.0"}, "paths": {)";
  std::size_t n = 0;
  while (json.size() < 10'000'000) {
    json += (n ? ", " : "") + std::string("\"/v1/r") + std::to_string(n) +
            R"(": {"get": {"description": "a long description of what this does", "responses": {}}})";
    ++n;
  }
  json += "}}";
  const ApiDocument from_json = MustParse("application/json", json);
  CHECK(from_json.path_count == n);
  CHECK(from_json.paths.size() == kMaxApiPaths);

  std::string yaml = "openapi: 3.0.0\ninfo:\n  title: big\n  version: 1.0.0\npaths:\n";
  n = 0;
  while (yaml.size() < 10'000'000) {
    yaml += "  /v1/r" + std::to_string(n++) + ":\n    get:\n      description: a long description\n";
  }
  CHECK(MustParse("application/yaml", yaml).path_count == n);
}

TEST_CASE("Documents over the size limits are refused without being parsed", "[api][abuse]") {
  MustRefuse("openapi: 3.0.0\n" + std::string(kMaxApiYamlBytes, '#'), "larger than 16 MiB");
}

TEST_CASE("Truncated and garbage bodies of every shape give a Status and never throw", "[api][abuse]") {
  const std::vector<std::string> docs = {kOpenApi30Json, kOpenApi31Yaml, kSwagger20Json, kSwagger20Yaml};
  for (const std::string& doc : docs) {
    for (std::size_t cut = 0; cut < doc.size(); cut += 7) {
      CHECK_NOTHROW(ParseApiDocument("", doc.substr(0, cut)));
    }
  }
  for (const char* junk : {"{", "}", "[", "]", "'", "\"", "&a", "*a", "!!binary x", "? ", ": ", "- ", "|", ">",
                           "%YAML 1.2\n---\n", "---", "...", "{a: *b}", "a: !<tag:x> [1]", "\t- a", "a:\n\t- b"}) {
    CHECK_NOTHROW(ParseApiDocument("", junk));
  }
}

TEST_CASE("HasMajorVersion finds a version segment in a path or URL", "[api]") {
  for (const char* yes : {"/v1/items", "/api/v2/x", "/v1", "https://h.example.com/api/v3", "/apis/apps/v1beta1/x",
                          "/v2alpha", "/v1beta", "/V2/x", "/v1.2/x", "//host/v1", "/rest/api/2/issue", "/v0/x?y=1"}) {
    INFO(yes);
    CHECK(HasMajorVersion(yes));
  }
  for (const char* no : {"/vault", "/v", "/v1-beta", "/api-v1/x", "/2024-01-01/x", "https://v1.example.com/",
                         "/items/42", "/items", "", "/x?v=v1", "/x#v1", "http://localhost:8000", "/v1x"}) {
    INFO(no);
    CHECK_FALSE(HasMajorVersion(no));
  }
}

TEST_CASE("IsSemver accepts SemVer 2.0 with an optional leading v and nothing looser", "[api]") {
  for (const char* yes : {"1.2.0", "0.1.0", "v1.2.3", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-0.3.7",
                          "1.0.0-x.7.z.92", "1.0.0+20130313144700", "1.0.0-beta+exp.sha.5114f85", "10.20.30"}) {
    INFO(yes);
    CHECK(IsSemver(yes));
  }
  for (const char* no : {"1.0", "0.1", "1", "01.2.3", "1.02.3", "1.2.3-", "1.2.3+", "1.2.3-01", "1.2.3.4", "latest",
                         "", "v", "V1.2.3", "vv1.2.3", "1.2.3-a..b", "1.2.3 ", " 1.2.3", "1.2.x"}) {
    INFO(no);
    CHECK_FALSE(IsSemver(no));
  }
}

TEST_CASE("Version header names and versioned media types are recognised", "[api]") {
  for (const char* yes : {"api-version", "X-API-Version", "x-github-api-version", "Accept-Version", "version"}) {
    CHECK(IsVersionHeaderName(yes));
  }
  for (const char* no : {"accept", "x-request-id", "versions", "api-versioning"}) CHECK_FALSE(IsVersionHeaderName(no));
  for (const char* yes : {"application/vnd.github.v3+json", "application/vnd.acme-v2+json",
                          "application/json; version=2", "application/vnd.api+json;v=1", "application/x.v1beta1+json"}) {
    CHECK(IsVersionedMediaType(yes));
  }
  for (const char* no : {"application/json", "application/vnd.api+json", "application/vnd.github+json",
                         "text/plain; charset=utf-8", "application/json; version=", "vnd.v1"}) {
    CHECK_FALSE(IsVersionedMediaType(no));
  }
}

// ---------------------------------------------------------------------------
// Judgements over made-up answers.

namespace {
const std::string kDocUrl = "http://127.0.0.1:8000/openapi.json";
const std::string kUnknownUrl = "http://127.0.0.1:8000/probity-no-such-route";
}  // namespace

TEST_CASE("api.docs.published passes a complete document and names spec, title, version and path count", "[api]") {
  const HttpResponse r = Answer(200, "application/json", kOpenApi30Json);
  const Verdict v = JudgeDocsPublished(kDocUrl, r, ParseApiDocument(r.MediaType(), r.body));
  CHECK(v.status == CheckStatus::kPass);
  CHECK(v.detail == "GET /openapi.json: OpenAPI 3.0.3 (JSON) \"Inventory\" version 1.2.0, 2 paths");
}

TEST_CASE("api.docs.published fails on a missing document, a cut body, a non-OpenAPI body and missing info fields",
          "[api]") {
  const StatusOr<ApiDocument> unused = Status::Error("not parsed");
  Verdict v = JudgeDocsPublished(kDocUrl, Answer(404, "application/json", R"({"detail":"Not Found"})"), unused);
  CHECK(v.status == CheckStatus::kFail);
  CHECK(v.detail == "GET /openapi.json answered 404: no API document there");

  HttpResponse cut = Answer(200, "application/json", "{\"openapi\": \"3.0.0\", \"paths\": {");
  cut.body_truncated = true;
  v = JudgeDocsPublished(kDocUrl, cut, ParseApiDocument("application/json", cut.body));
  CHECK(v.status == CheckStatus::kFail);
  CHECK(v.detail.find("larger than the body limit") != std::string::npos);

  const HttpResponse html = Answer(200, "text/html", "<html>Swagger UI</html>");
  v = JudgeDocsPublished(kDocUrl, html, ParseApiDocument(html.MediaType(), html.body));
  CHECK(v.status == CheckStatus::kFail);
  CHECK(v.detail.find("GET /openapi.json: not an OpenAPI or Swagger document: an HTML page (text/html)") == 0);

  const HttpResponse no_version = Answer(200, "application/json", R"({"openapi": "3.1.0", "info": {"title": "t"}})");
  v = JudgeDocsPublished(kDocUrl, no_version, ParseApiDocument("application/json", no_version.body));
  CHECK(v.status == CheckStatus::kFail);
  CHECK(v.detail == "GET /openapi.json: OpenAPI 3.1.0 document, but info.version is missing");
}

TEST_CASE("api.docs.published is an error when no answer arrived", "[api]") {
  const Verdict v = JudgeDocsPublished(kDocUrl, Status::Error("connection refused"), Status::Error("not parsed"));
  CHECK(v.status == CheckStatus::kError);
  CHECK(v.detail == "GET /openapi.json: connection refused");
}

TEST_CASE("api.docs.versioned passes a semantic version with the major version in paths, servers, a header or a "
          "media type",
          "[api]") {
  ApiDocument doc;
  doc.version = "1.2.0";
  doc.paths = {"/v1/items", "/v1/items/{id}", "/healthz"};
  doc.path_count = 3;
  Verdict v = JudgeDocsVersioned(doc);
  CHECK(v.status == CheckStatus::kPass);
  CHECK(v.detail == "info.version 1.2.0 is a semantic version, and 2 of 2 API paths carry a major version (/v1/items)");

  doc.paths = {"/items"};
  doc.servers = {"https://api.example.com/v2"};
  v = JudgeDocsVersioned(doc);
  CHECK(v.status == CheckStatus::kPass);
  CHECK(v.detail.find("the server URL https://api.example.com/v2 carries the major version") != std::string::npos);

  doc.servers = {};
  doc.version_header = true;
  CHECK(JudgeDocsVersioned(doc).detail.find("a version header is documented") != std::string::npos);
  doc.version_header = false;
  doc.version_media_type = true;
  CHECK(JudgeDocsVersioned(doc).status == CheckStatus::kPass);
}

TEST_CASE("api.docs.versioned sets operational paths aside: health, metrics and lifecycle stay unversioned",
          "[api]") {
  ApiDocument doc;
  doc.version = "0.1.0";
  doc.paths = {"/api/v1/report", "/probe", "/metrics", "/-/healthy", "/-/ready", "/-/reload", "/healthz"};
  doc.path_count = doc.paths.size();
  Verdict v = JudgeDocsVersioned(doc);
  CHECK(v.status == CheckStatus::kPass);
  CHECK(v.detail.find("1 of 2 API paths carry a major version (/api/v1/report)") != std::string::npos);

  doc.paths = {"/metrics", "/-/healthy"};
  v = JudgeDocsVersioned(doc);
  CHECK(v.status == CheckStatus::kFail);
  CHECK(v.detail.find("the document lists only operational paths") == 0);
}

TEST_CASE("api.docs.versioned fails naming everything missing", "[api]") {
  ApiDocument doc;
  doc.version = "0.1";
  doc.paths = {"/items", "/items/{id}", "/healthz"};
  doc.path_count = 3;
  Verdict v = JudgeDocsVersioned(doc);
  CHECK(v.status == CheckStatus::kFail);
  CHECK(v.detail == "info.version \"0.1\" is not a semantic version (MAJOR.MINOR.PATCH, as 1.2.0); no path carries a "
                    "major version (as /v1/… would), nor does a server URL, a documented version header or a media "
                    "type");

  doc.version = "1.0.0";
  doc.paths = {"/v1/items", "/a", "/b", "/c"};
  v = JudgeDocsVersioned(doc);
  CHECK(v.status == CheckStatus::kFail);
  CHECK(v.detail.find("only 1 of 4 API paths carry a major version (/v1/items)") == 0);

  doc.paths = {};
  doc.path_count = 0;
  doc.servers = {"/v1"};
  doc.version = "";
  v = JudgeDocsVersioned(doc);
  CHECK(v.status == CheckStatus::kFail);
  CHECK(v.detail == "info.version is missing");
}

TEST_CASE("api.errors.structured passes a JSON 404 and notes whether it is RFC 9457 problem details", "[api]") {
  Verdict v = JudgeErrorsStructured(kUnknownUrl, Answer(404, "application/json", R"({"detail":"Not Found"})"));
  CHECK(v.status == CheckStatus::kPass);
  CHECK(v.detail.find("answered 404 with a JSON object (application/json); not application/problem+json (RFC 9457)") !=
        std::string::npos);

  v = JudgeErrorsStructured(kUnknownUrl, Answer(404, "application/problem+json; charset=utf-8",
                                                R"({"type":"about:blank","title":"Not Found","status":404})"));
  CHECK(v.status == CheckStatus::kPass);
  CHECK(v.detail == "GET /probity-no-such-route (a route that should not exist) answered 404 with "
                    "application/problem+json (RFC 9457 problem details, status 404)");

  v = JudgeErrorsStructured(kUnknownUrl, Answer(404, "application/problem+json", R"({"title":"Not Found"})"));
  CHECK(v.status == CheckStatus::kPass);
  CHECK(v.detail.find("without a status member") != std::string::npos);

  v = JudgeErrorsStructured(kUnknownUrl, Answer(404, "application/problem+json", R"({"status":"404"})"));
  CHECK(v.status == CheckStatus::kPass);
  CHECK(v.detail.find("its status is a string, RFC 9457 wants the number 404") != std::string::npos);

  // A nested "status" is not the problem's.
  v = JudgeErrorsStructured(kUnknownUrl, Answer(404, "application/problem+json", R"({"x":{"status":500},"status":404.0})"));
  CHECK(v.status == CheckStatus::kPass);
}

TEST_CASE("api.errors.structured fails problem+json whose status disagrees with the HTTP status", "[api]") {
  const Verdict v =
      JudgeErrorsStructured(kUnknownUrl, Answer(404, "application/problem+json", R"({"title":"x","status":500})"));
  CHECK(v.status == CheckStatus::kFail);
  CHECK(v.detail.find("application/problem+json whose status says 500") != std::string::npos);
}

TEST_CASE("api.errors.structured fails HTML, text, undeclared JSON, non-object JSON, empty and cut 404 bodies",
          "[api]") {
  struct Case {
    HttpResponse answer;
    const char* expected;
  };
  HttpResponse cut = Answer(404, "application/json", R"({"detail":)");
  cut.body_truncated = true;
  const std::vector<Case> cases = {
      {Answer(404, "text/html", "<html><body>Not Found</body></html>"), "with an HTML page (text/html), not JSON"},
      {Answer(404, "", "  <!doctype html>"), "with an HTML page (no Content-Type)"},
      {Answer(404, "text/plain; charset=utf-8", "Not Found"), "with a text/plain body, not JSON"},
      {Answer(404, "text/plain", R"({"detail":"Not Found"})"), "with a JSON body declared as text/plain"},
      {Answer(404, "", R"({"detail":"Not Found"})"), "with a JSON body declared as no Content-Type"},
      {Answer(404, "application/json", "Not Found"), "declaring application/json, but the body is not JSON"},
      {Answer(404, "application/json", R"("Not Found")"), "with JSON that is a single value, not an object"},
      {Answer(404, "application/json", R"([{"error":1}])"), "with JSON that is a list, not an object"},
      {Answer(404, "application/json", " \n"), "with an empty body (application/json)"},
      {cut, "with a body larger than the body limit"},
  };
  for (const Case& c : cases) {
    const Verdict v = JudgeErrorsStructured(kUnknownUrl, c.answer);
    INFO(v.detail);
    CHECK(v.status == CheckStatus::kFail);
    CHECK(v.detail.find(c.expected) != std::string::npos);
  }
}

TEST_CASE("api.errors.structured fails an unknown route that answers 2xx, 3xx, 5xx or a 4xx other than 404", "[api]") {
  Verdict v = JudgeErrorsStructured(kUnknownUrl, Answer(200, "text/html", "<html>app shell</html>"));
  CHECK(v.status == CheckStatus::kFail);
  CHECK(v.detail.find("answered 200: an unknown route should answer 404") != std::string::npos);

  HttpResponse redirect = Answer(302, "", "");
  redirect.headers.push_back({"location", "/login"});
  v = JudgeErrorsStructured(kUnknownUrl, redirect);
  CHECK(v.status == CheckStatus::kFail);
  CHECK(v.detail.find("answered 302 (to /login): an unknown route should answer 404, not a redirect") !=
        std::string::npos);

  v = JudgeErrorsStructured(kUnknownUrl, Answer(503, "application/json", R"({"status":"down"})"));
  CHECK(v.status == CheckStatus::kFail);
  CHECK(v.detail.find("answered 503: an unknown route should answer 404, not a server error") != std::string::npos);

  v = JudgeErrorsStructured(kUnknownUrl, Answer(401, "application/json", R"({"error":"unauthorized"})"));
  CHECK(v.status == CheckStatus::kFail);
  CHECK(v.detail.find("answered 401, not 404 (the API may hide its routes from anonymous callers)") !=
        std::string::npos);
}

TEST_CASE("api.errors.structured fails a 404 whose body holds a stack trace, raw or inside JSON", "[api]") {
  const std::vector<std::pair<std::string, std::string>> traces = {
      {"Traceback (most recent call last):\n  File \"app.py\", line 3\nKeyError: 'x'", "a Python traceback"},
      {R"j({"error":"java.lang.IllegalStateException\n\tat com.acme.Api.get(Api.java:42)"})j", "a Java stack trace"},
      {R"j({"stack":"Error: nope\n    at handler (/srv/app/index.js:10:5)"})j", "a JavaScript stack trace"},
      {"panic: runtime error\n\ngoroutine 1 [running]:\nmain.main()", "a Go panic"},
      {"   at Acme.Api.Get() in /src/Api.cs:line 42", "a .NET stack trace"},
      {"app.rb:12:in `block in <main>'", "a Ruby backtrace"},
      {"Stack trace:\n#0 /var/www/index.php(3): f()", "a PHP stack trace"},
  };
  for (const auto& [body, kind] : traces) {
    INFO(body);
    CHECK(StackTraceKind(body) == kind);
    const Verdict v = JudgeErrorsStructured(kUnknownUrl, Answer(404, "application/json", body));
    CHECK(v.status == CheckStatus::kFail);
    CHECK(v.detail.find("answered 404 with " + kind + " in the body") != std::string::npos);
  }
  CHECK(StackTraceKind(R"({"detail":"Not Found","at":"the index"})").empty());
}

TEST_CASE("api.errors.structured is an error when no answer arrived", "[api]") {
  const Verdict v = JudgeErrorsStructured(kUnknownUrl, Status::Error("timed out after 5s"));
  CHECK(v.status == CheckStatus::kError);
  CHECK(v.detail == "GET /probity-no-such-route (a route that should not exist): timed out after 5s");
}

// ---------------------------------------------------------------------------
// A real FastAPI application (Debian's python3-fastapi under uvicorn) and a
// real HTML 404 (python3 -m http.server).

namespace {

using probity::testing::ChildProcess;
using probity::testing::FreePort;

// One loopback server program, started once, on a port that was free.
struct Server {
  std::unique_ptr<ChildProcess> process;
  int port = 0;
  std::string started;  // what the program said when it was up, or why not
};

// Starts argv (with "{port}" replaced) until `ready` shows on stderr or
// stdout; another program may take the port first, so three tries.
Server Start(std::vector<std::string> argv, const std::string& ready, bool on_stderr) {
  Server s;
  for (int attempt = 0; attempt < 3; ++attempt) {
    s.port = FreePort();
    std::vector<std::string> args = argv;
    for (std::string& a : args) {
      if (a == "{port}") a = std::to_string(s.port);
    }
    s.process = std::make_unique<ChildProcess>(args);
    s.started = s.process->WaitForLine(ready, on_stderr, std::chrono::seconds(30));
    if (!s.started.empty()) return s;
    s.started = "did not start: " + s.process->Stderr();
  }
  s.port = 0;
  return s;
}

// One uvicorn per FastAPI variant of tests/testdata/api/fastapi_app.py.
const Server& FastApi(const std::string& variant) {
  static std::map<std::string, Server> servers;
  auto it = servers.find(variant);
  if (it == servers.end()) {
    it = servers
             .emplace(variant, Start({"/usr/bin/python3", "-m", "uvicorn", "--app-dir",
                                      PROBITY_TESTDATA "/api", "fastapi_app:" + variant, "--host", "127.0.0.1",
                                      "--port", "{port}", "--no-access-log"},
                                     "Uvicorn running on", true))
             .first;
  }
  INFO(it->second.started);
  REQUIRE(it->second.port != 0);
  return it->second;
}

const Server& HttpServer() {
  static probity::testing::TempDir root;
  static Server server = Start({"/usr/bin/python3", "-u", "-m", "http.server", "--bind", "127.0.0.1", "--directory",
                                root.path(), "{port}"},
                               "Serving HTTP on", false);
  INFO(server.started);
  REQUIRE(server.port != 0);
  return server;
}

std::string UrlOf(int port, const std::string& path) { return "http://127.0.0.1:" + std::to_string(port) + path; }

// A GET with cpp-httplib, as Probity's HttpResponse (lower-cased header names).
StatusOr<HttpResponse> Fetch(int port, const std::string& path) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(std::chrono::seconds(5));
  client.set_read_timeout(std::chrono::seconds(10));
  auto res = client.Get(path.c_str());
  if (!res) return Status::Error("GET " + path + ": " + httplib::to_string(res.error()));
  HttpResponse r;
  r.status = res->status;
  for (const auto& [name, value] : res->headers) r.headers.push_back({ToLower(name), value});
  r.body = res->body;
  r.final_url = UrlOf(port, path);
  return r;
}

}  // namespace

TEST_CASE("api.docs.published passes on the openapi.json FastAPI generates", "[api][integration]") {
  for (const char* variant : {"versioned", "unversioned"}) {
    INFO(variant);
    const int port = FastApi(variant).port;
    const StatusOr<HttpResponse> r = Fetch(port, "/openapi.json");
    REQUIRE(r.ok());
    const StatusOr<ApiDocument> doc = ParseApiDocument(r->MediaType(), r->body);
    const Verdict v = JudgeDocsPublished(UrlOf(port, "/openapi.json"), r, doc);
    INFO(v.detail);
    CHECK(v.status == CheckStatus::kPass);
    CHECK(v.detail.find("GET /openapi.json: OpenAPI 3.0.2 (JSON) \"Inventory\" version") == 0);
    CHECK(v.detail.find(", 3 paths") != std::string::npos);
  }
}

TEST_CASE("api.docs.published fails on FastAPI's Swagger UI page, which is HTML", "[api][integration]") {
  const int port = FastApi("versioned").port;
  const StatusOr<HttpResponse> r = Fetch(port, "/docs");
  REQUIRE(r.ok());
  const Verdict v = JudgeDocsPublished(UrlOf(port, "/docs"), r, ParseApiDocument(r->MediaType(), r->body));
  INFO(v.detail);
  CHECK(v.status == CheckStatus::kFail);
  CHECK(v.detail.find("GET /docs: not an OpenAPI or Swagger document: an HTML page (text/html)") == 0);
}

TEST_CASE("api.docs.versioned passes FastAPI routes under /v1 at 1.2.0 and fails routes without a version at 0.1",
          "[api][integration]") {
  const StatusOr<HttpResponse> versioned = Fetch(FastApi("versioned").port, "/openapi.json");
  REQUIRE(versioned.ok());
  const StatusOr<ApiDocument> v1 = ParseApiDocument(versioned->MediaType(), versioned->body);
  REQUIRE(v1.ok());
  Verdict v = JudgeDocsVersioned(*v1);
  INFO(v.detail);
  CHECK(v.status == CheckStatus::kPass);
  CHECK(v.detail == "info.version 1.2.0 is a semantic version, and 2 of 2 API paths carry a major version (/v1/items)");

  const StatusOr<HttpResponse> unversioned = Fetch(FastApi("unversioned").port, "/openapi.json");
  REQUIRE(unversioned.ok());
  const StatusOr<ApiDocument> plain = ParseApiDocument(unversioned->MediaType(), unversioned->body);
  REQUIRE(plain.ok());
  v = JudgeDocsVersioned(*plain);
  INFO(v.detail);
  CHECK(v.status == CheckStatus::kFail);
  CHECK(v.detail.find("info.version \"0.1\" is not a semantic version") == 0);
  CHECK(v.detail.find("no path carries a major version") != std::string::npos);
}

TEST_CASE("api.errors.structured passes FastAPI's default JSON 404 and notes it is not problem+json",
          "[api][integration]") {
  const int port = FastApi("versioned").port;
  const StatusOr<HttpResponse> r = Fetch(port, "/probity-no-such-route");
  REQUIRE(r.ok());
  CHECK(r->body == R"({"detail":"Not Found"})");
  const Verdict v = JudgeErrorsStructured(UrlOf(port, "/probity-no-such-route"), r);
  INFO(v.detail);
  CHECK(v.status == CheckStatus::kPass);
  CHECK(v.detail == "GET /probity-no-such-route (a route that should not exist) answered 404 with a JSON object "
                    "(application/json); not application/problem+json (RFC 9457), which clients can read without "
                    "knowing this API");
}

TEST_CASE("api.errors.structured passes a FastAPI handler that answers application/problem+json with the RFC 9457 "
          "note",
          "[api][integration]") {
  const int port = FastApi("problem").port;
  const StatusOr<HttpResponse> r = Fetch(port, "/probity-no-such-route");
  REQUIRE(r.ok());
  CHECK(r->MediaType() == "application/problem+json");
  const Verdict v = JudgeErrorsStructured(UrlOf(port, "/probity-no-such-route"), r);
  INFO(v.detail);
  CHECK(v.status == CheckStatus::kPass);
  CHECK(v.detail.find("answered 404 with application/problem+json (RFC 9457 problem details, status 404)") !=
        std::string::npos);
}

TEST_CASE("api.errors.structured fails a FastAPI 500 that shows the Python traceback", "[api][integration]") {
  const int port = FastApi("buggy").port;
  const StatusOr<HttpResponse> r = Fetch(port, "/probity-no-such-route");
  REQUIRE(r.ok());
  const Verdict v = JudgeErrorsStructured(UrlOf(port, "/probity-no-such-route"), r);
  INFO(v.detail);
  CHECK(v.status == CheckStatus::kFail);
  CHECK(v.detail.find("answered 500 with a Python traceback in the body") != std::string::npos);
}

TEST_CASE("api.errors.structured fails the HTML 404 page of python3 -m http.server", "[api][integration]") {
  const int port = HttpServer().port;
  const StatusOr<HttpResponse> r = Fetch(port, "/probity-no-such-route");
  REQUIRE(r.ok());
  const Verdict v = JudgeErrorsStructured(UrlOf(port, "/probity-no-such-route"), r);
  INFO(v.detail);
  CHECK(v.status == CheckStatus::kFail);
  CHECK(v.detail.find("answered 404 with an HTML page (text/html), not JSON") != std::string::npos);
}

// The api category end to end: `probity scan` of the FastAPI variants, with
// Probity's own discovery and HTTP client.
TEST_CASE("probity scan judges real FastAPI services with the three api checks", "[api][integration]") {
  probity::testing::TempDir dir;
  std::string yaml = "global: {timeout: 5s}\ntargets:\n";
  for (const char* variant : {"versioned", "unversioned", "problem", "buggy"}) {
    yaml += std::string("  - {name: ") + variant + ", url: \"" + UrlOf(FastApi(variant).port, "") +
            "\", tracing: {wait: 100ms}}\n";
  }
  // The documentation page is HTML (Swagger UI), not a document.
  yaml += "  - {name: docs_page, url: \"" + UrlOf(FastApi("versioned").port, "") +
          "\", endpoints: {openapi: /docs}, tracing: {wait: 100ms}}\n";
  // No OpenAPI document at all: the category does not apply.
  yaml += "  - {name: static, url: \"" + UrlOf(HttpServer().port, "") + "\", tracing: {wait: 100ms}}\n";
  const probity::testing::CommandResult scan = probity::testing::RunCommand(
      {PROBITY_BINARY, "scan", "--config", dir.Write("scan.yaml", yaml), "--format", "json"});
  INFO(scan.out << scan.err);
  REQUIRE(!scan.out.empty());
  std::map<std::string, std::map<std::string, std::pair<std::string, std::string>>> v;
  const nlohmann::json report = nlohmann::json::parse(scan.out);
  for (const auto& target : report["targets"]) {
    for (const auto& c : target["checks"]) {
      if (c["category"] == "api") v[target["name"]][c["id"]] = {c["status"], c["detail"]};
    }
  }
  auto status = [&](const std::string& target, const std::string& id) {
    INFO(target << " " << id << ": " << v[target][id].second);
    return v[target][id].first;
  };
  CHECK(status("versioned", "api.docs.published") == "pass");
  CHECK(v["versioned"]["api.docs.published"].second.find("/openapi.json") != std::string::npos);
  CHECK(status("versioned", "api.docs.versioned") == "pass");
  CHECK(status("versioned", "api.errors.structured") == "pass");
  CHECK(status("unversioned", "api.docs.published") == "pass");
  CHECK(status("unversioned", "api.docs.versioned") == "fail");
  CHECK(status("problem", "api.errors.structured") == "pass");
  CHECK(v["problem"]["api.errors.structured"].second.find("RFC 9457") != std::string::npos);
  CHECK(status("buggy", "api.errors.structured") == "fail");
  CHECK(v["buggy"]["api.errors.structured"].second.find("traceback") != std::string::npos);
  CHECK(status("docs_page", "api.docs.published") == "fail");
  CHECK(status("docs_page", "api.docs.versioned") == "fail");
  for (const char* id : {"api.docs.published", "api.docs.versioned", "api.errors.structured"}) {
    CHECK(status("static", id) == "skip");
  }
}

TEST_CASE("A YAML alias of a long scalar is not copied, and long path keys and many server variables stay bounded",
          "[api][abuse]") {
  std::string yaml = "openapi: 3.0.3\ninfo: {title: t, version: 1.0.0}\nx-big: &big " + std::string(200000, 'a') +
                     "\nservers:\n  - url: '{v0}/v1'\n    variables:\n";
  for (int i = 0; i < 500; ++i) yaml += "      v" + std::to_string(i) + ": {default: ''}\n";
  yaml += "paths:\n";
  for (int i = 0; i < 300; ++i) yaml += "  ? *big\n  : {}\n";
  yaml += "  ? /v1/" + std::string(5000, 'p') + "\n  : {}\n";
  const StatusOr<ApiDocument> doc = ParseApiDocument("application/yaml", yaml);
  INFO(doc.status().message());
  REQUIRE(doc.ok());
  std::size_t kept = 0;
  for (const std::string& path : doc->paths) {
    CHECK(path.size() <= 2048);
    kept += path.size();
  }
  CHECK(kept < 1'000'000);  // 300 copies of the 200 KB scalar would be 60 MB
  REQUIRE(doc->servers.size() == 1);
  CHECK(doc->servers[0] == "/v1");
}

TEST_CASE("api.docs.versioned does not judge a document cut at the body limit", "[api][checks]") {
  testing::FakeClock clock;
  testing::FakeHttpClient http(clock);
  HttpOptions options;
  options.max_body_bytes = 256;
  std::string yaml = "openapi: 3.0.3\ninfo: {title: t, version: 1.0.0}\npaths:\n";
  for (int i = 0; i < 40; ++i) yaml += "  /items" + std::to_string(i) + ": {}\n";
  http.On("http://svc.test:80/openapi.yaml", 200, "application/yaml", yaml);
  Endpoints endpoints;
  endpoints.openapi.url = "http://svc.test:80/openapi.yaml";
  ProbeContext ctx(http, options, clock, endpoints);
  ctx.set_target({"svc", "http://svc.test:80", {}, nullptr});
  std::map<std::string, Verdict> v;
  for (const PlannedCheck& p : DefaultPlan()) {
    if (p.info->category() == "api") v.emplace(p.info->id, p.info->run(ctx, p.params));
  }
  CHECK(v.at("api.docs.published").status == CheckStatus::kFail);
  CHECK(v.at("api.docs.versioned").status == CheckStatus::kFail);
  CHECK(v.at("api.docs.versioned").blocked_by == "api.docs.published");
}

#include <catch2/catch.hpp>

#include "http/url.h"

using namespace probity;

TEST_CASE("URLs split into origin and target", "[http]") {
  Url u = *ParseUrl("http://127.0.0.1:8080/metrics?x=1");
  CHECK(u.host == "127.0.0.1");
  CHECK(u.port == 8080);
  CHECK(u.target == "/metrics?x=1");
  CHECK(ParseUrl("https://example.com")->port == 443);
  CHECK(ParseUrl("http://[::1]:9090/")->Origin() == "http://[::1]:9090");
}

TEST_CASE("Bad URLs are rejected with a reason", "[http]") {
  CHECK_FALSE(ParseUrl("ftp://x").ok());
  CHECK_FALSE(ParseUrl("localhost:8080").ok());
  CHECK_FALSE(ParseUrl("http://:80").ok());
  CHECK_FALSE(ParseUrl("http://host:99999").ok());
  CHECK_FALSE(ParseUrl("http://host/a b").ok());
  StatusOr<Url> creds = ParseUrl("http://user:hunter2@host/");
  REQUIRE_FALSE(creds.ok());
  CHECK(creds.status().message().find("hunter2") == std::string::npos);
}

TEST_CASE("Redirect locations resolve against the request URL", "[http]") {
  Url base = *ParseUrl("http://h:1/a/b?q");
  CHECK(ResolveReference(base, "/c")->ToString() == "http://h:1/c");
  CHECK(ResolveReference(base, "d")->ToString() == "http://h:1/a/d");
  CHECK(ResolveReference(base, "https://x/y")->ToString() == "https://x:443/y");
  CHECK(ResolveReference(base, "//o:2/p")->ToString() == "http://o:2/p");
}

TEST_CASE("Listen addresses accept the Prometheus forms", "[http]") {
  std::string host;
  int port = 0;
  REQUIRE(ParseListenAddress(":9465", &host, &port).ok());
  CHECK(host.empty());
  CHECK(port == 9465);
  REQUIRE(ParseListenAddress("[::1]:0", &host, &port).ok());
  CHECK(host == "::1");
  CHECK_FALSE(ParseListenAddress("9465", &host, &port).ok());
}

TEST_CASE("Endpoint paths are relative to the target URL's path prefix", "[http]") {
  CHECK(ResolveEndpoint(*ParseUrl("http://h:1"), "/readyz") == "http://h:1/readyz");
  CHECK(ResolveEndpoint(*ParseUrl("http://h:1/app/"), "/readyz") == "http://h:1/app/readyz");
  CHECK(ResolveEndpoint(*ParseUrl("http://h:1/app?x=1"), "/orders?id=2") == "http://h:1/app/orders?id=2");
  CHECK(ResolveEndpoint(*ParseUrl("http://h:1/app"), "https://other/health") == "https://other/health");
}

#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace probity {

// An absolute http(s) URL split the way the client needs it.
struct Url {
  std::string scheme;  // "http" or "https"
  std::string host;    // without brackets for IPv6
  int port = 0;        // always set: 80/443 when the URL has none
  std::string target;  // path and query, at least "/"

  bool is_tls() const { return scheme == "https"; }
  // "host:port" with IPv6 hosts in brackets.
  std::string HostPort() const;
  // "http://host:port" with IPv6 hosts in brackets.
  std::string Origin() const;
  std::string ToString() const { return Origin() + target; }
};

// Parses an absolute http or https URL. User info ("user:pass@") is rejected
// so that credentials never travel inside a URL that might be printed.
StatusOr<Url> ParseUrl(std::string_view text);

// Resolves a redirect's Location (absolute, scheme-relative, absolute-path or
// relative path) against the URL that was requested.
StatusOr<Url> ResolveReference(const Url& base, std::string_view reference);

// Returns base's origin with `path` as its target ("" keeps base's target).
Url WithPath(const Url& base, std::string_view path);

// An endpoint setting against a target URL: an absolute http(s) URL stays as
// it is; a path is taken relative to the target URL's own path prefix
// ("http://h/app" and "/readyz" give "http://h/app/readyz").
std::string ResolveEndpoint(const Url& target, const std::string& path_or_url);

// Splits a listen address (":9465", "127.0.0.1:0", "[::1]:9465",
// "localhost:80") into host and port. An empty host means every address.
Status ParseListenAddress(std::string_view text, std::string* host, int* port);

}  // namespace probity

#include "http/url.h"

#include <cctype>

#include "core/text.h"

namespace probity {
namespace {

bool ParsePort(std::string_view text, int* port) {
  if (text.empty() || text.size() > 5) return false;
  int value = 0;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    value = value * 10 + (c - '0');
  }
  if (value > 65535) return false;
  *port = value;
  return true;
}

// Splits "host", "host:port", "[v6]" or "[v6]:port".
bool SplitHostPort(std::string_view authority, std::string* host, std::string_view* port) {
  if (StartsWith(authority, "[")) {
    std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return false;
    *host = std::string(authority.substr(1, close - 1));
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':') return false;
      *port = rest.substr(1);
      if (port->empty()) return false;
    }
    return !host->empty();
  }
  std::size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos) {
    *host = std::string(authority.substr(0, colon));
    *port = authority.substr(colon + 1);
    if (port->empty()) return false;
  } else {
    *host = std::string(authority);
  }
  return true;
}

}  // namespace

std::string Url::HostPort() const {
  return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string Url::Origin() const { return scheme + "://" + HostPort(); }

StatusOr<Url> ParseUrl(std::string_view text) {
  const std::string shown = Excerpt(text, 200);
  Url url;
  std::size_t sep = text.find("://");
  if (sep == std::string_view::npos) {
    return Status::Error("invalid URL \"" + shown + "\": expected http://host[:port][/path]");
  }
  url.scheme = ToLower(text.substr(0, sep));
  if (url.scheme != "http" && url.scheme != "https") {
    return Status::Error("invalid URL \"" + shown + "\": scheme must be http or https");
  }
  std::string_view rest = text.substr(sep + 3);
  std::size_t path_start = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, path_start);
  if (authority.find('@') != std::string_view::npos) {
    return Status::Error("invalid URL: credentials in a URL are not allowed; use basic_auth with password_file");
  }
  std::string_view port_text;
  if (authority.empty() || !SplitHostPort(authority, &url.host, &port_text) || url.host.empty()) {
    return Status::Error("invalid URL \"" + shown + "\": missing or malformed host");
  }
  for (char c : url.host) {
    if (std::isspace(static_cast<unsigned char>(c)) || static_cast<unsigned char>(c) < 0x20) {
      return Status::Error("invalid URL \"" + shown + "\": white space in host");
    }
  }
  if (port_text.empty()) {
    url.port = url.is_tls() ? 443 : 80;
  } else if (!ParsePort(port_text, &url.port) || url.port == 0) {
    return Status::Error("invalid URL \"" + shown + "\": port must be 1-65535");
  }
  std::string_view target = path_start == std::string_view::npos ? "/" : rest.substr(path_start);
  std::size_t hash = target.find('#');
  if (hash != std::string_view::npos) target = target.substr(0, hash);
  url.target = std::string(target);
  if (url.target.empty() || url.target[0] != '/') url.target = "/" + url.target;
  for (char c : url.target) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F) {
      return Status::Error("invalid URL \"" + shown + "\": unescaped space or control character in path");
    }
  }
  return url;
}

StatusOr<Url> ResolveReference(const Url& base, std::string_view reference) {
  reference = Trim(reference);
  if (reference.find("://") != std::string_view::npos) return ParseUrl(reference);
  if (StartsWith(reference, "//")) return ParseUrl(base.scheme + ":" + std::string(reference));
  Url url = base;
  if (StartsWith(reference, "/")) {
    url.target = std::string(reference);
  } else {
    std::string path = base.target.substr(0, base.target.find('?'));
    url.target = path.substr(0, path.rfind('/') + 1) + std::string(reference);
  }
  for (char c : url.target) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F) {
      return Status::Error("invalid redirect location \"" + Excerpt(reference, 200) + "\"");
    }
  }
  return url;
}

Url WithPath(const Url& base, std::string_view path) {
  Url url = base;
  if (!path.empty()) url.target = StartsWith(path, "/") ? std::string(path) : "/" + std::string(path);
  return url;
}

std::string ResolveEndpoint(const Url& target, const std::string& path_or_url) {
  if (StartsWith(path_or_url, "http://") || StartsWith(path_or_url, "https://")) return path_or_url;
  std::string prefix = target.target.substr(0, target.target.find('?'));
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  return WithPath(target, prefix + path_or_url).ToString();
}

Status ParseListenAddress(std::string_view text, std::string* host, int* port) {
  std::string_view port_text;
  if (!SplitHostPort(text, host, &port_text) || port_text.empty() || !ParsePort(port_text, port)) {
    return Status::Error("invalid listen address \"" + Excerpt(text, 100) +
                         "\": expected [host]:port, like :9465 or 127.0.0.1:9465");
  }
  return Status::Ok();
}

}  // namespace probity

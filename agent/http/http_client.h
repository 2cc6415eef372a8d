#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/secret.h"
#include "core/status.h"

namespace probity {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

inline constexpr std::uint64_t kDefaultMaxBodyBytes = 10ULL * 1024 * 1024;
inline constexpr int kDefaultMaxRedirects = 10;

// How one target is talked to. Filled from the target's `http:` config.
struct HttpOptions {
  Duration connect_timeout = std::chrono::seconds(5);
  // Hard limit for one request, redirects included: the answer must be
  // complete by then or the request fails.
  Duration timeout = std::chrono::seconds(5);
  std::uint64_t max_body_bytes = kDefaultMaxBodyBytes;
  bool follow_redirects = true;
  int max_redirects = kDefaultMaxRedirects;
  bool tls_verify = true;
  std::string ca_file;
  HeaderList headers;
  std::string basic_auth_user;
  Secret basic_auth_password;
  Secret bearer_token;
};

class HttpConnections;
struct HttpResponse;

struct HttpRequest {
  std::string method = "GET";
  std::string url;      // absolute http(s) URL
  HeaderList headers;   // added after the target's headers
  bool with_auth = true;  // false: send no credentials (what an anonymous caller sees)
  // false: the body is read and counted (body_truncated still says whether it
  // passed the limit) but not kept, for requests that only time an answer.
  bool keep_body = true;
  // When set, asked once the status and headers have arrived: false, and
  // the body is read and counted but not kept (keep_body still rules).
  std::function<bool(const HttpResponse& head)> keep_body_if;
  // Where the connection is kept open after the answer (HTTP keep-alive),
  // and where the next request to the same origin finds it; nullptr: a
  // fresh connection, closed after the answer.
  HttpConnections* connections = nullptr;
};

struct HttpResponse {
  int status = 0;
  HeaderList headers;        // names lower-cased, in arrival order
  std::string body;          // at most HttpOptions::max_body_bytes
  bool body_truncated = false;  // the body was larger than the limit and was cut
  Duration elapsed{};        // first byte sent to last byte read, redirects included
  std::string final_url;     // after redirects
  int redirects = 0;

  // The first value of a header (case-insensitive name), or "".
  std::string Header(std::string_view name) const;
  // The media type without parameters, lower-cased ("application/json").
  std::string MediaType() const;
};

// The HTTP client seam. A non-OK Status means no usable answer arrived:
// connection refused or reset, timeout, TLS failure, too many redirects.
// Any HTTP status, including 5xx, is an answer. Implementations are
// thread-safe.
class HttpClient {
 public:
  virtual ~HttpClient() = default;
  virtual StatusOr<HttpResponse> Fetch(const HttpRequest& request, const HttpOptions& options) = 0;
  // A set of kept-open connections for HttpRequest::connections, used by
  // one thread at a time (one probe run); nullptr if this client keeps none.
  virtual std::unique_ptr<HttpConnections> NewConnections() { return nullptr; }
  // Ends the requests in flight and refuses new ones (shutdown).
  virtual void Cancel() {}
};

// Connections kept open between requests; what is inside belongs to the
// client that made it. Destroying it closes them.
class HttpConnections {
 public:
  virtual ~HttpConnections() = default;
};

}  // namespace probity

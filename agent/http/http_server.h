#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "http/http_client.h"

struct MHD_Daemon;
struct MHD_Connection;

namespace probity {

struct ServerRequest {
  std::string method;
  std::string path;
  HeaderList headers;  // names lower-cased
  std::vector<std::pair<std::string, std::string>> params;  // decoded query parameters
  std::string body;

  std::string Header(std::string_view name) const;
  // The first value of a query parameter; `found` says whether it was there.
  std::string Param(std::string_view name, bool* found = nullptr) const;
};

struct ServerResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  HeaderList headers;
};

using ServerHandler = std::function<void(const ServerRequest&, ServerResponse&)>;

// TLS for the server's connections (libmicrohttpd over GnuTLS).
struct ServerTls {
  std::string cert_pem;
  std::string key_pem;
  // With require_client_cert: the handshake fails unless the client shows a
  // certificate that chains to one of these.
  std::string client_ca_pem;
  bool require_client_cert = false;
  std::string min_version = "TLS12";  // TLS10 … TLS13
  std::string max_version = "TLS13";
};

// Who may ask: HTTP basic authentication. Verifying a password is slow by
// design (bcrypt), so the server only asks Verify off its event threads and
// remembers nothing itself: Cached answers what is already known.
class BasicAuthenticator {
 public:
  virtual ~BasicAuthenticator() = default;
  // The verdict on this pair if known without hashing; nullopt otherwise.
  virtual std::optional<bool> Cached(const std::string& user, const std::string& password) const = 0;
  // Thread-safe; may take tens of milliseconds.
  virtual bool Verify(const std::string& user, const std::string& password) = 0;
};

// What one peer, or all of them together, may hold of the server. The
// defaults suit a sidecar: thousands of idle or trickling connections cost a
// few KiB each and never take a thread, and no single address can take more
// than a fraction of the connections.
struct ServerLimits {
  // Event-loop threads (epoll). Fast handlers run on them.
  int event_threads = 2;
  // Connections in total; lowered to fit RLIMIT_NOFILE (whose soft limit is
  // raised to the hard one) with room left for the agent's own files and probes.
  unsigned connections = 4096;
  // Connections from one address. Loopback clients that need more use other
  // 127.0.0.x source addresses. 0: no per-address limit.
  unsigned connections_per_address = 256;
  // A connection with no traffic for this long is closed, while its request
  // head or body is arriving and while it idles between keep-alive requests.
  std::chrono::seconds idle_timeout{10};
  // Memory per connection: bounds the request line plus headers (a larger
  // head is answered 431 or 414, or the connection closed).
  std::size_t connection_memory = 64 * 1024;
  // Request bodies, chunked ones included, are refused with 413 (or the
  // connection closed) as soon as they pass this size; never buffered beyond.
  std::size_t max_body = 1024 * 1024;
  // Slow handlers (RouteSlow) in flight at once, running or waiting for one of
  // `slow_threads` threads; one more is answered 503 at once.
  int slow_threads = 8;
  int slow_in_flight = 32;
  // Requests whose credentials are being verified (bcrypt) at once, in all
  // and per client address; one more is answered 503 without hashing. A
  // flood of guessed passwords costs at most `verifying` cores, leaves the
  // slow pool to /probe, and from one address cannot keep another address's
  // first request from being verified.
  int verifying = 4;
  int verifying_per_address = 1;
};

// The HTTP server seam: exact-path routes, one fallback for everything else.
// libmicrohttpd stays behind this header.
//
// Thread safety: Route*, Fallback and Bind before Start/Serve, from one
// thread; Stop from any thread. Handlers run concurrently and must be
// thread-safe: Route handlers on the event-loop threads (so they must be quick
// and never block), RouteSlow handlers on a bounded pool of their own.
class HttpServer {
 public:
  explicit HttpServer(ServerLimits limits = ServerLimits());
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // A quick handler, run on an event-loop thread. HEAD is served by GET routes.
  void Route(const std::string& method, const std::string& path, ServerHandler handler);
  // A handler that may take long (a probe, a reload): the connection is
  // parked while it runs on a slow-pool thread, so it holds no event-loop
  // thread. With `ServerLimits::slow_in_flight` already in flight, or while
  // stopping, the request is answered 503 without running the handler.
  void RouteSlow(const std::string& method, const std::string& path, ServerHandler handler);
  // Answers every request no route matched. `res.status` arrives as 404, or
  // 405 when the path has routes for other methods only (an Allow header is
  // added then).
  void Fallback(ServerHandler handler);
  // Told of each answer the server gives without running a handler: 413 for
  // a body over the limit, 503 when the slow pool is full or the server is
  // stopping. `route` is the path of the routes the request's path matched,
  // "" when none. Called on a server thread: keep it quick.
  void OnRefused(std::function<void(const std::string& route, int status)> observer);
  // Serves TLS only. The PEM texts are checked when the server starts.
  void UseTls(ServerTls tls);
  // Every path but `open_paths` answers 401 (with WWW-Authenticate) unless the
  // request brings credentials `auth` accepts; the 401 is told to OnRefused.
  void RequireBasicAuth(std::shared_ptr<BasicAuthenticator> auth, std::vector<std::string> open_paths);
  // Headers added to every answer (e.g. Strict-Transport-Security).
  void AddHeaders(HeaderList headers);

  // Binds the listen address (":9465" every address, "127.0.0.1:0",
  // "[::1]:9465", "localhost:9465") without SO_REUSEPORT: an address in use
  // is an error. Port 0 picks a free port; port() tells which. Connections
  // wait in the backlog until Start().
  Status Bind(std::string_view listen_address);
  int port() const { return port_; }
  // Starts serving in the background; an error when Bind() did not succeed.
  Status Start();
  // Start(), then blocks until Stop().
  void Serve();
  // Stops accepting, answers waiting slow requests 503, waits for running slow
  // handlers (cancel their work first), then closes every connection.
  // Idempotent.
  void Stop();

 private:
  struct RouteEntry {
    std::string method;
    std::string path;
    ServerHandler handler;
    bool slow = false;
  };
  struct Exchange;
  class SlowPool;
  friend struct ServerCallbacks;  // libmicrohttpd's C callbacks, in the .cc

  void Add(const std::string& method, const std::string& path, ServerHandler handler, bool slow);
  // One call of libmicrohttpd's access handler; false drops the connection.
  bool Handle(MHD_Connection* connection, const char* url, const char* method, const char* upload_data,
              std::size_t* upload_data_size, void** context);
  bool Dispatch(MHD_Connection* connection, Exchange& exchange);
  // Queues `response` with the configured headers; false drops the connection.
  bool Queue(MHD_Connection* connection, ServerResponse& response) const;
  bool QueueStatus(MHD_Connection* connection, int status, std::string body) const;
  void Unauthorized(ServerResponse& response) const;
  // Tells the refusal observer, if any, of a refusal of `request`.
  void Refused(const ServerRequest& request, int status) const;
  // A parked request completed (answered, or its connection closed).
  void Unparked();

  ServerLimits limits_;
  std::vector<RouteEntry> routes_;
  ServerHandler fallback_;
  std::function<void(const std::string& route, int status)> on_refused_;
  std::unique_ptr<SlowPool> slow_pool_;
  std::optional<ServerTls> tls_;
  std::string tls_priorities_;  // kept alive for libmicrohttpd
  std::shared_ptr<BasicAuthenticator> auth_;
  std::vector<std::string> open_paths_;
  HeaderList headers_;
  int listen_fd_ = -1;
  bool ipv6_ = false;
  int port_ = 0;
  MHD_Daemon* daemon_ = nullptr;
  std::mutex mu_;  // guards stopped_ and parked_
  std::condition_variable stopped_cv_;
  bool stopped_ = false;
  int parked_ = 0;  // slow requests handed to the pool and not yet completed
  // Requests whose credentials are being verified, in all and by client address.
  bool StartVerifying(const std::string& peer);
  void DoneVerifying(const std::string& peer);
  std::mutex verify_mu_;
  int verifying_ = 0;
  std::map<std::string, int> verifying_by_peer_;
};

}  // namespace probity

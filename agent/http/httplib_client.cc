#include "http/httplib_client.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <thread>
#include <type_traits>

#include "core/duration.h"
#include "core/text.h"
#include "core/trace_context.h"
#include "http/url.h"

namespace probity {

struct HttplibClient::Shared {
  std::mutex mu;
  std::condition_variable cv;
  std::atomic<bool> cancelled{false};
};

namespace {

// Stops a TLS request that is still running at its deadline (or when the
// client is cancelled) by shutting its socket down from a second thread.
// (A plain-HTTP request needs none: its stream keeps the deadline itself.)
class Watchdog {
 public:
  Watchdog(std::mutex& mu, std::condition_variable& cv, const std::atomic<bool>& cancelled, httplib::ClientImpl& client,
           MonoTime deadline)
      : mu_(mu), cv_(cv) {
    thread_ = std::thread([this, &cancelled, &client, deadline] {
      std::unique_lock<std::mutex> lock(mu_);
      while (!done_ && !cancelled && std::chrono::steady_clock::now() < deadline) {
        cv_.wait_until(lock, deadline);
      }
      if (!done_) {
        fired_ = true;
        client.stop();
      }
    });
  }
  ~Watchdog() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  bool fired() {
    std::lock_guard<std::mutex> lock(mu_);
    return fired_;
  }

 private:
  std::mutex& mu_;
  std::condition_variable& cv_;
  bool done_ = false;
  bool fired_ = false;
  std::thread thread_;
};

bool IsRedirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

std::string DescribeError(httplib::Error error, bool timed_out, bool cancelled, Duration timeout,
                          const Url& url) {
  const std::string where = " (" + url.Origin() + ")";
  if (cancelled) return "request cancelled: the agent is shutting down";
  if (timed_out) return "no complete answer within the " + FormatDuration(timeout) + " timeout" + where;
  switch (error) {
    case httplib::Error::Connection:
      return "connection failed: refused or unreachable" + where;
    case httplib::Error::ConnectionTimeout:
      return "connect timed out" + where;
    case httplib::Error::Read:
      return "connection closed or reset before a complete HTTP answer, or the answer was not HTTP" + where;
    case httplib::Error::Write:
      return "connection closed or reset while sending the request" + where;
    case httplib::Error::SSLConnection:
      return "TLS handshake failed" + where;
    case httplib::Error::SSLLoadingCerts:
      return "could not load the CA certificates for TLS verification";
    case httplib::Error::SSLServerVerification:
      return "TLS certificate verification failed for " + url.host;
    case httplib::Error::Compression:
      return "could not decompress the response body" + where;
    default:
      return "request failed: " + httplib::to_string(error) + where;
  }
}

void TakeStatusAndHeaders(const httplib::Response& from, HttpResponse* to) {
  to->status = from.status;
  to->headers.clear();
  for (const auto& [key, value] : from.headers) to->headers.emplace_back(ToLower(key), value);
}

// Most a response head (status line and headers) may take. httplib reads a
// head without any bound: a million headers or one endless header line would
// be read into memory whole.
constexpr std::size_t kMaxResponseHeadBytes = 256 * 1024;

// The numeric address (and port, when asked) of an IPv4 or IPv6 socket
// address; "" for any other family.
std::string IpText(const sockaddr* addr, int* port) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (addr->sa_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(addr);
    if (port) *port = ntohs(a->sin_port);
    return inet_ntop(AF_INET, &a->sin_addr, buf, sizeof buf) ? buf : "";
  }
  if (addr->sa_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(addr);
    if (port) *port = ntohs(a->sin6_port);
    return inet_ntop(AF_INET6, &a->sin6_addr, buf, sizeof buf) ? buf : "";
  }
  return "";
}

// What a request (plain or TLS) shares with its socket stream.
struct StreamBounds {
  std::chrono::steady_clock::time_point deadline;  // of the whole request
  const std::atomic<bool>* cancelled = nullptr;
  bool head_done = false;  // set by the response handler
  bool head_too_large = false;
  bool timed_out = false;
  bool leftover = false;  // bytes arrived past the answer: the connection is out of step
};

// A socket stream, as httplib's own, that keeps the request's deadline and
// its cancellation (no thread needed to stop it), and fails the read once
// the response head has taken its cap; after the head (the response handler
// has seen it) reads are not counted, the body being bounded by the content
// receiver.
// Over TLS (`ssl` set) it reads and writes through OpenSSL.
class HeadBoundedStream final : public httplib::Stream {
 public:
  HeadBoundedStream(socket_t sock, SSL* ssl, std::chrono::microseconds read_timeout,
                    std::chrono::microseconds write_timeout, StreamBounds* bounds)
      : sock_(sock), ssl_(ssl), read_timeout_(read_timeout), write_timeout_(write_timeout), bounds_(*bounds) {}
  ~HeadBoundedStream() override {
    if (buffered_ < filled_) bounds_.leftover = true;
  }

  bool is_readable() const override { return (ssl_ && SSL_pending(ssl_) > 0) || Wait(POLLIN, read_timeout_); }
  bool is_writable() const override { return Wait(POLLOUT, write_timeout_); }

  ssize_t read(char* ptr, size_t size) override {
    if (!bounds_.head_done) {
      if (head_bytes_ >= kMaxResponseHeadBytes) {
        bounds_.head_too_large = true;
        return -1;
      }
      size = std::min(size, kMaxResponseHeadBytes - head_bytes_);
    }
    ssize_t n;
    if (buffered_ < filled_) {
      n = static_cast<ssize_t>(std::min(size, filled_ - buffered_));
      std::memcpy(ptr, buffer_ + buffered_, static_cast<std::size_t>(n));
      buffered_ += static_cast<std::size_t>(n);
    } else {
      if (!is_readable()) return -1;
      // Small reads (httplib reads a head a byte at a time) go through a buffer.
      const bool buffer = size < sizeof buffer_;
      n = Receive(buffer ? buffer_ : ptr, buffer ? sizeof buffer_ : size);
      if (n <= 0) return n;
      if (buffer) {
        filled_ = static_cast<std::size_t>(n);
        n = static_cast<ssize_t>(std::min(size, filled_));
        std::memcpy(ptr, buffer_, static_cast<std::size_t>(n));
        buffered_ = static_cast<std::size_t>(n);
      }
    }
    if (!bounds_.head_done) head_bytes_ += static_cast<std::size_t>(n);
    return n;
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (!is_writable()) return -1;
    if (ssl_) {
      for (;;) {
        ERR_clear_error();
        const int n = SSL_write(ssl_, ptr, static_cast<int>(std::min<size_t>(size, INT_MAX)));
        if (n > 0) return n;
        if (!Retry(n)) return -1;
      }
    }
    ssize_t n;
    do {
      n = ::send(sock_, ptr, size, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    return n;
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override { Address(::getpeername, ip, port); }
  void get_local_ip_and_port(std::string& ip, int& port) const override { Address(::getsockname, ip, port); }
  socket_t socket() const override { return sock_; }

 private:
  ssize_t Receive(char* into, size_t size) {
    if (ssl_) {
      for (;;) {
        ERR_clear_error();
        const int n = SSL_read(ssl_, into, static_cast<int>(std::min<size_t>(size, INT_MAX)));
        if (n > 0) return n;
        if (SSL_get_error(ssl_, n) == SSL_ERROR_ZERO_RETURN) return 0;
        if (!Retry(n)) return -1;
      }
    }
    ssize_t n;
    do {
      n = ::recv(sock_, into, size, 0);
    } while (n < 0 && errno == EINTR);
    return n;
  }

  // After an OpenSSL call returned `rc`: true once the socket is ready for
  // the call to be made again.
  bool Retry(int rc) const {
    switch (SSL_get_error(ssl_, rc)) {
      case SSL_ERROR_WANT_READ: return Wait(POLLIN, read_timeout_);
      case SSL_ERROR_WANT_WRITE: return Wait(POLLOUT, write_timeout_);
      default: return false;
    }
  }

  // Waits for the socket until the earlier of the timeout and the request's
  // deadline, looking at the cancellation every 100 ms while it waits.
  bool Wait(short events, std::chrono::microseconds timeout) const {
    using std::chrono::steady_clock;
    const auto until = std::min(bounds_.deadline, steady_clock::now() + timeout);
    pollfd p{sock_, events, 0};
    for (;;) {
      if (bounds_.cancelled->load(std::memory_order_relaxed)) return false;
      const auto now = steady_clock::now();
      if (now >= until) {
        if (now >= bounds_.deadline) bounds_.timed_out = true;
        return false;
      }
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(until - now).count();
      const int rc = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 100)));
      if (rc > 0) return true;
      if (rc < 0 && errno != EINTR) return false;
    }
  }

  void Address(int (*get)(int, sockaddr*, socklen_t*), std::string& ip, int& port) const {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    ip.clear();
    port = 0;
    if (get(sock_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return;
    ip = IpText(reinterpret_cast<const sockaddr*>(&addr), &port);
  }

  socket_t sock_;
  SSL* ssl_;
  std::chrono::microseconds read_timeout_;
  std::chrono::microseconds write_timeout_;
  StreamBounds& bounds_;
  std::size_t head_bytes_ = 0;
  char buffer_[4096];
  std::size_t buffered_ = 0;  // bytes of buffer_ handed out
  std::size_t filled_ = 0;    // bytes of buffer_ received
};

// An httplib client (plain or TLS) whose socket stream is ours: bounded in
// time and in the size of the response head.
template <typename Base>
class HeadBounded final : public Base {
 public:
  HeadBounded(const std::string& host, int port) : Base(host, port) {}
  StreamBounds bounds;

 private:
  using Socket = typename Base::Socket;
  // httplib's own (private) socket processing, with our stream.
  bool process_socket(const Socket& socket, std::function<bool(httplib::Stream& strm)> callback) override {
    using std::chrono::seconds;
    using std::chrono::microseconds;
    SSL* ssl = nullptr;
    if constexpr (std::is_same_v<Base, httplib::SSLClient>) ssl = socket.ssl;
    HeadBoundedStream stream(socket.sock, ssl, seconds(this->read_timeout_sec_) + microseconds(this->read_timeout_usec_),
                             seconds(this->write_timeout_sec_) + microseconds(this->write_timeout_usec_), &bounds);
    return callback(stream);
  }
};

// A client for one origin (plain or TLS) and its stream's bounds.
struct Connection {
  std::unique_ptr<httplib::ClientImpl> client;
  StreamBounds* bounds = nullptr;
};

bool IsIpLiteral(const std::string& host) {
  in6_addr v6;
  in_addr v4;
  return inet_pton(AF_INET, host.c_str(), &v4) == 1 || inet_pton(AF_INET6, host.c_str(), &v6) == 1;
}

// Resolves a host name within `budget`. The system resolver takes no
// timeout, so it runs on a thread of its own that is left to finish by
// itself when the budget runs out; its state is shared, not borrowed.
StatusOr<std::string> Resolve(const std::string& host, std::chrono::microseconds budget, Duration timeout,
                              const std::function<bool()>& cancelled) {
  struct Lookup {
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    int rc = 0;
    std::string address;
  };
  auto lookup = std::make_shared<Lookup>();
  std::thread([lookup, host] {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* result = nullptr;
    const int rc = getaddrinfo(host.c_str(), nullptr, &hints, &result);
    std::string address;
    if (rc == 0 && result) address = IpText(result->ai_addr, nullptr);
    if (result) freeaddrinfo(result);
    std::lock_guard<std::mutex> lock(lookup->mu);
    lookup->rc = rc;
    lookup->address = std::move(address);
    lookup->done = true;
    lookup->cv.notify_all();
  }).detach();
  const auto deadline = std::chrono::steady_clock::now() + budget;
  std::unique_lock<std::mutex> lock(lookup->mu);
  // In slices, so that a shutdown need not wait for the resolver.
  while (!lookup->done) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      return Status::Error("DNS: no answer for " + host + " within the " + FormatDuration(timeout) + " timeout");
    }
    lookup->cv.wait_for(lock, std::min<std::chrono::steady_clock::duration>(deadline - now, std::chrono::milliseconds(50)));
    if (!lookup->done && cancelled()) return Status::Error("request cancelled: the agent is shutting down");
  }
  if (lookup->rc != 0) {
    return Status::Error("DNS: cannot resolve " + host + ": " + std::string(gai_strerror(lookup->rc)));
  }
  if (lookup->address.empty()) return Status::Error("DNS: " + host + " resolved to no usable address");
  return lookup->address;
}

// The connections of one run, one per origin, each idle between requests.
class KeptConnections final : public HttpConnections {
 public:
  std::map<std::string, Connection> idle;
};

// A client for `url`'s origin whose stream is ours; the host name resolved
// within the request's time (httplib would resolve it without a timeout).
StatusOr<Connection> Connect(const Url& url, std::chrono::microseconds remaining, const HttpOptions& options,
                             const std::function<bool()>& cancelled) {
  Connection conn;
  if (url.is_tls()) {
    auto tls = std::make_unique<HeadBounded<httplib::SSLClient>>(url.host, url.port);
    conn.bounds = &tls->bounds;
    conn.client = std::move(tls);
    conn.client->enable_server_certificate_verification(options.tls_verify);
    if (!options.ca_file.empty()) conn.client->set_ca_cert_path(options.ca_file);
  } else {
    auto plain = std::make_unique<HeadBounded<httplib::ClientImpl>>(url.host, url.port);
    conn.bounds = &plain->bounds;
    conn.client = std::move(plain);
  }
  if (!IsIpLiteral(url.host)) {
    StatusOr<std::string> address = Resolve(url.host, remaining, options.timeout, cancelled);
    if (!address.ok()) return address.status();
    conn.client->set_hostname_addr_map({{url.host, *address}});
  }
  conn.client->set_follow_location(false);
  return conn;
}

}  // namespace

HttplibClient::HttplibClient(const Clock& clock) : clock_(clock), shared_(std::make_shared<Shared>()) {}

HttplibClient::~HttplibClient() = default;

void HttplibClient::Cancel() {
  {
    std::lock_guard<std::mutex> lock(shared_->mu);
    shared_->cancelled = true;
  }
  shared_->cv.notify_all();
}

std::unique_ptr<HttpConnections> HttplibClient::NewConnections() { return std::make_unique<KeptConnections>(); }

StatusOr<HttpResponse> HttplibClient::Fetch(const HttpRequest& request, const HttpOptions& options) {
  StatusOr<Url> first = ParseUrl(request.url);
  if (!first.ok()) return first.status();
  Url url = *first;
  const Url origin = url;
  const MonoTime start = clock_.Now();
  const auto deadline = std::chrono::steady_clock::now() + options.timeout;
  std::set<std::string> visited{url.ToString()};
  std::vector<std::string> chain{url.target};
  auto* kept = dynamic_cast<KeptConnections*>(request.connections);
  const auto cancelled_now = [this] { return shared_->cancelled.load(); };

  HttpResponse response;
  for (int hop = 0;; ++hop) {
    httplib::Request req;
    req.method = request.method;
    req.path = url.target;
    req.headers.emplace("User-Agent", "probity");
    // Configured headers (an API key, say) and credentials go only to the
    // origin they were configured for, never across a redirect to another.
    const bool same_origin = url.Origin() == origin.Origin();
    if (same_origin) {
      for (const auto& [key, value] : options.headers) req.headers.emplace(key, value);
    }
    for (const auto& [key, value] : request.headers) req.headers.emplace(key, value);
    // Every probe starts a trace of its own, so that the target can tie its
    // log lines to the probe (httplib's header map is case-insensitive).
    if (req.headers.find("traceparent") == req.headers.end()) {
      req.headers.emplace("traceparent", FormatTraceparent(NewTraceId(), NewSpanId()));
    }
    if (request.with_auth && same_origin) {
      if (!options.bearer_token.empty()) {
        req.headers.emplace("Authorization", "Bearer " + options.bearer_token.Reveal());
      } else if (!options.basic_auth_user.empty()) {
        req.headers.insert(httplib::make_basic_authentication_header(options.basic_auth_user,
                                                                      options.basic_auth_password.Reveal()));
      }
    }
    std::uint64_t body_bytes = 0;
    bool keep_body = request.keep_body;
    Connection conn;
    req.response_handler = [&response, &conn, &options, &request, &keep_body](const httplib::Response& r) {
      conn.bounds->head_done = true;
      TakeStatusAndHeaders(r, &response);
      if (keep_body && request.keep_body_if) keep_body = request.keep_body_if(response);
      // A declared length is taken at its word (up to the cap), so that the
      // body grows once rather than doubling its way there.
      const std::string length = r.get_header_value("Content-Length");
      char* end = nullptr;
      const unsigned long long declared = length.empty() ? 0 : std::strtoull(length.c_str(), &end, 10);
      if (keep_body && declared > 0 && end && *end == '\0') {
        response.body.reserve(static_cast<std::size_t>(std::min<unsigned long long>(declared, options.max_body_bytes)));
      }
      return true;
    };
    req.content_receiver = [&response, &options, &keep_body, &body_bytes](const char* data, size_t length, uint64_t,
                                                                           uint64_t) {
      const std::uint64_t room = options.max_body_bytes - body_bytes;
      const std::size_t taken = static_cast<std::size_t>(std::min<std::uint64_t>(length, room));
      if (keep_body) response.body.append(data, taken);
      body_bytes += taken;
      if (length > room) {
        response.body_truncated = true;
        return false;
      }
      return true;
    };

    // A kept connection the peer closed just as it was reused fails before
    // any answer; the request is then made once more on a fresh one. (A kept
    // client whose socket httplib closed connects afresh: nothing to retry.)
    const std::string key = url.Origin();
    bool reused = false;
    if (kept) {
      if (auto it = kept->idle.find(key); it != kept->idle.end()) {
        conn = std::move(it->second);
        kept->idle.erase(it);
        reused = conn.client->is_socket_open();
        // An idle connection with something to read was closed by the peer
        // or sent bytes nobody asked for: it is not used again.
        pollfd p{conn.client->socket(), POLLIN, 0};
        if (reused && ::poll(&p, 1, 0) != 0) {
          conn = Connection{};
          reused = false;
        }
      }
    }
    httplib::Result result(nullptr, httplib::Error::Unknown);
    bool timed_out = false;
    bool cancelled = false;
    for (;;) {
      if (shared_->cancelled) return Status::Error("request cancelled: the agent is shutting down");
      const auto remaining =
          std::chrono::duration_cast<std::chrono::microseconds>(deadline - std::chrono::steady_clock::now());
      if (remaining.count() <= 0) {
        return Status::Error("no complete answer within the " + FormatDuration(options.timeout) + " timeout");
      }
      if (!conn.client) {
        StatusOr<Connection> made = Connect(url, remaining, options, cancelled_now);
        if (!made.ok()) return made.status();
        conn = std::move(*made);
      }
      httplib::ClientImpl& client = *conn.client;
      *conn.bounds = StreamBounds{};
      conn.bounds->deadline = deadline;
      conn.bounds->cancelled = &shared_->cancelled;
      client.set_connection_timeout(std::min<std::chrono::microseconds>(
          remaining, std::chrono::duration_cast<std::chrono::microseconds>(options.connect_timeout)));
      // The stream (or, for TLS, the watchdog) ends the request at the
      // deadline; httplib's own timeouts are a margin behind it so that a
      // timeout is always reported as one.
      client.set_read_timeout(remaining + std::chrono::seconds(1));
      client.set_write_timeout(remaining + std::chrono::seconds(1));
      client.set_keep_alive(kept != nullptr);

      response.status = 0;
      response.headers.clear();
      response.body.clear();
      response.body_truncated = false;
      body_bytes = 0;
      keep_body = request.keep_body;
      if (!url.is_tls()) {
        result = client.send(req);
      } else {
        // OpenSSL may block inside a record on the (blocking) socket, out of
        // the stream's sight: a watchdog keeps the deadline there.
        Watchdog watchdog(shared_->mu, shared_->cv, shared_->cancelled, client, deadline);
        result = client.send(req);
        timed_out = watchdog.fired();
      }
      timed_out = timed_out || conn.bounds->timed_out;
      cancelled = shared_->cancelled;
      const bool stale = reused && !result && response.status == 0 && !timed_out && !cancelled &&
                         !conn.bounds->head_too_large &&
                         (result.error() == httplib::Error::Read || result.error() == httplib::Error::Write);
      if (!stale) break;
      conn = Connection{};
      reused = false;
    }
    if (conn.bounds->head_too_large) {
      return Status::Error("the response head (status line and headers) is larger than the " +
                           FormatByteSize(kMaxResponseHeadBytes) + " limit (" + url.Origin() + ")");
    }
    if (!result && !(response.body_truncated && response.status != 0)) {
      return Status::Error(DescribeError(result.error(), timed_out, cancelled, options.timeout, url));
    }
    if (timed_out && !response.body_truncated) {
      return Status::Error(DescribeError(result.error(), true, cancelled, options.timeout, url));
    }
    // httplib calls the response handler only for answers that have a body:
    // a 204, a 304 or an answer to HEAD reaches us only through the result.
    if (result) TakeStatusAndHeaders(result.value(), &response);
    // A complete answer leaves its connection for the next request (httplib
    // closes it when the peer asked to, and reconnects on the next one).
    if (kept && result && !timed_out && !conn.bounds->leftover) kept->idle[key] = std::move(conn);

    const std::string location = response.Header("location");
    if (!options.follow_redirects || !IsRedirect(response.status) || location.empty()) break;
    if (hop >= options.max_redirects) {
      return Status::Error("too many redirects: gave up after " + std::to_string(options.max_redirects) +
                           " (" + Excerpt(chain.front(), 60) + " → … → " + Excerpt(chain.back(), 60) + ")");
    }
    StatusOr<Url> next = ResolveReference(url, location);
    if (!next.ok()) return next.status();
    url = *next;
    chain.push_back(url.target);
    if (!visited.insert(url.ToString()).second) {
      std::string path;
      for (const std::string& step : chain) path += (path.empty() ? "" : " → ") + Excerpt(step, 60);
      return Status::Error("redirect loop: " + path);
    }
    response.redirects = hop + 1;
  }
  response.elapsed = clock_.Now() - start;
  response.final_url = url.ToString();
  return response;
}

}  // namespace probity

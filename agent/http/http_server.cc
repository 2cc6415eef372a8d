#include "http/http_server.h"

#include <arpa/inet.h>
#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <exception>
#include <thread>

#include "core/text.h"
#include "http/url.h"

namespace probity {

// One request, from its head to its completion; MHD's per-request context.
struct HttpServer::Exchange {
  ServerRequest request;
  // A response was queued before the body ended (it was too large): the rest
  // of the body is dropped unread.
  bool refused = false;
  // Handed to the slow pool; the connection is suspended until `answered`.
  bool parked = false;
  std::atomic<bool> answered{false};
  ServerResponse response;  // written by the slow handler before it resumes the connection
};

// Threads for slow handlers, started as they are needed, at most `threads`.
// Every accepted job runs exactly once, so every parked connection is resumed.
class HttpServer::SlowPool {
 public:
  using Job = std::function<void(bool cancelled)>;

  SlowPool(int threads, int in_flight) : max_threads_(std::max(1, threads)), max_in_flight_(std::max(1, in_flight)) {}
  ~SlowPool() { Stop(); }

  // Takes a place for one job; false when the pool is full or stopping.
  bool Reserve() {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ || in_flight_ >= max_in_flight_) return false;
    ++in_flight_;
    return true;
  }

  // Runs a job Reserve() made room for; with `cancelled` set when the pool
  // began stopping before the job started.
  void Submit(Job job) {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(job));
    if (queue_.size() > static_cast<std::size_t>(idle_) && live_ < max_threads_) {
      ++live_;
      threads_.emplace_back([this] { Work(); });
    }
    work_cv_.notify_one();
  }

  // Waiting jobs run cancelled, running ones finish; then every thread is joined.
  void Stop() {
    std::unique_lock<std::mutex> lock(mu_);
    stopping_ = true;
    work_cv_.notify_all();
    done_cv_.wait(lock, [this] { return in_flight_ == 0; });
    std::vector<std::thread> threads = std::move(threads_);
    threads_.clear();
    lock.unlock();
    for (std::thread& t : threads) t.join();
  }

 private:
  void Work() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      ++idle_;
      work_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      --idle_;
      if (queue_.empty()) break;
      Job job = std::move(queue_.front());
      queue_.pop_front();
      const bool cancelled = stopping_;
      lock.unlock();
      job(cancelled);
      lock.lock();
      if (--in_flight_ == 0) done_cv_.notify_all();
    }
    --live_;
  }

  const int max_threads_;
  const int max_in_flight_;
  std::mutex mu_;
  std::condition_variable work_cv_;
  std::condition_variable done_cv_;
  std::deque<Job> queue_;
  std::vector<std::thread> threads_;
  int live_ = 0;
  int idle_ = 0;
  int in_flight_ = 0;  // reserved, queued or running
  bool stopping_ = false;
};

namespace {

constexpr rlim_t kMaxOpenFiles = 65536;
// How long Stop() lets the answers of resumed slow requests leave.
constexpr auto kParkedAnswerGrace = std::chrono::seconds(2);
// Descriptors kept free of the server's connections: the agent's probes, log
// files, its own listening socket and libmicrohttpd's epoll and eventfds.
constexpr rlim_t kReservedFiles = 256;

// Raises the soft RLIMIT_NOFILE to the hard one (at most kMaxOpenFiles) and
// returns how many connections fit under it.
unsigned FitConnections(unsigned wanted) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return wanted;
  const rlim_t target = limit.rlim_max == RLIM_INFINITY ? kMaxOpenFiles : std::min(limit.rlim_max, kMaxOpenFiles);
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < target) {
    rlimit raised = limit;
    raised.rlim_cur = target;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  if (limit.rlim_cur == RLIM_INFINITY) return wanted;
  const rlim_t room = limit.rlim_cur > 2 * kReservedFiles ? limit.rlim_cur - kReservedFiles : limit.rlim_cur / 2;
  return static_cast<unsigned>(std::max<rlim_t>(1, std::min<rlim_t>(wanted, room)));
}

MHD_Result CollectPair(void* cls, MHD_ValueKind, const char* key, const char* value) {
  auto* out = static_cast<std::vector<std::pair<std::string, std::string>>*>(cls);
  out->emplace_back(key ? key : "", value ? value : "");
  return MHD_YES;
}

void FreeBody(void* body) { delete static_cast<std::string*>(body); }

// Queues `from` on the connection (the body is moved, not copied) with the
// `common` headers; false when libmicrohttpd cannot send it, which drops the
// connection.
bool QueueWith(MHD_Connection* connection, ServerResponse& from, const HeaderList& common) {
  auto* body = new std::string(std::move(from.body));
  MHD_Response* response =
      MHD_create_response_from_buffer_with_free_callback_cls(body->size(), body->data(), &FreeBody, body);
  if (response == nullptr) {
    delete body;
    return false;
  }
  MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, from.content_type.c_str());
  for (const auto& [name, value] : from.headers) MHD_add_response_header(response, name.c_str(), value.c_str());
  for (const auto& [name, value] : common) MHD_add_response_header(response, name.c_str(), value.c_str());
  const bool queued = MHD_queue_response(connection, static_cast<unsigned>(from.status), response) == MHD_YES;
  MHD_destroy_response(response);
  return queued;
}

// The client's IP address, as text ("" when unknown).
std::string PeerAddress(MHD_Connection* connection) {
  const MHD_ConnectionInfo* info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  if (info == nullptr || info->client_addr == nullptr) return "";
  char text[INET6_ADDRSTRLEN] = "";
  const sockaddr* address = info->client_addr;
  if (address->sa_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(address)->sin_addr, text, sizeof text);
  } else if (address->sa_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr, text, sizeof text);
  }
  return text;
}

// GnuTLS's priority string for a range of TLS versions.
std::string TlsPriorities(const std::string& min_version, const std::string& max_version) {
  static const char* const kVersions[][2] = {
      {"TLS10", "+VERS-TLS1.0"}, {"TLS11", "+VERS-TLS1.1"}, {"TLS12", "+VERS-TLS1.2"}, {"TLS13", "+VERS-TLS1.3"}};
  std::string out = "NORMAL:-VERS-ALL";
  bool in_range = false;
  for (const auto& [name, token] : kVersions) {
    if (min_version == name) in_range = true;
    if (in_range) out += std::string(":") + token;
    if (max_version == name) break;
  }
  return out;
}

std::string TooLarge(std::size_t limit) {
  return "request body larger than " + std::to_string(limit) + " bytes\n";
}

// Runs a handler; an exception becomes a 500 instead of crossing C frames.
void RunHandler(const ServerHandler& handler, const ServerRequest& request, ServerResponse& response) {
  try {
    handler(request, response);
  } catch (const std::exception& e) {
    response = ServerResponse();
    response.status = 500;
    response.body = std::string("internal error: ") + e.what() + "\n";
  } catch (...) {
    response = ServerResponse();
    response.status = 500;
    response.body = "internal error\n";
  }
}

// A listening socket for one resolved address, or -1 with `error` set.
int Listen(const sockaddr* address, socklen_t length, bool dual_stack, std::string* error) {
  const int fd = socket(address->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *error = std::strerror(errno);
    return -1;
  }
  // SO_REUSEADDR only: SO_REUSEPORT would let a second agent share the port
  // silently, and a taken address must be an error.
  int yes = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  if (address->sa_family == AF_INET6) {
    int v6only = dual_stack ? 0 : 1;
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only);
  }
  if (bind(fd, address, length) != 0 || listen(fd, SOMAXCONN) != 0) {
    *error = std::strerror(errno);
    close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

// libmicrohttpd's C callbacks, forwarding to the server.
struct ServerCallbacks {
  static MHD_Result OnRequest(void* self, MHD_Connection* connection, const char* url, const char* method,
                              const char* /*version*/, const char* upload_data, std::size_t* upload_data_size,
                              void** context) {
    return static_cast<HttpServer*>(self)->Handle(connection, url, method, upload_data, upload_data_size, context)
               ? MHD_YES
               : MHD_NO;
  }
  // A TLS connection that must show a client certificate: the handshake
  // fails without one, or with one that does not chain to the client CAs.
  static void OnConnection(void* /*self*/, MHD_Connection* connection, void** /*context*/,
                           MHD_ConnectionNotificationCode code) {
    if (code != MHD_CONNECTION_NOTIFY_STARTED) return;
    const MHD_ConnectionInfo* info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    if (info == nullptr || info->tls_session == nullptr) return;
    auto session = static_cast<gnutls_session_t>(info->tls_session);
    gnutls_certificate_server_set_request(session, GNUTLS_CERT_REQUIRE);
    gnutls_session_set_verify_cert(session, nullptr, 0);
  }
  static void OnCompleted(void* self, MHD_Connection* /*connection*/, void** context,
                          MHD_RequestTerminationCode /*reason*/) {
    auto* exchange = static_cast<HttpServer::Exchange*>(*context);
    if (exchange != nullptr && exchange->parked) static_cast<HttpServer*>(self)->Unparked();
    delete exchange;
    *context = nullptr;
  }
};

std::string ServerRequest::Header(std::string_view name) const {
  const std::string lower = ToLower(name);
  for (const auto& [key, value] : headers) {
    if (key == lower) return value;
  }
  return "";
}

std::string ServerRequest::Param(std::string_view name, bool* found) const {
  for (const auto& [key, value] : params) {
    if (key == name) {
      if (found) *found = true;
      return value;
    }
  }
  if (found) *found = false;
  return "";
}

HttpServer::HttpServer(ServerLimits limits)
    : limits_(limits), slow_pool_(std::make_unique<SlowPool>(limits.slow_threads, limits.slow_in_flight)) {}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Add(const std::string& method, const std::string& path, ServerHandler handler, bool slow) {
  routes_.push_back(RouteEntry{method, path, std::move(handler), slow});
}

void HttpServer::Route(const std::string& method, const std::string& path, ServerHandler handler) {
  Add(method, path, std::move(handler), false);
}

void HttpServer::RouteSlow(const std::string& method, const std::string& path, ServerHandler handler) {
  Add(method, path, std::move(handler), true);
}

void HttpServer::Fallback(ServerHandler handler) { fallback_ = std::move(handler); }

void HttpServer::OnRefused(std::function<void(const std::string& route, int status)> observer) {
  on_refused_ = std::move(observer);
}

void HttpServer::UseTls(ServerTls tls) { tls_ = std::move(tls); }

void HttpServer::RequireBasicAuth(std::shared_ptr<BasicAuthenticator> auth, std::vector<std::string> open_paths) {
  auth_ = std::move(auth);
  open_paths_ = std::move(open_paths);
}

void HttpServer::AddHeaders(HeaderList headers) {
  for (auto& header : headers) headers_.push_back(std::move(header));
}

bool HttpServer::Queue(MHD_Connection* connection, ServerResponse& response) const {
  return QueueWith(connection, response, headers_);
}

bool HttpServer::QueueStatus(MHD_Connection* connection, int status, std::string body) const {
  ServerResponse response;
  response.status = status;
  response.body = std::move(body);
  return Queue(connection, response);
}

void HttpServer::Unauthorized(ServerResponse& response) const {
  response = ServerResponse();
  response.status = 401;
  response.headers.emplace_back("WWW-Authenticate", "Basic realm=\"probity\", charset=\"UTF-8\"");
  response.body = "Unauthorized\n";
}

void HttpServer::Refused(const ServerRequest& request, int status) const {
  if (!on_refused_) return;
  const bool routed = std::any_of(routes_.begin(), routes_.end(),
                                  [&request](const RouteEntry& r) { return r.path == request.path; });
  on_refused_(routed ? request.path : std::string(), status);
}

Status HttpServer::Bind(std::string_view listen_address) {
  if (listen_fd_ >= 0 || daemon_ != nullptr) return Status::Error("the server is already bound");
  std::string host;
  int port = 0;
  Status status = ParseListenAddress(listen_address, &host, &port);
  if (!status.ok()) return status;
  const std::string service = std::to_string(port);
  const std::string fail = "cannot listen on " + std::string(listen_address) + ": ";
  std::string error = "no usable address";

  if (host.empty()) {
    // Every address: IPv6 and IPv4 on one socket where the host has IPv6,
    // IPv4 alone where it has not.
    sockaddr_in6 any6{};
    any6.sin6_family = AF_INET6;
    any6.sin6_addr = in6addr_any;
    any6.sin6_port = htons(static_cast<uint16_t>(port));
    listen_fd_ = Listen(reinterpret_cast<const sockaddr*>(&any6), sizeof any6, true, &error);
    ipv6_ = listen_fd_ >= 0;
    if (listen_fd_ < 0 && error != std::strerror(EADDRINUSE)) {
      sockaddr_in any4{};
      any4.sin_family = AF_INET;
      any4.sin_addr.s_addr = htonl(INADDR_ANY);
      any4.sin_port = htons(static_cast<uint16_t>(port));
      listen_fd_ = Listen(reinterpret_cast<const sockaddr*>(&any4), sizeof any4, false, &error);
    }
  } else {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* found = nullptr;
    const int resolved = getaddrinfo(host.c_str(), service.c_str(), &hints, &found);
    if (resolved != 0) return Status::Error(fail + gai_strerror(resolved));
    for (addrinfo* a = found; a != nullptr && listen_fd_ < 0; a = a->ai_next) {
      listen_fd_ = Listen(a->ai_addr, a->ai_addrlen, false, &error);
      ipv6_ = a->ai_family == AF_INET6;
    }
    freeaddrinfo(found);
  }
  if (listen_fd_ < 0) return Status::Error(fail + error);

  sockaddr_storage bound{};
  socklen_t length = sizeof bound;
  if (getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&bound), &length) == 0) {
    port_ = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                              : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  }
  return Status::Ok();
}

Status HttpServer::Start() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return Status::Error("the server was stopped");
  }
  if (daemon_ != nullptr) return Status::Ok();
  if (listen_fd_ < 0) return Status::Error("the server is not bound to an address");
  unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME;
  if (ipv6_) flags |= MHD_USE_IPv6;
  const unsigned threads = static_cast<unsigned>(std::max(1, limits_.event_threads));
  // Each event thread takes an equal share of the connections.
  const unsigned connections = std::max(threads, FitConnections(limits_.connections));
  std::vector<MHD_OptionItem> options = {
      {MHD_OPTION_LISTEN_SOCKET, listen_fd_, nullptr},
      {MHD_OPTION_THREAD_POOL_SIZE, static_cast<intptr_t>(threads), nullptr},
      {MHD_OPTION_CONNECTION_LIMIT, static_cast<intptr_t>(connections), nullptr},
      {MHD_OPTION_PER_IP_CONNECTION_LIMIT, static_cast<intptr_t>(limits_.connections_per_address), nullptr},
      {MHD_OPTION_CONNECTION_TIMEOUT, static_cast<intptr_t>(limits_.idle_timeout.count()), nullptr},
      {MHD_OPTION_CONNECTION_MEMORY_LIMIT, static_cast<intptr_t>(limits_.connection_memory), nullptr},
      {MHD_OPTION_NOTIFY_COMPLETED, reinterpret_cast<intptr_t>(&ServerCallbacks::OnCompleted), this},
  };
  if (tls_) {
    flags |= MHD_USE_TLS;
    tls_priorities_ = TlsPriorities(tls_->min_version, tls_->max_version);
    options.push_back({MHD_OPTION_HTTPS_MEM_CERT, 0, const_cast<char*>(tls_->cert_pem.c_str())});
    options.push_back({MHD_OPTION_HTTPS_MEM_KEY, 0, const_cast<char*>(tls_->key_pem.c_str())});
    options.push_back({MHD_OPTION_HTTPS_PRIORITIES, 0, const_cast<char*>(tls_priorities_.c_str())});
    if (tls_->require_client_cert) {
      options.push_back({MHD_OPTION_HTTPS_MEM_TRUST, 0, const_cast<char*>(tls_->client_ca_pem.c_str())});
      options.push_back({MHD_OPTION_NOTIFY_CONNECTION, reinterpret_cast<intptr_t>(&ServerCallbacks::OnConnection),
                         this});
    }
  }
  options.push_back({MHD_OPTION_END, 0, nullptr});
  daemon_ = MHD_start_daemon(flags, 0, nullptr, nullptr, &ServerCallbacks::OnRequest, this, MHD_OPTION_ARRAY,
                             options.data(), MHD_OPTION_END);
  if (daemon_ == nullptr && tls_) {
    return Status::Error("cannot start the HTTPS server on port " + std::to_string(port_) +
                         ": the certificate, key or client CA was refused (are they PEM, and does the key match?)");
  }
  if (daemon_ == nullptr) return Status::Error("cannot start the HTTP server on port " + std::to_string(port_));
  return Status::Ok();
}

void HttpServer::Serve() {
  if (!Start().ok()) return;
  std::unique_lock<std::mutex> lock(mu_);
  stopped_cv_.wait(lock, [this] { return stopped_; });
}

void HttpServer::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return;
    stopped_ = true;
  }
  stopped_cv_.notify_all();
  if (daemon_ != nullptr) {
    // Stop accepting first; the socket comes back to be closed here.
    const MHD_socket listening = MHD_quiesce_daemon(daemon_);
    if (listening != MHD_INVALID_SOCKET) listen_fd_ = listening;
  }
  // Every parked connection is resumed before the daemon goes: libmicrohttpd
  // must not be stopped with suspended connections. Their answers get a
  // moment to leave before the connections close.
  slow_pool_->Stop();
  {
    std::unique_lock<std::mutex> lock(mu_);
    stopped_cv_.wait_for(lock, kParkedAnswerGrace, [this] { return parked_ == 0; });
  }
  if (daemon_ != nullptr) {
    MHD_stop_daemon(daemon_);
    daemon_ = nullptr;
  }
  if (listen_fd_ >= 0) close(listen_fd_);
  listen_fd_ = -1;
}

void HttpServer::Unparked() {
  std::lock_guard<std::mutex> lock(mu_);
  --parked_;
  stopped_cv_.notify_all();
}

bool HttpServer::Handle(MHD_Connection* connection, const char* url, const char* method, const char* upload_data,
                        std::size_t* upload_data_size, void** context) {
  auto* exchange = static_cast<Exchange*>(*context);
  if (exchange == nullptr) {
    // The head has arrived; the body, if any, comes in the following calls.
    exchange = new Exchange;  // deleted by OnCompleted
    *context = exchange;
    exchange->request.method = method;
    exchange->request.path = url;
    MHD_get_connection_values(connection, MHD_HEADER_KIND, &CollectPair, &exchange->request.headers);
    for (auto& header : exchange->request.headers) header.first = ToLower(header.first);
    MHD_get_connection_values(connection, MHD_GET_ARGUMENT_KIND, &CollectPair, &exchange->request.params);
    // A declared length over the limit is refused before a byte of it is read.
    const char* length = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (length != nullptr) {
      errno = 0;
      char* end = nullptr;
      const unsigned long long declared = std::strtoull(length, &end, 10);
      if (errno != 0 || end == length || declared > limits_.max_body) {
        exchange->refused = true;
        Refused(exchange->request, 413);
        return QueueStatus(connection, 413, TooLarge(limits_.max_body));
      }
    }
    return true;
  }
  if (*upload_data_size != 0) {
    const std::size_t size = *upload_data_size;
    *upload_data_size = 0;
    if (exchange->refused) return true;
    if (exchange->request.body.size() + size > limits_.max_body) {
      // A chunked body announced no length: it is refused where it passes the
      // limit. Where libmicrohttpd cannot answer mid-body, the connection drops.
      exchange->refused = true;
      exchange->request.body.clear();
      exchange->request.body.shrink_to_fit();
      Refused(exchange->request, 413);
      return QueueStatus(connection, 413, TooLarge(limits_.max_body));
    }
    exchange->request.body.append(upload_data, size);
    return true;
  }
  if (exchange->refused) return true;
  if (exchange->parked) {
    if (!exchange->answered.load()) return true;  // woken early: keep waiting
    return Queue(connection, exchange->response);
  }
  return Dispatch(connection, *exchange);
}

bool HttpServer::StartVerifying(const std::string& peer) {
  std::lock_guard<std::mutex> lock(verify_mu_);
  int& mine = verifying_by_peer_[peer];
  if (verifying_ >= limits_.verifying || mine >= limits_.verifying_per_address) {
    if (mine == 0) verifying_by_peer_.erase(peer);
    return false;
  }
  ++verifying_;
  ++mine;
  return true;
}

void HttpServer::DoneVerifying(const std::string& peer) {
  std::lock_guard<std::mutex> lock(verify_mu_);
  --verifying_;
  auto it = verifying_by_peer_.find(peer);
  if (it != verifying_by_peer_.end() && --it->second <= 0) verifying_by_peer_.erase(it);
}

bool HttpServer::Dispatch(MHD_Connection* connection, Exchange& exchange) {
  const ServerRequest& request = exchange.request;
  // Who asks, when basic auth protects the path: a known pair is answered
  // here; an unknown one is verified (bcrypt) on the slow pool, never on an
  // event thread.
  std::optional<std::pair<std::string, std::string>> to_verify;
  if (auth_ && std::find(open_paths_.begin(), open_paths_.end(), request.path) == open_paths_.end()) {
    char* password = nullptr;
    char* user = MHD_basic_auth_get_username_password(connection, &password);
    std::optional<std::pair<std::string, std::string>> credentials;
    if (user != nullptr) credentials.emplace(user, password != nullptr ? password : "");
    if (user != nullptr) MHD_free(user);
    if (password != nullptr) MHD_free(password);
    const std::optional<bool> known = credentials ? auth_->Cached(credentials->first, credentials->second)
                                                  : std::optional<bool>(false);
    if (known && !*known) {
      ServerResponse denied;
      Unauthorized(denied);
      Refused(request, 401);
      return Queue(connection, denied);
    }
    if (!known) to_verify = std::move(credentials);
  }
  const std::string method = request.method == "HEAD" ? "GET" : request.method;
  const RouteEntry* route = nullptr;
  std::string allow;
  for (const RouteEntry& r : routes_) {
    if (r.path != request.path) continue;
    if (r.method == method) {
      route = &r;
      break;
    }
    allow += (allow.empty() ? "" : ", ") + r.method + (r.method == "GET" ? ", HEAD" : "");
  }
  // What answers the request once it is let in.
  auto answer = [this, route, allow](const ServerRequest& req, ServerResponse& response) {
    if (route != nullptr) return RunHandler(route->handler, req, response);
    response.status = allow.empty() ? 404 : 405;
    if (!allow.empty()) response.headers.emplace_back("Allow", allow);
    if (fallback_) {
      RunHandler(fallback_, req, response);
    } else {
      response.body = response.status == 404 ? "not found\n" : "method not allowed\n";
    }
  };
  if (!to_verify && (route == nullptr || !route->slow)) {
    ServerResponse response;
    answer(request, response);
    return Queue(connection, response);
  }
  const std::string peer = to_verify ? PeerAddress(connection) : std::string();
  const bool verify_slot = to_verify && StartVerifying(peer);
  if ((to_verify && !verify_slot) || !slow_pool_->Reserve()) {
    if (verify_slot) DoneVerifying(peer);
    ServerResponse busy;
    busy.status = 503;
    busy.headers.emplace_back("Retry-After", "1");
    busy.body = to_verify ? "too many credentials being verified; try again shortly\n"
                          : "too many slow requests in flight, or shutting down; try again shortly\n";
    Refused(request, 503);
    return Queue(connection, busy);
  }
  // Suspended before the job can finish: a connection is only ever resumed
  // after it was suspended.
  exchange.parked = true;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++parked_;
  }
  MHD_suspend_connection(connection);
  slow_pool_->Submit([this, &exchange, connection, answer, peer, to_verify = std::move(to_verify)](bool cancelled) {
    if (cancelled) {
      if (to_verify) DoneVerifying(peer);
      exchange.response.status = 503;
      exchange.response.body = "shutting down\n";
      Refused(exchange.request, 503);
    } else {
      const bool admitted = !to_verify || auth_->Verify(to_verify->first, to_verify->second);
      if (to_verify) DoneVerifying(peer);
      if (admitted) {
        answer(exchange.request, exchange.response);
      } else {
        Unauthorized(exchange.response);
        Refused(exchange.request, 401);
      }
    }
    exchange.answered.store(true);
    // The last touch of `exchange`: once resumed, it belongs to the event loop.
    MHD_resume_connection(connection);
  });
  return true;
}

}  // namespace probity

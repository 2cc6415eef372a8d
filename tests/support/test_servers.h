#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace probity::testing {

// A TCP server on 127.0.0.1 (ephemeral port) whose behaviour on each
// connection is a function. Behaviours must return soon after `stopping`
// becomes true; the destructor sets it, shuts every connection down and
// joins every thread, so no test can leave a server behind.
class RawServer {
 public:
  using Behaviour = std::function<void(int fd, const std::atomic<bool>& stopping)>;
  explicit RawServer(Behaviour behaviour);
  ~RawServer();
  RawServer(const RawServer&) = delete;
  RawServer& operator=(const RawServer&) = delete;

  int port() const { return port_; }
  std::string Url(const std::string& path = "/") const;
  int connections() const { return connections_; }

 private:
  void Accept();
  Behaviour behaviour_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  std::mutex mu_;
  std::vector<int> open_fds_;
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

// Reads a request head (up to a blank line, 16 KiB or 2 s), returns it.
std::string ReadRequestHead(int fd, const std::atomic<bool>& stopping);
// Writes all of `data` unless the peer goes away; false then.
bool WriteAll(int fd, const std::string& data);

// Hostile behaviours, each a real socket peer.
RawServer::Behaviour AcceptAndHang();         // reads the request, never answers
RawServer::Behaviour ResetConnection();       // reads the request, then RST
RawServer::Behaviour EndlessBody();           // 200, chunked body that never ends
RawServer::Behaviour Garbage();               // bytes that are not HTTP, then close
RawServer::Behaviour InvalidUtf8Body();       // 200 with an ill-formed UTF-8 body
RawServer::Behaviour RedirectLoop();          // /a -> /b -> /a -> …
// A fixed, well-formed answer to every request.
RawServer::Behaviour FixedResponse(int status, const std::string& content_type, const std::string& body);

// A canned answer, and what a routed server answers for one request head.
struct CannedResponse {
  int status = 200;
  std::string content_type = "text/plain";
  std::string body;
};
// Answers by request path (the query is part of the path); `fallback` for
// every other path. `on_request`, when set, sees each request head first
// (to log it, say) and may replace the answer.
RawServer::Behaviour Routes(std::map<std::string, CannedResponse> routes, CannedResponse fallback,
                            std::function<void(const std::string& head, CannedResponse*)> on_request = nullptr);
// The value of a request header in a head ReadRequestHead returned, or "".
std::string HeaderOf(const std::string& head, const std::string& name);

// A blocking TCP connection to 127.0.0.1:port from `source` (127.0.0.x), with
// 5 s send and receive timeouts; -1 when it cannot connect within 2 s.
int Connect(int port, const std::string& source = "127.0.0.1");

}  // namespace probity::testing

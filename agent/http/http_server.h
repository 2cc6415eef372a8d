#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "http/http_client.h"

namespace httplib {
class Server;
}

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

// The HTTP server seam: exact-path routes, one fallback for everything else.
// Handlers run on the server's worker threads and must be thread-safe.
class HttpServer {
 public:
  HttpServer();
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Routes must be added before Listen().
  void Route(const std::string& method, const std::string& path, ServerHandler handler);
  // Answers every request no route matched (404s, wrong methods).
  void Fallback(ServerHandler handler);

  // Binds the listen address (":9465", "127.0.0.1:0"). Port 0 picks a free
  // port; port() tells which.
  Status Bind(std::string_view listen_address);
  int port() const { return port_; }
  // Serves until Stop(); returns at once when Bind() did not succeed.
  void Serve();
  void Stop();

 private:
  std::unique_ptr<httplib::Server> server_;
  ServerHandler fallback_;
  std::vector<std::pair<std::string, std::string>> routes_;  // method, path
  int port_ = 0;
};

}  // namespace probity

#include "http/http_server.h"

#include <httplib.h>

#include "core/text.h"
#include "http/url.h"

namespace probity {
namespace {

ServerRequest Convert(const httplib::Request& req) {
  ServerRequest out;
  out.method = req.method;
  out.path = req.path;
  for (const auto& [key, value] : req.headers) out.headers.emplace_back(ToLower(key), value);
  for (const auto& [key, value] : req.params) out.params.emplace_back(key, value);
  out.body = req.body;
  return out;
}

void Apply(const ServerResponse& from, httplib::Response& to) {
  to.status = from.status;
  for (const auto& [key, value] : from.headers) to.set_header(key, value);
  to.set_content(from.body, from.content_type.c_str());
}

}  // namespace

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

HttpServer::HttpServer() : server_(std::make_unique<httplib::Server>()) {
  // httplib's default adds SO_REUSEPORT, which would let a second agent share
  // the port silently; a taken address must be an error.
  server_->set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, reinterpret_cast<const void*>(&yes), sizeof yes);
  });
  server_->set_keep_alive_max_count(100);
  server_->set_read_timeout(10, 0);
  server_->set_write_timeout(10, 0);
  server_->set_payload_max_length(1024 * 1024);
  server_->set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
    // Only requests no route took arrive here with a 404 or 405.
    if (fallback_ && (res.status == 404 || res.status == 405)) {
      ServerResponse out;
      out.status = res.status;
      fallback_(Convert(req), out);
      Apply(out, res);
    }
  });
}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Route(const std::string& method, const std::string& path, ServerHandler handler) {
  routes_.emplace_back(method, path);
  auto wrapped = [handler = std::move(handler)](const httplib::Request& req, httplib::Response& res) {
    ServerResponse out;
    handler(Convert(req), out);
    Apply(out, res);
  };
  // httplib routes are regular expressions: escape the literal path.
  std::string pattern;
  for (char c : path) {
    if (std::string_view(".^$|()[]{}*+?\\").find(c) != std::string_view::npos) pattern += '\\';
    pattern += c;
  }
  if (method == "GET") {
    server_->Get(pattern, wrapped);
  } else if (method == "POST") {
    server_->Post(pattern, wrapped);
  } else if (method == "PUT") {
    server_->Put(pattern, wrapped);
  } else if (method == "DELETE") {
    server_->Delete(pattern, wrapped);
  }
}

void HttpServer::Fallback(ServerHandler handler) { fallback_ = std::move(handler); }

Status HttpServer::Bind(std::string_view listen_address) {
  std::string host;
  int port = 0;
  Status status = ParseListenAddress(listen_address, &host, &port);
  if (!status.ok()) return status;
  if (host.empty()) host = "0.0.0.0";
  if (port == 0) {
    port_ = server_->bind_to_any_port(host);
    if (port_ < 0) port_ = 0;
  } else if (server_->bind_to_port(host, port)) {
    port_ = port;
  }
  if (port_ == 0) {
    return Status::Error("cannot listen on " + std::string(listen_address) +
                         ": address in use, not local, or not permitted");
  }
  return Status::Ok();
}

void HttpServer::Serve() {
  if (port_ != 0) server_->listen_after_bind();
}

void HttpServer::Stop() {
  if (server_) server_->stop();
}

}  // namespace probity

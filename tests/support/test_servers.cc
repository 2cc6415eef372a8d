#include "support/test_servers.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <stdexcept>

namespace probity::testing {

RawServer::RawServer(Behaviour behaviour) : behaviour_(std::move(behaviour)) {
  listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(listen_fd_, 16) != 0) {
    throw std::runtime_error("cannot listen on 127.0.0.1:0");
  }
  socklen_t len = sizeof addr;
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { Accept(); });
}

RawServer::~RawServer() {
  stopping_ = true;
  acceptor_.join();
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (int fd : open_fds_) shutdown(fd, SHUT_RDWR);
  }
  for (std::thread& t : threads_) t.join();
  close(listen_fd_);
}

std::string RawServer::Url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

void RawServer::Accept() {
  while (!stopping_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (poll(&p, 1, 20) <= 0) continue;
    int fd = accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    ++connections_;
    std::lock_guard<std::mutex> lock(mu_);
    open_fds_.push_back(fd);
    threads_.emplace_back([this, fd] {
      behaviour_(fd, stopping_);
      std::lock_guard<std::mutex> inner(mu_);
      open_fds_.erase(std::find(open_fds_.begin(), open_fds_.end(), fd));
      close(fd);
    });
  }
}

std::string ReadRequestHead(int fd, const std::atomic<bool>& stopping) {
  std::string head;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  char buf[4096];
  while (!stopping && head.find("\r\n\r\n") == std::string::npos && head.size() < 16384 &&
         std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 20) <= 0) continue;
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    head.append(buf, static_cast<std::size_t>(n));
  }
  return head;
}

bool WriteAll(int fd, const std::string& data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

RawServer::Behaviour AcceptAndHang() {
  return [](int fd, const std::atomic<bool>& stopping) {
    ReadRequestHead(fd, stopping);
    while (!stopping) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  };
}

RawServer::Behaviour ResetConnection() {
  return [](int fd, const std::atomic<bool>& stopping) {
    ReadRequestHead(fd, stopping);
    linger reset{1, 0};  // close() now sends RST instead of FIN
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
  };
}

RawServer::Behaviour EndlessBody() {
  return [](int fd, const std::atomic<bool>& stopping) {
    ReadRequestHead(fd, stopping);
    if (!WriteAll(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n")) return;
    const std::string chunk = "10000\r\n" + std::string(0x10000, 'x') + "\r\n";
    // Bounded: at most 4 GiB, and only until the client goes away or the test ends.
    for (int i = 0; i < 65536 && !stopping; ++i) {
      if (!WriteAll(fd, chunk)) return;
    }
  };
}

RawServer::Behaviour Garbage() {
  return [](int fd, const std::atomic<bool>& stopping) {
    ReadRequestHead(fd, stopping);
    std::string junk = "\x16\x03\x01\xff\xfe garbage \x00\x01\x02 not http at all\r\n\r\n";
    junk += std::string(2000, '\xc3');
    WriteAll(fd, junk);
  };
}

RawServer::Behaviour InvalidUtf8Body() {
  const std::string body = "{\"status\":\"pass\xff\xfe\",\"note\":\"\xc3\x28 \xed\xa0\x80 \xf8\x88\x80\x80\x80\"}";
  return FixedResponse(200, "application/health+json", body);
}

RawServer::Behaviour RedirectLoop() {
  return [](int fd, const std::atomic<bool>& stopping) {
    const std::string head = ReadRequestHead(fd, stopping);
    const bool at_a = head.rfind("GET /a ", 0) == 0;
    WriteAll(fd, std::string("HTTP/1.1 302 Found\r\nLocation: ") + (at_a ? "/b" : "/a") +
                     "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  };
}

RawServer::Behaviour FixedResponse(int status, const std::string& content_type, const std::string& body) {
  return [=](int fd, const std::atomic<bool>& stopping) {
    ReadRequestHead(fd, stopping);
    WriteAll(fd, "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: " + content_type +
                     "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
  };
}

RawServer::Behaviour Routes(std::map<std::string, CannedResponse> routes, CannedResponse fallback,
                            std::function<void(const std::string& head, CannedResponse*)> on_request) {
  return [=](int fd, const std::atomic<bool>& stopping) {
    const std::string head = ReadRequestHead(fd, stopping);
    const std::size_t start = head.find(' ');
    const std::size_t end = start == std::string::npos ? start : head.find(' ', start + 1);
    const std::string path = end == std::string::npos ? "" : head.substr(start + 1, end - start - 1);
    auto it = routes.find(path);
    CannedResponse answer = it == routes.end() ? fallback : it->second;
    if (on_request) on_request(head, &answer);
    WriteAll(fd, "HTTP/1.1 " + std::to_string(answer.status) + " X\r\nContent-Type: " + answer.content_type +
                     "\r\nContent-Length: " + std::to_string(answer.body.size()) + "\r\nConnection: close\r\n\r\n" +
                     answer.body);
  };
}

std::string HeaderOf(const std::string& head, const std::string& name) {
  std::size_t at = 0;
  while ((at = head.find("\r\n", at)) != std::string::npos) {
    at += 2;
    const std::size_t colon = head.find(':', at);
    const std::size_t eol = head.find("\r\n", at);
    if (colon == std::string::npos || eol == std::string::npos || colon > eol) continue;
    std::string key = head.substr(at, colon - at);
    for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string want = name;
    for (char& c : want) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (key != want) continue;
    std::size_t v = colon + 1;
    while (v < eol && head[v] == ' ') ++v;
    return head.substr(v, eol - v);
  }
  return "";
}

int Connect(int port, const std::string& source) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in from{};
  from.sin_family = AF_INET;
  inet_pton(AF_INET, source.c_str(), &from.sin_addr);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(port));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval timeout{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  const int flags = fcntl(fd, F_GETFL);
  fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  bool connected = bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) == 0;
  if (connected && connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
    pollfd p{fd, POLLOUT, 0};
    int error = 0;
    socklen_t length = sizeof error;
    connected = errno == EINPROGRESS && poll(&p, 1, 2000) == 1 &&
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 && error == 0;
  }
  fcntl(fd, F_SETFL, flags);
  if (!connected) {
    close(fd);
    return -1;
  }
  return fd;
}


}  // namespace probity::testing

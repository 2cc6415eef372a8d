// The HttpServer seam in-process, so that the sanitizers see its threads: slow
// handlers off the event threads and bounded, bodies bounded while they
// arrive, a clean Stop with requests parked.
#include <catch2/catch.hpp>

#include <httplib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <algorithm>
#include <future>
#include <mutex>
#include <string>

#include "http/http_server.h"
#include "support/test_servers.h"

using namespace probity;
using namespace std::chrono_literals;

namespace {

// Holds slow handlers until opened; counts those that entered.
class Gate {
 public:
  void Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    ++entered_;
    cv_.notify_all();
    cv_.wait_for(lock, 20s, [this] { return open_; });
  }
  bool WaitEntered(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, 10s, [&] { return entered_ >= n; });
  }
  int entered() {
    std::lock_guard<std::mutex> lock(mu_);
    return entered_;
  }
  void Open() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int entered_ = 0;
  bool open_ = false;
};

int Get(int port, const std::string& path, const std::string& user = "", const std::string& password = "") {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(30s);
  if (!user.empty()) client.set_basic_auth(user.c_str(), password.c_str());
  auto res = client.Get(path.c_str());
  return res ? res->status : 0;
}

}  // namespace

TEST_CASE("Slow handlers hold no event thread, and past their cap the server answers 503 at once",
          "[integration][abuse]") {
  ServerLimits limits;
  limits.slow_threads = 2;
  limits.slow_in_flight = 3;
  HttpServer server(limits);
  Gate gate;
  server.RouteSlow("GET", "/slow", [&](const ServerRequest&, ServerResponse& res) {
    gate.Wait();
    res.body = "slow\n";
  });
  server.Route("GET", "/fast", [](const ServerRequest&, ServerResponse& res) { res.body = "fast\n"; });
  std::mutex mu;
  std::vector<std::pair<std::string, int>> refused;
  server.OnRefused([&](const std::string& route, int status) {
    std::lock_guard<std::mutex> lock(mu);
    refused.emplace_back(route, status);
  });
  REQUIRE(server.Bind("127.0.0.1:0").ok());
  REQUIRE(server.port() > 0);
  REQUIRE(server.Start().ok());

  std::vector<std::future<int>> slow;
  for (int i = 0; i < 3; ++i) slow.push_back(std::async(std::launch::async, [&] { return Get(server.port(), "/slow"); }));
  REQUIRE(gate.WaitEntered(2));  // two run, the third waits for a thread
  std::this_thread::sleep_for(100ms);
  CHECK(gate.entered() == 2);
  const auto start = std::chrono::steady_clock::now();
  CHECK(Get(server.port(), "/slow") == 503);  // a fourth is over the cap
  CHECK(Get(server.port(), "/fast") == 200);
  CHECK(std::chrono::steady_clock::now() - start < 5s);
  gate.Open();
  for (auto& f : slow) {
    REQUIRE(f.wait_for(20s) == std::future_status::ready);
    CHECK(f.get() == 200);
  }
  CHECK(gate.entered() == 3);
  server.Stop();
  // The refusal was told, with the route it was for.
  CHECK(refused == std::vector<std::pair<std::string, int>>{{"/slow", 503}});
}

TEST_CASE("Stop answers waiting slow requests 503, lets running ones finish, then closes", "[integration][abuse]") {
  ServerLimits limits;
  limits.slow_threads = 1;
  limits.slow_in_flight = 2;
  auto server = std::make_unique<HttpServer>(limits);
  Gate gate;
  server->RouteSlow("GET", "/slow", [&](const ServerRequest&, ServerResponse& res) {
    gate.Wait();
    res.body = "done\n";
  });
  REQUIRE(server->Bind("127.0.0.1:0").ok());
  REQUIRE(server->Start().ok());
  const int port = server->port();
  auto running = std::async(std::launch::async, [&] { return Get(port, "/slow"); });
  REQUIRE(gate.WaitEntered(1));
  auto waiting = std::async(std::launch::async, [&] { return Get(port, "/slow"); });
  std::this_thread::sleep_for(200ms);  // the second is parked behind the first
  auto stopped = std::async(std::launch::async, [&] { server->Stop(); });
  CHECK(stopped.wait_for(300ms) == std::future_status::timeout);  // it waits for the running handler
  gate.Open();
  REQUIRE(stopped.wait_for(20s) == std::future_status::ready);
  CHECK(running.get() == 200);
  CHECK(waiting.get() == 503);
  CHECK(gate.entered() == 1);
  server.reset();
  CHECK(Get(port, "/slow") == 0);  // nothing listens any more
}

TEST_CASE("Request bodies reach handlers whole up to the limit and are refused past it", "[integration][abuse]") {
  ServerLimits limits;
  limits.max_body = 256 * 1024;
  HttpServer server(limits);
  server.Route("POST", "/echo", [](const ServerRequest& req, ServerResponse& res) {
    res.body = std::to_string(req.body.size()) + " " + req.Header("x-tag");
    res.headers.emplace_back("X-Seen", req.Param("q"));
  });
  REQUIRE(server.Bind("127.0.0.1:0").ok());
  REQUIRE(server.Start().ok());
  httplib::Client client("127.0.0.1", server.port());
  const std::string body(200 * 1024, 'b');
  auto fixed = client.Post("/echo?q=a%20b", {{"X-Tag", "t1"}}, body, "application/octet-stream");
  REQUIRE(fixed);
  CHECK(fixed->status == 200);
  CHECK(fixed->body == "204800 t1");
  CHECK(fixed->get_header_value("X-Seen") == "a b");
  // Chunked, under the limit.
  auto chunked = client.Post(
      "/echo", {{"X-Tag", "t2"}},
      [&](size_t offset, httplib::DataSink& sink) {
        if (offset < body.size()) {
          sink.write(body.data() + offset, std::min<size_t>(16 * 1024, body.size() - offset));
        } else {
          sink.done();
        }
        return true;
      },
      "application/octet-stream");
  REQUIRE(chunked);
  CHECK(chunked->body == "204800 t2");
  // A declared length over the limit: 413 before the body is sent.
  httplib::Client big("127.0.0.1", server.port());
  auto refused = big.Post("/echo", std::string(300 * 1024, 'c'), "application/octet-stream");
  CHECK((!refused || refused->status == 413));
  // Unknown paths and wrong methods.
  CHECK(client.Get("/nope")->status == 404);
  auto wrong = client.Get("/echo");
  REQUIRE(wrong);
  CHECK(wrong->status == 405);
  CHECK(wrong->get_header_value("Allow") == "POST");
}

TEST_CASE("Bind takes IPv4 and IPv6 loopback, picks a port for 0, and refuses a taken address",
          "[integration][abuse]") {
  HttpServer first;
  first.Route("GET", "/", [](const ServerRequest&, ServerResponse& res) { res.body = "hi\n"; });
  REQUIRE(first.Bind("127.0.0.1:0").ok());
  REQUIRE(first.Start().ok());
  CHECK(Get(first.port(), "/") == 200);

  HttpServer second;
  Status taken = second.Bind("127.0.0.1:" + std::to_string(first.port()));
  CHECK_FALSE(taken.ok());
  CHECK(taken.message().find("cannot listen on 127.0.0.1:") == 0);
  CHECK_FALSE(second.Start().ok());

  HttpServer v6;
  v6.Route("GET", "/", [](const ServerRequest&, ServerResponse& res) { res.body = "hi\n"; });
  if (v6.Bind("[::1]:0").ok()) {  // hosts without IPv6 skip this part
    REQUIRE(v6.Start().ok());
    httplib::Client client("::1", v6.port());
    auto res = client.Get("/");
    REQUIRE(res);
    CHECK(res->status == 200);
  }
}

namespace {

// Verifies by waiting at a gate: what a slow bcrypt looks like to the server.
class GatedAuthenticator final : public BasicAuthenticator {
 public:
  explicit GatedAuthenticator(Gate& gate) : gate_(gate) {}
  std::optional<bool> Cached(const std::string& user, const std::string& password) const override {
    std::lock_guard<std::mutex> lock(mu_);
    if (user == "known" && password == "good") return true;
    return std::nullopt;
  }
  bool Verify(const std::string&, const std::string& password) override {
    gate_.Wait();
    return password == "right";
  }

 private:
  Gate& gate_;
  mutable std::mutex mu_;
};


}  // namespace

TEST_CASE("Basic auth: unknown credentials are verified off the event threads, a few at a time, while known ones pass at once",
          "[integration][abuse]") {
  ServerLimits limits;
  limits.verifying = 2;
  limits.verifying_per_address = 2;
  HttpServer server(limits);
  Gate gate;
  server.RequireBasicAuth(std::make_shared<GatedAuthenticator>(gate), {"/open"});
  server.Route("GET", "/metrics", [](const ServerRequest&, ServerResponse& res) { res.body = "ok\n"; });
  server.Route("GET", "/open", [](const ServerRequest&, ServerResponse& res) { res.body = "open\n"; });
  std::mutex mu;
  std::vector<int> refusals;
  server.OnRefused([&](const std::string&, int status) {
    std::lock_guard<std::mutex> lock(mu);
    refusals.push_back(status);
  });
  REQUIRE(server.Bind("127.0.0.1:0").ok());
  REQUIRE(server.Start().ok());
  const int port = server.port();

  CHECK(Get(port, "/metrics") == 401);  // no credentials: refused without verifying
  CHECK(Get(port, "/open") == 200);     // an open path needs none
  // Two guesses are being verified (held at the gate); a third is refused at once.
  std::vector<std::future<int>> guesses;
  guesses.push_back(std::async(std::launch::async, [&] { return Get(port, "/metrics", "u", "right"); }));
  guesses.push_back(std::async(std::launch::async, [&] { return Get(port, "/metrics", "u", "wrong"); }));
  REQUIRE(gate.WaitEntered(2));
  CHECK(Get(port, "/metrics", "u", "third") == 503);
  // Known credentials, and the event threads, are not held up meanwhile.
  CHECK(Get(port, "/metrics", "known", "good") == 200);
  CHECK(Get(port, "/open") == 200);
  gate.Open();
  REQUIRE(guesses[0].wait_for(20s) == std::future_status::ready);
  REQUIRE(guesses[1].wait_for(20s) == std::future_status::ready);
  CHECK(guesses[0].get() == 200);
  CHECK(guesses[1].get() == 401);
  // The slots came back.
  CHECK(Get(port, "/metrics", "u", "right") == 200);
  server.Stop();
  std::sort(refusals.begin(), refusals.end());
  CHECK(refusals == std::vector<int>{401, 401, 503});
}

namespace {

// A GET with basic auth from a chosen loopback source address; the status, or 0.
int GetFrom(const std::string& source, int port, const std::string& path, const std::string& credentials_base64) {
  const int fd = testing::Connect(port, source);
  if (fd < 0) return 0;
  std::string answer;
  if (testing::WriteAll(fd, "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Basic " +
                                credentials_base64 + "\r\n\r\n")) {
    char block[512];
    for (ssize_t n; answer.size() < 12 && (n = recv(fd, block, sizeof block, 0)) > 0;) answer.append(block, n);
  }
  close(fd);
  return answer.size() >= 12 && answer.rfind("HTTP/1.", 0) == 0 ? std::stoi(answer.substr(9, 3)) : 0;
}

}  // namespace

TEST_CASE("One address's guesses cannot keep another address's credentials from being verified",
          "[integration][abuse]") {
  ServerLimits limits;
  limits.verifying = 4;
  limits.verifying_per_address = 1;
  HttpServer server(limits);
  Gate gate;
  server.RequireBasicAuth(std::make_shared<GatedAuthenticator>(gate), {});
  server.Route("GET", "/metrics", [](const ServerRequest&, ServerResponse& res) { res.body = "ok\n"; });
  REQUIRE(server.Bind("127.0.0.1:0").ok());
  REQUIRE(server.Start().ok());
  const int port = server.port();
  // "u:guess1", "u:guess2", "u:right" in base64.
  auto first = std::async(std::launch::async, [&] { return GetFrom("127.0.0.2", port, "/metrics", "dTpndWVzczE="); });
  REQUIRE(gate.WaitEntered(1));
  CHECK(GetFrom("127.0.0.2", port, "/metrics", "dTpndWVzczI=") == 503);  // that address already has its one
  auto other = std::async(std::launch::async, [&] { return GetFrom("127.0.0.3", port, "/metrics", "dTpyaWdodA=="); });
  REQUIRE(gate.WaitEntered(2));  // another address is verified meanwhile
  gate.Open();
  REQUIRE(first.wait_for(20s) == std::future_status::ready);
  REQUIRE(other.wait_for(20s) == std::future_status::ready);
  CHECK(first.get() == 401);
  CHECK(other.get() == 200);
  server.Stop();
}

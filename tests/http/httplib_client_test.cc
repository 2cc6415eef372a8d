#include <catch2/catch.hpp>

#include <sys/socket.h>

#include <nlohmann/json.hpp>
#include <cstring>
#include <functional>
#include <memory>
#include <thread>

#include "core/text.h"
#include "http/httplib_client.h"
#include "report/render.h"
#include "runner/probe.h"
#include "support/test_servers.h"
#include "support/tls.h"

using namespace probity;
using namespace probity::testing;
using namespace std::chrono_literals;

namespace {

HttpOptions Fast(Duration timeout = 500ms) {
  HttpOptions o;
  o.timeout = timeout;
  o.connect_timeout = timeout;
  return o;
}

StatusOr<HttpResponse> Get(HttpClient& http, const std::string& url, const HttpOptions& o) {
  HttpRequest r;
  r.url = url;
  return http.Fetch(r, o);
}

// Probes a hostile server with the full default checklist and returns the
// JSON report, which must stay valid UTF-8 whatever the server sent.
TargetReport ProbeHostile(const std::string& url, Duration timeout = 500ms) {
  TargetSpec spec = TargetForUrl(url, GlobalConfig{});
  spec.endpoints.liveness = "/livez";
  spec.endpoints.readiness = "/readyz";
  spec.http = Fast(timeout);
  HttplibClient http;
  TargetReport report = ProbeTarget(spec, http, SystemClock::Instance(), Severity::kCritical);
  Report all;
  all.targets.push_back(report);
  for (ReportFormat f : {ReportFormat::kJson, ReportFormat::kText, ReportFormat::kJunit, ReportFormat::kHtml}) {
    CHECK(IsValidUtf8(Render(all, f, RenderOptions{})));
  }
  CHECK_NOTHROW(nlohmann::json::parse(RenderJson(all)));
  return report;
}

}  // namespace

TEST_CASE("A server that accepts and never answers errors at the timeout", "[integration][http]") {
  RawServer server(AcceptAndHang());
  HttplibClient http;
  const auto start = std::chrono::steady_clock::now();
  StatusOr<HttpResponse> r = Get(http, server.Url("/livez"), Fast(300ms));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("no complete answer within the 300ms timeout") != std::string::npos);
  CHECK(elapsed >= 300ms);
  CHECK(elapsed < 10s);  // a hang guard, not a performance bound

  TargetReport report = ProbeHostile(server.Url(), 300ms);
  CHECK_FALSE(report.ready);
  for (const CheckResult& c : report.checks) {
    INFO(c.id);
    // Log checks read the log source, not the target, and monitoring a
    // Prometheus: none is configured. Plain HTTP has no TLS to judge.
    const bool elsewhere = c.category == "logs" || c.category == "monitoring" || c.category == "tls";
    CHECK(c.status == (elsewhere ? CheckStatus::kSkip : CheckStatus::kError));
  }
}

TEST_CASE("A trickling server cannot stretch a request past its timeout", "[integration][http]") {
  RawServer server([](int fd, const std::atomic<bool>& stopping) {
    ReadRequestHead(fd, stopping);
    WriteAll(fd, "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n");
    for (int i = 0; i < 1000 && !stopping; ++i) {  // one byte every 50 ms
      if (!WriteAll(fd, "x")) return;
      std::this_thread::sleep_for(50ms);
    }
  });
  HttplibClient http;
  StatusOr<HttpResponse> r = Get(http, server.Url(), Fast(400ms));
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("timeout") != std::string::npos);
}

TEST_CASE("A connection reset is an error that says so", "[integration][http]") {
  RawServer server(ResetConnection());
  HttplibClient http;
  StatusOr<HttpResponse> r = Get(http, server.Url("/livez"), Fast());
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("reset") != std::string::npos);
  TargetReport report = ProbeHostile(server.Url());
  CHECK(report.checks[0].status == CheckStatus::kError);
}

TEST_CASE("An endless body is cut at the limit with bounded memory", "[integration][http]") {
  RawServer server(EndlessBody());
  HttplibClient http;
  HttpOptions o = Fast(5s);
  o.max_body_bytes = 1 << 20;
  StatusOr<HttpResponse> r = Get(http, server.Url("/livez"), o);
  REQUIRE(r.ok());
  CHECK(r->status == 200);
  CHECK(r->body_truncated);
  CHECK(r->body.size() == (1u << 20));

  TargetSpec spec = TargetForUrl(server.Url(), GlobalConfig{});
  spec.endpoints.liveness = "/livez";
  spec.http = o;
  TargetReport report = ProbeTarget(spec, http, SystemClock::Instance(), Severity::kCritical);
  CHECK(report.checks[0].status == CheckStatus::kFail);
  CHECK(report.checks[0].detail == "GET /livez: body is larger than the 1MiB limit and was cut");
}

TEST_CASE("A redirect loop is named and stopped", "[integration][http]") {
  RawServer server(RedirectLoop());
  HttplibClient http;
  StatusOr<HttpResponse> r = Get(http, server.Url("/a"), Fast(2s));
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message() == "redirect loop: /a → /b → /a");
  CHECK(server.connections() == 2);

  HttpOptions capped = Fast(2s);
  capped.max_redirects = 0;
  StatusOr<HttpResponse> c = Get(http, server.Url("/a"), capped);
  REQUIRE_FALSE(c.ok());
  CHECK(c.status().message().rfind("too many redirects", 0) == 0);

  HttpOptions manual = Fast(2s);
  manual.follow_redirects = false;
  StatusOr<HttpResponse> m = Get(http, server.Url("/a"), manual);
  REQUIRE(m.ok());
  CHECK(m->status == 302);
}

TEST_CASE("Garbage that is not HTTP is an error, never a crash", "[integration][http]") {
  RawServer server(Garbage());
  HttplibClient http;
  StatusOr<HttpResponse> r = Get(http, server.Url("/livez"), Fast());
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("not HTTP") != std::string::npos);
  ProbeHostile(server.Url());
}

TEST_CASE("Invalid UTF-8 in a health body is judged and reported safely", "[integration][http]") {
  RawServer server(InvalidUtf8Body());
  TargetReport report = ProbeHostile(server.Url());
  CHECK(report.checks[0].status == CheckStatus::kPass);  // reachable: it answers 200
  bool format_failed = false;
  for (const CheckResult& c : report.checks) {
    CHECK(IsValidUtf8(c.detail));
    if (c.id == "health.format.recognized") format_failed = c.status == CheckStatus::kFail;
  }
  CHECK(format_failed);
}

TEST_CASE("Connection refused is an error naming the origin", "[integration][http]") {
  int port;
  { RawServer s(AcceptAndHang()); port = s.port(); }  // closed again: nothing listens there now
  HttplibClient http;
  StatusOr<HttpResponse> r = Get(http, "http://127.0.0.1:" + std::to_string(port) + "/", Fast());
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("127.0.0.1:" + std::to_string(port)) != std::string::npos);
}

TEST_CASE("Credentials are sent to their origin only", "[integration][http]") {
  std::mutex mu;
  std::vector<std::string> heads;
  RawServer other([&](int fd, const std::atomic<bool>& stopping) {
    std::string head = ReadRequestHead(fd, stopping);
    { std::lock_guard<std::mutex> lock(mu); heads.push_back(head); }
    WriteAll(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
  });
  const std::string target = other.Url("/final");
  RawServer origin([&](int fd, const std::atomic<bool>& stopping) {
    std::string head = ReadRequestHead(fd, stopping);
    { std::lock_guard<std::mutex> lock(mu); heads.push_back(head); }
    WriteAll(fd, "HTTP/1.1 302 Found\r\nLocation: " + target + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  });
  HttplibClient http;
  HttpOptions o = Fast(2s);
  o.bearer_token = Secret("tok-123");
  o.headers.emplace_back("X-Api-Key", "key-456");
  StatusOr<HttpResponse> r = Get(http, origin.Url("/start"), o);
  REQUIRE(r.ok());
  CHECK(r->redirects == 1);
  REQUIRE(heads.size() == 2);
  CHECK(heads[0].find("Authorization: Bearer tok-123") != std::string::npos);
  CHECK(heads[0].find("X-Api-Key: key-456") != std::string::npos);
  CHECK(heads[1].find("Authorization") == std::string::npos);
  // Custom headers are credentials too: none crosses to the other origin.
  CHECK(heads[1].find("key-456") == std::string::npos);
}

TEST_CASE("Cancel aborts a request in flight", "[integration][http]") {
  RawServer server(AcceptAndHang());
  HttplibClient http;
  std::thread canceller([&] {
    std::this_thread::sleep_for(100ms);
    http.Cancel();
  });
  StatusOr<HttpResponse> r = Get(http, server.Url(), Fast(30s));
  canceller.join();
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("cancelled") != std::string::npos);
}

TEST_CASE("A 204 without a body keeps its status and headers", "[integration][http]") {
  // InfluxDB's /ping: httplib calls no response handler for a bodiless answer.
  RawServer server([](int fd, const std::atomic<bool>& stopping) {
    ReadRequestHead(fd, stopping);
    WriteAll(fd, "HTTP/1.1 204 No Content\r\nX-Influxdb-Version: 1.6.7\r\nConnection: close\r\n\r\n");
  });
  HttplibClient http;
  StatusOr<HttpResponse> r = Get(http, server.Url("/ping"), Fast(2s));
  REQUIRE(r.ok());
  CHECK(r->status == 204);
  CHECK(r->Header("x-influxdb-version") == "1.6.7");
  CHECK(r->body.empty());

  TargetSpec spec = TargetForUrl(server.Url(), GlobalConfig{});
  spec.endpoints.liveness = "/ping";
  spec.http = Fast(2s);
  TargetReport report = ProbeTarget(spec, http, SystemClock::Instance(), Severity::kCritical);
  REQUIRE(report.checks[0].id == "health.liveness.reachable");
  CHECK(report.checks[0].status == CheckStatus::kPass);
  CHECK(report.checks[0].detail.find("GET /ping answered 2xx/3xx 3 times") == 0);
}

TEST_CASE("A response head without end is cut at its limit with bounded memory", "[integration][http]") {
  // A million headers, and one endless header line: both were read whole.
  for (const bool one_line : {false, true}) {
    INFO((one_line ? "one endless header line" : "endless headers"));
    RawServer server([one_line](int fd, const std::atomic<bool>& stopping) {
      ReadRequestHead(fd, stopping);
      if (!WriteAll(fd, one_line ? "HTTP/1.1 200 OK\r\nX-Long: " : "HTTP/1.1 200 OK\r\n")) return;
      const std::string chunk = one_line ? std::string(64 * 1024, 'a') : [] {
        std::string headers;
        for (int i = 0; i < 4096; ++i) headers += "X-H: v\r\n";
        return headers;
      }();
      for (int i = 0; i < 16 * 1024 && !stopping; ++i) {  // at most 1 GiB
        if (!WriteAll(fd, chunk)) return;
      }
    });
    HttplibClient http;
    StatusOr<HttpResponse> r = Get(http, server.Url("/livez"), Fast(10s));
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message().find("the response head (status line and headers) is larger than the 256KiB limit") ==
          0);
  }
}

TEST_CASE("An HTTPS response head without end is cut at its limit too", "[integration][http]") {
  const std::shared_ptr<SSL_CTX> tls = SelfSignedServerContext();
  for (const bool one_line : {false, true}) {
    INFO((one_line ? "one endless header line" : "endless headers"));
    RawServer server([&tls, one_line](int fd, const std::atomic<bool>& stopping) {
      std::shared_ptr<SSL> ssl = AcceptTls(tls.get(), fd);
      if (!ssl) return;
      std::string head;
      char buf[4096];
      while (head.find("\r\n\r\n") == std::string::npos && head.size() < 16384) {
        const int n = SSL_read(ssl.get(), buf, sizeof buf);
        if (n <= 0) return;
        head.append(buf, static_cast<std::size_t>(n));
      }
      const std::string start = one_line ? "HTTP/1.1 200 OK\r\nX-Long: " : "HTTP/1.1 200 OK\r\n";
      const std::string chunk = one_line ? std::string(16 * 1024, 'a') : [] {
        std::string headers;
        for (int i = 0; i < 2048; ++i) headers += "X-H: v\r\n";
        return headers;
      }();
      if (SSL_write(ssl.get(), start.data(), static_cast<int>(start.size())) <= 0) return;
      for (int i = 0; i < 64 * 1024 && !stopping; ++i) {  // at most 1 GiB
        if (SSL_write(ssl.get(), chunk.data(), static_cast<int>(chunk.size())) <= 0) return;
      }
    });
    HttplibClient http;
    HttpOptions options = Fast(10s);
    options.tls_verify = false;
    const std::string url = "https" + server.Url("/livez").substr(4);
    StatusOr<HttpResponse> r = Get(http, url, options);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message().find("the response head (status line and headers) is larger than the 256KiB limit") ==
          0);
  }
}

TEST_CASE("HTTPS answers are read whole, chunked or not, and a silent HTTPS peer times out", "[integration][http]") {
  const std::shared_ptr<SSL_CTX> tls = SelfSignedServerContext();
  auto serve = [&tls](std::string answer) {
    return [&tls, answer](int fd, const std::atomic<bool>& stopping) {
      std::shared_ptr<SSL> ssl = AcceptTls(tls.get(), fd);
      if (!ssl) return;
      std::string head;
      char buf[4096];
      while (head.find("\r\n\r\n") == std::string::npos && head.size() < 16384 && !stopping) {
        const int n = SSL_read(ssl.get(), buf, sizeof buf);
        if (n <= 0) return;
        head.append(buf, static_cast<std::size_t>(n));
      }
      if (answer.empty()) {  // silent: hold the session open until the test ends
        while (!stopping) std::this_thread::sleep_for(20ms);
        return;
      }
      SSL_write(ssl.get(), answer.data(), static_cast<int>(answer.size()));
      SSL_shutdown(ssl.get());
    };
  };
  HttpOptions options = Fast(2s);
  options.tls_verify = false;
  const std::string body(100000, 'x');
  RawServer plain(serve("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " +
                        std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body));
  RawServer chunked(serve("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/health+json\r\n"
                          "Transfer-Encoding: chunked\r\n\r\n5\r\n{\"sta\r\n10\r\ntus\":\"fail\"}    \r\n0\r\n\r\n"));
  RawServer silent(serve(""));
  HttplibClient http;
  StatusOr<HttpResponse> r = Get(http, "https" + plain.Url("/x").substr(4), options);
  REQUIRE(r.ok());
  CHECK(r->status == 200);
  CHECK(r->Header("content-type") == "text/plain");
  CHECK(r->body == body);
  r = Get(http, "https" + chunked.Url("/readyz").substr(4), options);
  REQUIRE(r.ok());
  CHECK(r->status == 503);
  CHECK(r->body == "{\"status\":\"fail\"}    ");
  options.timeout = 500ms;
  const auto start = std::chrono::steady_clock::now();
  r = Get(http, "https" + silent.Url("/livez").substr(4), options);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("no complete answer within the 500ms timeout") == 0);
  CHECK(std::chrono::steady_clock::now() - start < 5s);
}

namespace {

// Answers every request on a connection, keep-alive, until the peer closes:
// `answer(n)` is the whole answer to the n-th request (from 0) on that
// connection, or "" to close instead of answering.
RawServer::Behaviour KeepAlive(std::function<std::string(int n)> answer) {
  return [answer](int fd, const std::atomic<bool>& stopping) {
    for (int n = 0; !stopping; ++n) {
      if (ReadRequestHead(fd, stopping).empty()) return;
      const std::string text = answer(n);
      if (text.empty() || !WriteAll(fd, text)) return;
    }
  };
}

const char kOk[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok";

StatusOr<HttpResponse> GetKept(HttpClient& http, const std::string& url, HttpConnections* kept) {
  HttpRequest r;
  r.url = url;
  r.connections = kept;
  return http.Fetch(r, Fast(2s));
}

// Makes `n` requests to a server that share one set of kept connections,
// each answered 200 "ok", `pause` apart; how many connections it took.
int ConnectionsForKeptRequests(RawServer::Behaviour behaviour, int n, Duration pause = Duration::zero()) {
  RawServer server(std::move(behaviour));
  HttplibClient http;
  std::unique_ptr<HttpConnections> kept = http.NewConnections();
  REQUIRE(kept);
  for (int i = 0; i < n; ++i) {
    StatusOr<HttpResponse> r = GetKept(http, server.Url("/livez"), kept.get());
    REQUIRE(r.ok());
    CHECK(r->status == 200);
    CHECK(r->body == "ok");
    std::this_thread::sleep_for(pause);
  }
  return server.connections();
}

}  // namespace

TEST_CASE("Requests that bring kept connections share one connection per origin", "[integration][http]") {
  CHECK(ConnectionsForKeptRequests(KeepAlive([](int) { return std::string(kOk); }), 5) == 1);
  // Without them, every request has a connection of its own.
  RawServer server(KeepAlive([](int) { return std::string(kOk); }));
  HttplibClient http;
  for (int i = 0; i < 3; ++i) REQUIRE(Get(http, server.Url("/livez"), Fast(2s)).ok());
  CHECK(server.connections() == 3);
}

TEST_CASE("A kept connection the peer drops is replaced and the request still answered", "[integration][http]") {
  SECTION("dropped while idle") {
    // Answers once per connection, then closes without saying so.
    CHECK(ConnectionsForKeptRequests(KeepAlive([](int n) { return n == 0 ? std::string(kOk) : std::string(); }),
                                     3) == 3);
  }
  SECTION("dropped as the request arrives") {
    // Reads the second request, then closes: the race a pooled client meets.
    std::atomic<int> served{0};
    auto answer_once = [&served](int fd, const std::atomic<bool>& stopping) {
      if (ReadRequestHead(fd, stopping).empty()) return;
      ++served;  // before the answer, which the client may see first
      if (!WriteAll(fd, kOk)) return;
      // Waits for the next request without any sign of closing first.
      ReadRequestHead(fd, stopping);
    };
    CHECK(ConnectionsForKeptRequests(answer_once, 2) == 2);
    CHECK(served == 2);
  }
}

TEST_CASE("A request on a connection made afresh is not retried when it fails", "[integration][http]") {
  // The first connection is answered with Connection: close, every later one
  // reset: the second request connects anew and fails, once.
  std::atomic<int> accepted{0};
  RawServer server([&accepted](int fd, const std::atomic<bool>& stopping) {
    if (ReadRequestHead(fd, stopping).empty()) return;
    if (accepted++ == 0) {
      WriteAll(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
      return;
    }
    linger reset{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
  });
  HttplibClient http;
  std::unique_ptr<HttpConnections> kept = http.NewConnections();
  REQUIRE(GetKept(http, server.Url(), kept.get()).ok());
  CHECK_FALSE(GetKept(http, server.Url(), kept.get()).ok());
  CHECK(server.connections() == 2);
}

TEST_CASE("Bytes past an answer never pass for the next answer on a kept connection", "[integration][http]") {
  // The first answer carries a second one nobody asked for (a desync): the
  // next request must not read it as its own.
  const std::string smuggled = "HTTP/1.1 418 Smuggled\r\nContent-Length: 0\r\n\r\n";
  SECTION("in the same packet") {
    CHECK(ConnectionsForKeptRequests(KeepAlive([&](int) { return std::string(kOk) + smuggled; }), 3) == 3);
  }
  SECTION("a moment later") {
    auto smuggle_later = [&](int fd, const std::atomic<bool>& stopping) {
      for (int n = 0; !stopping && n < 3; ++n) {
        if (ReadRequestHead(fd, stopping).empty() || !WriteAll(fd, kOk)) return;
        std::this_thread::sleep_for(20ms);
        if (!WriteAll(fd, smuggled)) return;
      }
    };
    CHECK(ConnectionsForKeptRequests(smuggle_later, 3, 60ms) == 3);
  }
}

TEST_CASE("A probe run makes one connection to its target however many requests it makes",
          "[integration][http]") {
  std::atomic<int> requests{0};
  RawServer server(KeepAlive([&requests](int) {
    ++requests;
    return std::string(kOk);
  }));
  TargetSpec spec = TargetForUrl(server.Url(), GlobalConfig{});
  spec.endpoints.liveness = "/livez";
  spec.endpoints.readiness = "/readyz";
  spec.http = Fast(2s);
  HttplibClient http;
  TargetReport report = ProbeTarget(spec, http, SystemClock::Instance(), Severity::kCritical);
  CHECK(requests > 10);
  CHECK(server.connections() == 1);
}

TEST_CASE("A body the request does not want once it sees the head is counted, not kept", "[integration][http]") {
  RawServer server(KeepAlive([](int) {
    return std::string("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello");
  }));
  HttplibClient http;
  HttpRequest request;
  request.url = server.Url("/metrics");
  for (const bool wanted : {false, true}) {
    request.keep_body_if = [wanted](const HttpResponse& head) {
      CHECK(head.MediaType() == "text/plain");
      return wanted;
    };
    StatusOr<HttpResponse> r = http.Fetch(request, Fast(2s));
    REQUIRE(r.ok());
    CHECK(r->status == 200);
    CHECK(r->body == (wanted ? "hello" : ""));
    CHECK_FALSE(r->body_truncated);
  }
}

TEST_CASE("HTTPS requests that bring kept connections share one TLS session", "[integration][http]") {
  const std::shared_ptr<SSL_CTX> tls = SelfSignedServerContext();
  RawServer server([&tls](int fd, const std::atomic<bool>& stopping) {
    std::shared_ptr<SSL> ssl = AcceptTls(tls.get(), fd);
    if (!ssl) return;
    std::string in;
    char buf[4096];
    while (!stopping) {
      const std::size_t end = in.find("\r\n\r\n");
      if (end == std::string::npos) {
        const int n = SSL_read(ssl.get(), buf, sizeof buf);
        if (n <= 0) return;
        in.append(buf, static_cast<std::size_t>(n));
        continue;
      }
      in.erase(0, end + 4);
      if (SSL_write(ssl.get(), kOk, static_cast<int>(std::strlen(kOk))) <= 0) return;
    }
  });
  HttpOptions options = Fast(2s);
  options.tls_verify = false;
  HttplibClient http;
  std::unique_ptr<HttpConnections> kept = http.NewConnections();
  for (int i = 0; i < 4; ++i) {
    HttpRequest request;
    request.url = "https" + server.Url("/livez").substr(4);
    request.connections = kept.get();
    StatusOr<HttpResponse> r = http.Fetch(request, options);
    REQUIRE(r.ok());
    CHECK(r->body == "ok");
  }
  CHECK(server.connections() == 1);
}

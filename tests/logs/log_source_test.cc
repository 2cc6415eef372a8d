#include <catch2/catch.hpp>

#include <httplib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <thread>

#include "http/httplib_client.h"
#include "logs/log_source.h"
#include "support/fake_http_client.h"
#include "support/process.h"

using namespace probity;
using namespace probity::testing;

namespace {

std::string Lines(int from, int to) {
  std::string out;
  for (int i = from; i <= to; ++i) out += R"({"n":)" + std::to_string(i) + "}\n";
  return out;
}

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
}

std::vector<std::string> Texts(const LogSample& s) {
  std::vector<std::string> out;
  for (const LogEntry& e : s.entries) out.push_back(e.text);
  return out;
}

// A loopback HTTP server for one test, on an ephemeral port.
struct TestHttpServer {
  httplib::Server server;
  std::thread thread;
  int port = 0;
  void Start() {
    port = server.bind_to_any_port("127.0.0.1");
    thread = std::thread([this] { server.listen_after_bind(); });
  }
  ~TestHttpServer() {
    server.stop();
    if (thread.joinable()) thread.join();
  }
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port); }
};

}  // namespace

TEST_CASE("A file's tail: last N complete lines, partial lines left out", "[logs]") {
  TempDir dir;
  const std::string path = dir.path() + "/app.log";
  WriteFile(path, Lines(1, 100) + R"({"n":101,"half)");
  auto s = ReadFileTail(path, 10, 1 << 20);
  REQUIRE(s.ok());
  REQUIRE(s->entries.size() == 10);
  CHECK(s->entries.front().text == R"({"n":91})");
  CHECK(s->entries.back().text == R"({"n":100})");
  REQUIRE(s->notes.size() == 1);
  CHECK(s->notes[0] == "the last line has no newline yet and was left for the next read");

  // A byte budget that starts mid-line drops that first partial line.
  s = ReadFileTail(path, 1000, 50);
  REQUIRE(s.ok());
  for (const LogEntry& e : s->entries) CHECK(e.text.front() == '{');
}

TEST_CASE("Unreadable sources are errors with the reason, never a hang", "[logs]") {
  TempDir dir;
  auto missing = ReadFileTail(dir.path() + "/none.log", 10, 1024);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().message().find("No such file or directory") != std::string::npos);
  auto directory = ReadFileTail(dir.path(), 10, 1024);
  REQUIRE_FALSE(directory.ok());
  CHECK(directory.status().message().find("is not a regular file") != std::string::npos);
  const std::string fifo = dir.path() + "/fifo";
  REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
  auto pipe = ReadFileTail(fifo, 10, 1024);  // opening a FIFO for reading must not block
  REQUIRE_FALSE(pipe.ok());
  CHECK(pipe.status().message().find("is not a regular file") != std::string::npos);
}

TEST_CASE("A file truncated in the middle of the read is read again", "[logs]") {
  TempDir dir;
  const std::string path = dir.path() + "/app.log";
  WriteFile(path, Lines(1, 20000));  // several 64 KiB chunks
  auto s = ReadFileTail(path, 5, 1 << 20, [&](int attempt) {
    if (attempt == 0) WriteFile(path, Lines(1, 3));  // O_TRUNC, then three lines
  });
  REQUIRE(s.ok());
  CHECK(Texts(*s) == std::vector<std::string>{R"({"n":1})", R"({"n":2})", R"({"n":3})"});
  REQUIRE_FALSE(s->notes.empty());
  CHECK(s->notes[0] == "the file was rotated or truncated during the read; read again");
}

TEST_CASE("A file rotated in the middle of the read: the new file, then the rotated one's newest lines", "[logs]") {
  TempDir dir;
  const std::string path = dir.path() + "/app.log";
  WriteFile(path, Lines(1, 20000));
  auto s = ReadFileTail(path, 5, 1 << 20, [&](int attempt) {
    if (attempt == 0) {
      REQUIRE(std::rename(path.c_str(), (path + ".1").c_str()) == 0);
      WriteFile(path, Lines(20001, 20002));
    }
  });
  REQUIRE(s.ok());
  CHECK(Texts(*s) == std::vector<std::string>{R"({"n":19998})", R"({"n":19999})", R"({"n":20000})",
                                              R"({"n":20001})", R"({"n":20002})"});
  CHECK(s->notes.back() == "included 3 lines of the rotated " + path + ".1");
}

TEST_CASE("A url source returns its last lines, and HTTP errors are reasons", "[logs]") {
  TestHttpServer http_server;
  http_server.server.Get("/logs", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(Lines(1, 50), "application/x-ndjson");
  });
  http_server.server.Get("/broken", [](const httplib::Request&, httplib::Response& res) {
    res.status = 500;
    res.set_content("boom", "text/plain");
  });
  http_server.Start();
  HttplibClient http;
  LogsConfig config;
  config.kind = LogsConfig::Kind::kUrl;
  config.url = http_server.Url() + "/logs";
  config.max_lines = 3;
  auto s = OpenLogSource(config, http, SystemClock::Instance())->Read();
  REQUIRE(s.ok());
  CHECK(Texts(*s) == std::vector<std::string>{R"({"n":48})", R"({"n":49})", R"({"n":50})"});
  config.url = http_server.Url() + "/broken";
  s = OpenLogSource(config, http, SystemClock::Instance())->Read();
  REQUIRE_FALSE(s.ok());
  CHECK(s.status().message() == "GET " + config.url + " answered HTTP 500: boom");
}

// A stand-in for Loki's HTTP API, answering exactly as its documentation
// shows for GET /loki/api/v1/query_range (Loki itself is not installable here).
TEST_CASE("A loki source queries query_range and decodes the streams", "[logs]") {
  TestHttpServer loki;
  httplib::Params seen;
  std::string tenant;
  loki.server.Get("/loki/api/v1/query_range", [&](const httplib::Request& req, httplib::Response& res) {
    seen = req.params;
    tenant = req.get_header_value("X-Scope-OrgID");
    if (req.get_param_value("query") == "{app=\"broken\"}") {
      res.status = 400;
      res.set_content("parse error at line 1, col 5: syntax error: unexpected IDENTIFIER", "text/plain");
      return;
    }
    // The response body of Loki's documentation for a streams result.
    const std::string body = R"({"status":"success","data":{"resultType":"streams","result":[
      {"stream":{"app":"orders","pod":"a"},"values":[["1714557602000000000","{\"level\":\"info\",\"n\":3}"],
                                                    ["1714557600000000000","{\"n\":1}"]]},
      {"stream":{"app":"orders","pod":"b"},"values":[["1714557601000000000","n=2"]]}],
      "stats":{"summary":{"bytesProcessedPerSecond":1,"linesProcessedPerSecond":1}}}})";
    res.set_content(body, "application/json");
  });
  loki.Start();
  HttplibClient http;
  FakeClock clock;
  LogsConfig config;
  config.kind = LogsConfig::Kind::kLoki;
  config.url = loki.Url() + "/";
  config.query = "{app=\"orders\"} |= \"\"";
  config.tenant = "team-a";
  config.max_lines = 100;
  auto s = OpenLogSource(config, http, clock)->Read();
  INFO(s.status().message());
  REQUIRE(s.ok());
  CHECK(Texts(*s) == std::vector<std::string>{R"({"n":1})", "n=2", R"({"level":"info","n":3})"});
  CHECK(*s->entries.front().time == Approx(1714557600.0));
  CHECK(seen.find("query")->second == config.query);
  CHECK(seen.find("limit")->second == "100");
  CHECK(seen.find("direction")->second == "backward");
  CHECK(std::stoll(seen.find("end")->second) - std::stoll(seen.find("start")->second) == 3600LL * 1000000000LL);
  CHECK(tenant == "team-a");

  config.query = "{app=\"broken\"}";
  s = OpenLogSource(config, http, clock)->Read();
  REQUIRE_FALSE(s.ok());
  CHECK(s.status().message().find("answered HTTP 400: parse error at line 1") != std::string::npos);
}

#include <catch2/catch.hpp>

#include <httplib.h>

#include <signal.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "http/httplib_client.h"
#include "runner/probe.h"
#include "core/text.h"
#include "support/process.h"

using namespace probity;
using namespace probity::testing;
using namespace std::chrono_literals;

namespace {

CommandResult LintLogs(std::vector<std::string> args, const std::string& input = "") {
  args.insert(args.begin(), {PROBITY_BINARY, "lint-logs"});
  return RunCommand(args, input);
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

const char* const kSecrets[] = {"AKIAPROBITYLEAKTEST1", "prbtyLeakedBearerToken0123456789", "4111 1111 1111 1111",
                                "ghp_0123456789abcdefghijklmnopqrstuvwxyz", "hunter2hunter2"};

void ExpectNoSecret(const std::string& where, const std::string& text) {
  for (const char* secret : kSecrets) {
    INFO(where << " must not contain " << secret);
    CHECK(text.find(secret) == std::string::npos);
  }
}

// The default checklist cut down to the given checks.
TargetSpec OnlyChecks(TargetSpec spec, const std::vector<std::string>& ids) {
  CheckPlan plan;
  for (PlannedCheck& p : spec.plan) {
    if (std::find(ids.begin(), ids.end(), p.info->id) != ids.end()) plan.push_back(p);
  }
  spec.plan = plan;
  return spec;
}

const CheckResult& Find(const TargetReport& r, const std::string& id) {
  for (const CheckResult& c : r.checks) {
    if (c.id == id) return c;
  }
  throw std::runtime_error("no result for " + id);
}

}  // namespace

TEST_CASE("lint-logs: exit 0 when clean, 3 with masked findings, 1 when unreadable", "[integration][logs][cli]") {
  const std::string clean =
      R"({"timestamp":"2024-05-01T10:00:00Z","level":"info","service.name":"a","message":"started"})" "\n"
      R"(ts=2024-05-01T10:00:01Z level=warn service.name=a msg="slow")" "\n";
  CommandResult ok = LintLogs({"-"}, clean);
  INFO(ok.out << ok.err);
  CHECK(ok.exit_code == 0);
  CHECK(ok.out == "<stdin>: 2 lines, 2 structured (1 JSON, 1 logfmt), 0 ERROR/FATAL; no findings\n");

  TempDir dir;
  const std::string file = dir.Write("bad.log", clean +
      R"({"timestamp":"2024-05-01T10:00:02Z","level":"error","service.name":"a","key":"AKIAPROBITYLEAKTEST1"})" "\n"
      "plain text line\n"
      R"({"level":"info","service.name":"a","token":"ghp_0123456789abcdefghijklmnopqrstuvwxyz"})" "\n");
  CommandResult bad = LintLogs({file});
  INFO(bad.out << bad.err);
  CHECK(bad.exit_code == 3);
  CHECK(bad.out.find("3: secret.aws-access-key: …") != std::string::npos);
  CHECK(bad.out.find("AKIA****") != std::string::npos);
  CHECK(bad.out.find("4: unparseable: plain text line\n") != std::string::npos);
  CHECK(bad.out.find("5: secret.github-token: ") != std::string::npos);
  CHECK(bad.out.find("5: timestamp.missing: ") != std::string::npos);
  CHECK(bad.out.find(file + ": 5 lines, 4 structured (3 JSON, 1 logfmt), 1 ERROR/FATAL; 4 findings: unparseable 1, "
                            "timestamp.missing 1, secret.aws-access-key 1, secret.github-token 1\n") != std::string::npos);
  ExpectNoSecret("lint-logs output", bad.out + bad.err);

  CommandResult custom = LintLogs({file, "--rule", R"(custom=plain\s+text)"});
  CHECK(custom.out.find("4: secret.custom: ") != std::string::npos);
  CHECK(LintLogs({file, "--rule", "broken=(x"}).exit_code == 2);

  CommandResult missing = LintLogs({dir.path() + "/none.log"});
  CHECK(missing.exit_code == 1);
  CHECK(missing.err.find("cannot read") != std::string::npos);
}

TEST_CASE("lint-logs survives hostile input within its timeout", "[integration][logs][cli]") {
  std::string input = R"({"msg":")" + std::string(10 << 20, 'x') + R"("})" "\n";
  input += "\xff\xfe\xfd\xc3\x28 not UTF-8 \xed\xa0\x80\n";
  input += std::string(100000, '(') + "\n";
  input += std::string(100000, '[') + "\n";
  CommandResult r = RunCommand({PROBITY_BINARY, "lint-logs", "-"}, input, 60s);
  INFO(r.err);
  CHECK(r.exit_code == 3);  // the text lines are unparseable
  CHECK(r.out.find("<stdin>: 4 lines, 1 structured") != std::string::npos);
  CHECK(r.out.size() < 4096);  // excerpts stay short
  CHECK(IsValidUtf8(r.out));

  // Control bytes from the log never reach the terminal as such.
  CommandResult esc = RunCommand({PROBITY_BINARY, "lint-logs", "-"},
                                 "\x1b]0;pwned\x07\x1b[2J plain \xc2\x9b text\n", 60s);
  INFO(esc.out);
  CHECK(esc.exit_code == 3);
  CHECK(esc.out.find('\x1b') == std::string::npos);
  CHECK(esc.out.find('\x07') == std::string::npos);
  CHECK(esc.out.find("\xc2\x9b") == std::string::npos);
}

TEST_CASE("No detected secret reaches a report, a metric label or Probity's own logs", "[integration][logs]") {
  TempDir dir;
  const std::string backend_log = dir.path() + "/backend.log";
  SampleBackend backend({"--log-file", backend_log, "--log-fault", "leak-aws-key", "--log-fault", "leak-bearer",
                         "--log-fault", "card-number"});
  // A known password in the backend's log too, and a GitHub token.
  {
    std::ofstream(backend_log, std::ios::app)
        << R"({"timestamp":"2030-01-01T00:00:00Z","level":"info","service.name":"s","password":"hunter2hunter2",)"
        << R"("token":"ghp_0123456789abcdefghijklmnopqrstuvwxyz"})" << "\n";
  }
  const std::string config = dir.Write(
      "probity.yaml", "global: {interval: 1s, timeout: 1s, log_level: debug}\ntargets:\n  - name: backend\n    url: \"" +
                          backend.url() + "\"\n    logs: {file: \"" + backend_log + "\"}\n    tracing: {wait: 500ms}\n");
  const std::string agent_log = dir.path() + "/probity.log";
  ChildProcess agent({PROBITY_BINARY, "run", "--config", config, "--listen", "127.0.0.1:0", "--log-file", agent_log});
  const int port = AgentPort(agent);
  REQUIRE(port != 0);
  bool ready = false;
  for (int i = 0; i < 200 && !ready; ++i) {
    ready = HttpGet(port, "/-/ready").status == 200;
    if (!ready) std::this_thread::sleep_for(50ms);
  }
  REQUIRE(ready);

  auto report = nlohmann::json::parse(HttpGet(port, "/api/v1/report").body);
  bool secrets_failed = false;
  for (const auto& c : report["targets"][0]["checks"]) {
    if (c["id"] == "logs.secrets.none") secrets_failed = c["status"] == "fail";
  }
  CHECK(secrets_failed);  // the secrets were there to be found
  std::string everything;
  for (const char* path : {"/metrics", "/api/v1/report", "/", "/probe?target=backend"}) {
    everything += HttpGet(port, path).body;
  }
  httplib::Client client("127.0.0.1", port);
  auto om = client.Get("/metrics", {{"Accept", "application/openmetrics-text;version=1.0.0"}});
  REQUIRE(om);
  everything += om->body;
  for (const char* format : {"text", "json", "junit", "markdown", "html"}) {
    CommandResult scan = RunCommand({PROBITY_BINARY, "scan", "--config", config, "--format", format, "-v"});
    CHECK(scan.exit_code == 3);
    everything += scan.out + scan.err;
  }
  agent.Signal(SIGTERM);
  everything += agent.Stderr() + ReadAll(agent_log);
  CHECK(everything.find("AKIA****") != std::string::npos);  // reported, masked
  ExpectNoSecret("reports, metrics and Probity's logs", everything);
}

// nginx is the real program here: its access log, in a JSON log_format that
// includes $http_traceparent, and in its default "combined" format.
TEST_CASE("nginx access logs: JSON with traceparent passes, combined fails parseable", "[integration][logs]") {
  for (const bool json : {true, false}) {
    INFO((json ? "JSON log_format" : "combined"));
    TempDir dir;
    const int port = FreePort();
    const std::string access_log = dir.path() + "/access.log";
    const std::string conf = dir.Write(
        "nginx.conf",
        "daemon off;\nmaster_process off;\nworker_processes 1;\npid " + dir.path() + "/nginx.pid;\nerror_log " +
            dir.path() + "/error.log;\nevents { worker_connections 64; }\nhttp {\n"
            "  client_body_temp_path " + dir.path() + "/body;\n  proxy_temp_path " + dir.path() + "/proxy;\n"
            "  fastcgi_temp_path " + dir.path() + "/fastcgi;\n  uwsgi_temp_path " + dir.path() + "/uwsgi;\n"
            "  scgi_temp_path " + dir.path() + "/scgi;\n"
            "  log_format probity_json escape=json '{\"timestamp\":\"$time_iso8601\",\"level\":\"info\","
            "\"service.name\":\"nginx\",\"http.request.method\":\"$request_method\",\"url.path\":\"$uri\","
            "\"http.response.status_code\":$status,\"traceparent\":\"$http_traceparent\"}';\n"
            "  server {\n    listen 127.0.0.1:" + std::to_string(port) + ";\n    access_log " + access_log +
            (json ? " probity_json" : "") + ";\n    location / { return 200 \"ok\\n\"; }\n  }\n}\n");
    ChildProcess nginx({"/usr/sbin/nginx", "-p", dir.path(), "-c", conf, "-e", dir.path() + "/error.log"});
    bool up = false;
    for (int i = 0; i < 200 && !up; ++i) {
      up = HttpGet(port, "/").status == 200;
      if (!up) std::this_thread::sleep_for(25ms);
    }
    REQUIRE(up);
    for (int i = 0; i < 3; ++i) HttpGet(port, "/orders");

    TargetSpec spec = OnlyChecks(TargetForUrl("http://127.0.0.1:" + std::to_string(port), GlobalConfig{}),
                                 {"logs.structured.parseable", "tracing.traceparent.propagated"});
    spec.logs.kind = LogsConfig::Kind::kFile;
    spec.logs.path = access_log;
    spec.tracing.path = "/";
    spec.tracing.wait = 2s;
    HttplibClient http;
    TargetReport r = ProbeTarget(spec, http, SystemClock::Instance(), Severity::kCritical);
    const CheckResult& parseable = Find(r, "logs.structured.parseable");
    const CheckResult& traced = Find(r, "tracing.traceparent.propagated");
    INFO(parseable.detail << " / " << traced.detail);
    if (json) {
      CHECK(parseable.status == CheckStatus::kPass);
      CHECK(parseable.detail.find(" sampled lines (100%) are JSON objects (") != std::string::npos);
      CHECK(traced.status == CheckStatus::kPass);
      CHECK(traced.detail == "GET / with a fresh traceparent: its trace id is in the logs");
    } else {
      CHECK(parseable.status == CheckStatus::kFail);
      CHECK(parseable.detail.find(" sampled lines (0%) are JSON objects (0) or logfmt records (0); below 99%; "
                                  "the first that is neither, line 1: 127.0.0.1 - - [") != std::string::npos);
      CHECK(traced.status == CheckStatus::kFail);  // "combined" has no traceparent
    }
  }
}

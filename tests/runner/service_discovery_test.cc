#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>

#include <fstream>

#include "config/config.h"
#include "runner/service_discovery.h"
#include "support/fake_http_client.h"
#include "support/process.h"

using namespace probity;
using namespace probity::testing;
using namespace std::chrono_literals;

namespace {

SdConfig FileSd(const std::vector<std::string>& files, Duration refresh = 5min) {
  SdConfig sd;
  sd.kind = SdConfig::Kind::kFile;
  sd.files = files;
  sd.refresh_interval = refresh;
  sd.target.checklist.name = "default";
  sd.target.labels = {{"team", "payments"}};
  return sd;
}

std::vector<std::string> Names(const std::vector<TargetConfig>& targets) {
  std::vector<std::string> out;
  for (const auto& t : targets) out.push_back(t.name);
  return out;
}

// Writes `content` and moves the file's modification time on, so that a
// rewrite within the same clock tick still reads as a change.
void Rewrite(const std::string& path, const std::string& content) {
  struct stat before {};
  const bool existed = stat(path.c_str(), &before) == 0;
  std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
  if (existed) {
    timespec times[2] = {before.st_atim, before.st_mtim};
    times[1].tv_sec += 1;
    utimensat(AT_FDCWD, path.c_str(), times, 0);
  }
}

}  // namespace

TEST_CASE("Prometheus' hashmod: md5's last 8 bytes, big-endian, mod N", "[config][shard]") {
  CHECK(HashMod("", 1) == 0);
  // md5("") = d41d8cd98f00b204e9800998ecf8427e: last 8 bytes e9800998ecf8427e.
  CHECK(HashMod("", 1000) == 0xe9800998ecf8427eULL % 1000);
  CHECK(HashMod("", 7) == 0xe9800998ecf8427eULL % 7);
  // md5("abc") = 900150983cd24fb0d6963f7d28e17f72: last 8 bytes d6963f7d28e17f72.
  CHECK(HashMod("abc", 1000003) == 0xd6963f7d28e17f72ULL % 1000003);
  const Shard shard = *ParseShard("2/7");
  CHECK(shard.Keeps("abc") == (0xd6963f7d28e17f72ULL % 7 == 2));
  CHECK(ParseShard("0/1").ok());
  for (const char* bad : {"3/3", "1", "/3", "1/", "a/3", "-1/3", "1/0", "1/3/4", " 1/3", "99999999999/3"}) {
    INFO(bad);
    CHECK_FALSE(ParseShard(bad).ok());
  }
}

TEST_CASE("file_sd and http_sd documents become targets, in Prometheus' format", "[runner][sd]") {
  const SdConfig sd = FileSd({"x.json"});
  StatusOr<std::vector<TargetConfig>> targets = ParseSdTargets(R"([
    {"targets": ["10.0.0.1:9100", "node-2:9100"], "labels": {"env": "prod", "__metrics_path__": "/m",
     "__scheme__": "https", "__meta_x": "dropped", "target": "clashes"}},
    {"targets": ["[::1]:8080"]},
    {"labels": {"env": "none"}}
  ])", false, sd);
  REQUIRE(targets.ok());
  REQUIRE(Names(*targets) == std::vector<std::string>{"10.0.0.1:9100", "node-2:9100", "[::1]:8080"});
  const TargetConfig& first = (*targets)[0];
  CHECK(first.url == "https://10.0.0.1:9100");
  CHECK(first.endpoints.metrics == std::optional<std::string>("/m"));
  CHECK(first.labels == std::map<std::string, std::string>{{"env", "prod"}, {"exported_target", "clashes"},
                                                           {"team", "payments"}});
  CHECK(first.checklist.name == "default");
  CHECK((*targets)[2].url == "http://[::1]:8080");
  CHECK((*targets)[2].labels == std::map<std::string, std::string>{{"team", "payments"}});

  StatusOr<std::vector<TargetConfig>> yaml =
      ParseSdTargets("- targets: ['a:1', 'b:2']\n  labels: {env: dev}\n", true, sd);
  REQUIRE(yaml.ok());
  CHECK(Names(*yaml) == std::vector<std::string>{"a:1", "b:2"});
  CHECK(yaml->at(1).labels.at("env") == "dev");
  CHECK(ParseSdTargets("", true, sd).ok());

  for (const auto& [text, is_yaml, message] : std::vector<std::tuple<std::string, bool, std::string>>{
           {"{", false, "not valid JSON"},
           {"{}", false, "must be a JSON array"},
           {R"([{"targets": "a:1"}])", false, "targets must be a list of strings"},
           {R"([{"targets": ["a:1"], "labels": {"0bad": "x"}}])", false, "label name \"0bad\""},
           {R"([{"targets": ["http://a:1/x"]}])", false, "is not a host:port address"},
           {R"([{"targets": ["a:1"], "labels": {"__scheme__": "ftp"}}])", false, "__scheme__ must be http or https"},
           {"- targets: [a:1\n", true, "YAML syntax error"},
           {"targets: [a]\n", true, "must be a YAML list"},
           {std::string("[\"\xff\"]"), false, "not valid UTF-8"},
       }) {
    INFO(text);
    StatusOr<std::vector<TargetConfig>> bad = ParseSdTargets(text, is_yaml, sd);
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.status().message().find(message) != std::string::npos);
  }
}

TEST_CASE("file_sd sees files added, changed, broken and removed, and keeps a broken file's last good targets",
          "[runner][sd]") {
  TempDir dir;
  FakeClock clock;
  FakeHttpClient http(clock);
  ServiceDiscovery sd({FileSd({dir.path() + "/*.json", dir.path() + "/*.yml"}, 30s)}, http, clock);
  CHECK_FALSE(sd.Refresh());  // nothing matches yet
  CHECK(sd.Targets().empty());

  Rewrite(dir.path() + "/a.json", R"([{"targets": ["a:1", "a:2"]}])");
  CHECK(sd.Refresh());
  CHECK(Names(sd.Targets()) == std::vector<std::string>{"a:1", "a:2"});
  CHECK_FALSE(sd.Refresh());  // unchanged, and refresh_interval has not passed

  Rewrite(dir.path() + "/b.yml", "- targets: ['b:1', 'a:1']\n");
  CHECK(sd.Refresh());
  CHECK(Names(sd.Targets()) == std::vector<std::string>{"a:1", "a:2", "b:1"});  // a:1 kept once

  Rewrite(dir.path() + "/a.json", R"([{"targets": ["a:3"]}])");
  CHECK(sd.Refresh());
  CHECK(Names(sd.Targets()) == std::vector<std::string>{"a:3", "b:1", "a:1"});

  // Broken: the last good targets stay, the failure is counted and said once.
  Rewrite(dir.path() + "/a.json", R"([{"targets": ["a:3"]})");
  CHECK_FALSE(sd.Refresh());
  CHECK(Names(sd.Targets()) == std::vector<std::string>{"a:3", "b:1", "a:1"});
  REQUIRE(sd.new_errors().size() == 1);
  CHECK(sd.new_errors()[0].find("a.json: not valid JSON") != std::string::npos);
  CHECK(sd.failures().at("file") == 1);
  const auto sources = sd.Sources();
  REQUIRE(sources.size() == 2);
  CHECK(sources[0].error == "not valid JSON");
  CHECK(sources[0].targets == 1);
  // Not read again until it changes or refresh_interval passes.
  CHECK_FALSE(sd.Refresh());
  CHECK(sd.failures().empty());
  clock.Advance(31s);
  CHECK_FALSE(sd.Refresh());
  CHECK(sd.failures().at("file") == 1);
  CHECK(sd.new_errors().empty());  // the same error is not said twice

  // Mended.
  Rewrite(dir.path() + "/a.json", R"([{"targets": ["a:4"]}])");
  CHECK(sd.Refresh());
  CHECK(Names(sd.Targets()) == std::vector<std::string>{"a:4", "b:1", "a:1"});
  CHECK(sd.Sources()[0].error.empty());

  // A file no glob matches any more takes its targets with it.
  REQUIRE(std::remove((dir.path() + "/b.yml").c_str()) == 0);
  CHECK(sd.Refresh());
  CHECK(Names(sd.Targets()) == std::vector<std::string>{"a:4"});
}

TEST_CASE("file_sd re-reads an unchanged file every refresh_interval", "[runner][sd]") {
  TempDir dir;
  FakeClock clock;
  FakeHttpClient http(clock);
  const std::string path = dir.Write("t.json", R"([{"targets": ["a:1"]}])");
  ServiceDiscovery sd({FileSd({path}, 10s)}, http, clock);
  CHECK(sd.Refresh());
  // Changed behind stat's back (same size, same time): seen when the interval passes.
  struct stat before {};
  REQUIRE(stat(path.c_str(), &before) == 0);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << R"([{"targets": ["b:1"]}])";
  timespec times[2] = {before.st_atim, before.st_mtim};
  utimensat(AT_FDCWD, path.c_str(), times, 0);
  CHECK_FALSE(sd.Refresh());
  clock.Advance(11s);
  CHECK(sd.Refresh());
  CHECK(Names(sd.Targets()) == std::vector<std::string>{"b:1"});
}

TEST_CASE("http_sd fetches its URL every refresh_interval and keeps the last good list on failure", "[runner][sd]") {
  FakeClock clock;
  FakeHttpClient http(clock);
  SdConfig config;
  config.kind = SdConfig::Kind::kHttp;
  config.url = "http://sd.test/targets";
  config.refresh_interval = 60s;
  config.http.bearer_token = Secret("t0ken");
  auto answer = [](int status, std::string body) {
    HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    return r;
  };
  http.OnSequence(config.url, {answer(200, R"([{"targets": ["a:1"], "labels": {"env": "x"}}])"), answer(500, "oops"),
                               answer(200, "garbage"), answer(200, R"([{"targets": ["b:1"]}])")});
  ServiceDiscovery sd({config}, http, clock);
  CHECK(sd.Refresh());
  CHECK(Names(sd.Targets()) == std::vector<std::string>{"a:1"});
  CHECK(sd.Targets()[0].labels.at("env") == "x");
  CHECK_FALSE(sd.Refresh());  // not due
  CHECK(http.CountFor(config.url) == 1);
  clock.Advance(61s);
  CHECK_FALSE(sd.Refresh());  // 500: kept
  CHECK(Names(sd.Targets()) == std::vector<std::string>{"a:1"});
  REQUIRE(sd.new_errors().size() == 1);
  CHECK(sd.new_errors()[0] == "http://sd.test/targets: answered HTTP 500, not 200");
  CHECK(sd.failures().at("http") == 1);
  clock.Advance(61s);
  CHECK_FALSE(sd.Refresh());  // garbage: kept
  CHECK(sd.Sources()[0].error == "not valid JSON");
  clock.Advance(61s);
  CHECK(sd.Refresh());
  CHECK(Names(sd.Targets()) == std::vector<std::string>{"b:1"});
  // Prometheus' header tells the server how often it is asked.
  const auto requests = http.requests();
  REQUIRE_FALSE(requests.empty());
  bool header = false;
  for (const auto& [name, value] : requests[0].headers) header |= name == "X-Prometheus-Refresh-Interval-Seconds" && value == "60";
  CHECK(header);
}

#include "runner/probe.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "support/fake_http_client.h"

using namespace probity;
using namespace probity::testing;

TEST_CASE("ProbeAll tells when each target starts and when it ends, from its probing threads", "[runner][progress]") {
  FakeClock clock;
  FakeHttpClient http(clock);
  http.FailAnyOther("connection refused");
  std::vector<TargetSpec> targets;
  for (int i = 0; i < 7; ++i) targets.push_back(TargetForUrl("http://svc" + std::to_string(i) + ":80", GlobalConfig{}));
  std::mutex mu;
  std::vector<std::string> events;
  std::map<std::string, int> not_ready;
  ProbeCallbacks callbacks;
  callbacks.on_start = [&](const TargetSpec& t) {
    std::lock_guard<std::mutex> lock(mu);
    events.push_back("start " + t.name);
  };
  callbacks.on_done = [&](const TargetReport& t) {
    std::lock_guard<std::mutex> lock(mu);
    events.push_back("done " + t.name);
    if (!t.ready && !t.checks.empty()) ++not_ready[t.name];
  };
  const Report report = ProbeAll(targets, http, clock, Severity::kCritical, 3, callbacks);
  REQUIRE(report.targets.size() == 7);
  CHECK(events.size() == 14);
  for (const TargetSpec& t : targets) {
    INFO(t.name);
    const auto start = std::find(events.begin(), events.end(), "start " + t.name);
    const auto done = std::find(events.begin(), events.end(), "done " + t.name);
    REQUIRE(start != events.end());
    REQUIRE(done != events.end());
    CHECK(start < done);
    CHECK(std::count(events.begin(), events.end(), "done " + t.name) == 1);
    CHECK(not_ready[t.name] == 1);  // the report handed over is the scored one
  }
}

TEST_CASE("ProbeAll without callbacks probes as before", "[runner]") {
  FakeClock clock;
  FakeHttpClient http(clock);
  http.FailAnyOther("connection refused");
  const Report report =
      ProbeAll({TargetForUrl("http://a:80", GlobalConfig{}), TargetForUrl("http://b:80", GlobalConfig{})}, http,
               clock, Severity::kCritical, 4);
  REQUIRE(report.targets.size() == 2);
  CHECK(report.targets[0].name == "a:80");
  CHECK(report.targets[1].name == "b:80");
}

#include <catch2/catch.hpp>

#include "checks/health_body.h"

using namespace probity;

TEST_CASE("application/health+json bodies are read with their checks", "[checks]") {
  HealthBody b = ParseHealthBody("application/health+json",
                                 R"({"status":"warn","checks":{"postgres:responseTime":[{"componentType":"datastore","status":"pass"}]}})");
  CHECK(b.format == HealthFormat::kHealthJson);
  CHECK(b.state == HealthState::kWarn);
  REQUIRE(b.components.size() == 1);
  CHECK(b.components[0].name == "postgres:responseTime");
  CHECK(b.components[0].type == "datastore");
}

TEST_CASE("Spring Actuator bodies are read with nested components", "[checks]") {
  HealthBody b = ParseHealthBody("application/json",
                                 R"({"status":"OUT_OF_SERVICE","components":{"db":{"status":"DOWN"},"group":{"status":"UP","components":{"redis":{"status":"UP"}}}}})");
  CHECK(b.format == HealthFormat::kSpring);
  CHECK(b.state == HealthState::kDown);
  REQUIRE(b.components.size() == 3);
  CHECK(b.components[2].name == "group.redis");
}

TEST_CASE("Kubernetes ok and verbose bodies are recognised", "[checks]") {
  CHECK(ParseHealthBody("text/plain", "ok").format == HealthFormat::kKubernetes);
  // Alertmanager's and Pushgateway's "OK" (with a newline) is the same answer.
  for (const char* body : {"OK", "OK\n", "Ok"}) {
    INFO(body);
    const HealthBody b = ParseHealthBody("text/plain; charset=utf-8", body);
    CHECK(b.format == HealthFormat::kKubernetes);
    CHECK(b.state == HealthState::kUp);
  }
  CHECK(ParseHealthBody("text/plain", "OKAY").format != HealthFormat::kKubernetes);
  HealthBody v = ParseHealthBody("text/plain", "[+]ping ok\n[-]etcd failed: reason withheld\nlivez check failed\n");
  CHECK(v.format == HealthFormat::kKubernetes);
  CHECK(v.state == HealthState::kDown);
  REQUIRE(v.components.size() == 2);
  CHECK(v.components[1].name == "etcd");
}

TEST_CASE("Bodies in no convention keep a loose state but no format", "[checks]") {
  HealthBody plain = ParseHealthBody("text/plain", "Prometheus Server is Healthy.\n");
  CHECK(plain.format == HealthFormat::kUnknown);
  HealthBody word = ParseHealthBody("text/plain", "Healthy");
  CHECK(word.format == HealthFormat::kUnknown);
  CHECK(word.state == HealthState::kUp);
  HealthBody json = ParseHealthBody("application/json", R"({"status":"healthy"})");
  CHECK(json.format == HealthFormat::kOtherJson);
  CHECK(json.state == HealthState::kUp);
}

TEST_CASE("Garbage bodies never throw", "[checks]") {
  for (const char* body : {"{", "{\"status\":", "\xff\xfe{}", "[1,2,3]", "{\"status\":42}", ""}) {
    CHECK_NOTHROW(ParseHealthBody("application/json", body));
  }
}

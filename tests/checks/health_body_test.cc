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

TEST_CASE("JSON health bodies are read in one streaming pass, as a document would read them", "[checks]") {
  // Each level sorted, a component before its nested ones, whatever the document order.
  HealthBody spring = ParseHealthBody(
      "application/json",
      R"({"components":{"a-b":{"status":"UP"},"a":{"components":{"x":{"status":"DOWN","details":{"status":"UP"}}},"status":"UP"},)"
      R"("b":"scalar"},"status":"UP"})");
  CHECK(spring.format == HealthFormat::kSpring);
  REQUIRE(spring.components.size() == 4);
  CHECK(spring.components[0].name == "a");
  CHECK(spring.components[1].name == "a.x");
  CHECK(spring.components[1].state == HealthState::kDown);
  CHECK(spring.components[2].name == "a-b");
  CHECK(spring.components[3].name == "b");
  CHECK(spring.components[3].state == HealthState::kUnknown);
  // Spring Boot 1.x: "details" when there is no "components".
  HealthBody old = ParseHealthBody("application/json", R"({"status":"DOWN","details":{"db":{"status":"DOWN"}}})");
  REQUIRE(old.components.size() == 1);
  CHECK(old.components[0].name == "db");
  // health+json: an entry as an object or as a list (its first element counts); the last key wins.
  HealthBody checks = ParseHealthBody(
      "application/health+json",
      R"({"status":"pass","checks":{"z":{"status":"fail","componentType":"system"},)"
      R"("y":[7,{"status":"fail"}],"x":[{"status":"warn"},{"status":"fail"}],"w":[]},"status":"fail"})");
  CHECK(checks.state == HealthState::kDown);
  REQUIRE(checks.components.size() == 4);
  CHECK(checks.components[0].name == "w");
  CHECK(checks.components[1].name == "x");
  CHECK(checks.components[1].state == HealthState::kWarn);
  CHECK(checks.components[2].state == HealthState::kUnknown);
  CHECK(checks.components[3].type == "system");
  // A status that is no string, a broken document, a last "checks" that is no object.
  CHECK(ParseHealthBody("application/json", R"({"status":{"code":"UP"}})").format == HealthFormat::kOtherJson);
  CHECK(ParseHealthBody("application/json", R"({"status":"UP",)").format == HealthFormat::kUnknown);
  CHECK(ParseHealthBody("application/health+json", R"({"status":"pass","checks":{"a":[]},"checks":1})").components.empty());
  // Forty thousand components, deeply nested noise: read, not built; the
  // components counted, the first kept.
  std::string big = R"({"status":"pass","noise":)" + std::string(100000, '[') + std::string(100000, ']') + R"(,"checks":{)";
  for (int i = 0; i < 40000; ++i) big += (i ? "," : "") + std::string("\"c") + std::to_string(i) + R"(":[{"status":"pass"}])";
  big += "}}";
  HealthBody many = ParseHealthBody("application/health+json", big);
  CHECK(many.state == HealthState::kUp);
  CHECK(many.components.size() == kMaxHealthComponents);
  CHECK(many.components_listed == 40000);
}

TEST_CASE("A body listing more components than are kept keeps the first and counts them all", "[checks]") {
  const std::size_t n = kMaxHealthComponents + 500;
  std::string health_json = R"({"status":"pass","checks":{)";
  std::string spring = R"({"status":"UP","components":{)";
  std::string verbose;
  for (std::size_t i = 0; i < n; ++i) {
    const std::string name = "c" + std::to_string(100000 + i);
    health_json += (i ? "," : "") + ("\"" + name + R"(":[{"status":"fail"}])");
    spring += (i ? "," : "") + ("\"" + name + R"(":{"status":"DOWN"})");
    verbose += "[-]" + name + " failed: reason withheld\n";
  }
  health_json += "}}";
  spring += "}}";
  verbose += "livez check failed\n";
  for (const auto& [media_type, body] : {std::pair<std::string, std::string>{"application/health+json", health_json},
                                         {"application/json", spring},
                                         {"text/plain", verbose}}) {
    CAPTURE(media_type);
    const HealthBody b = ParseHealthBody(media_type, body);
    CHECK(b.format != HealthFormat::kUnknown);
    CHECK(b.components.size() == kMaxHealthComponents);
    CHECK(b.components_listed == n);
    REQUIRE_FALSE(b.components.empty());
    CHECK(b.components.front().name == "c100000");
    CHECK(b.components.back().name == "c" + std::to_string(100000 + kMaxHealthComponents - 1));
    CHECK(b.components.back().state == HealthState::kDown);
  }
}

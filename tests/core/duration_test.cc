#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>

#include "core/duration.h"

using namespace probity;
using namespace std::chrono_literals;

TEST_CASE("Prometheus durations parse like Prometheus does", "[core]") {
  CHECK(*ParseDuration("30s") == 30s);
  CHECK(*ParseDuration("500ms") == 500ms);
  CHECK(*ParseDuration("1h30m") == 90min);
  CHECK(*ParseDuration("1m30s500ms") == 90500ms);
  CHECK(*ParseDuration("0") == 0s);
  CHECK(*ParseDuration("2d") == 48h);
  CHECK(*ParseDuration("1w") == 168h);
  CHECK(*ParseDuration("10us") == 10us);
}

TEST_CASE("Malformed durations are errors that quote the text", "[core]") {
  for (const char* bad : {"", "30", "s", "1.5s", "-1s", "30 s", "1s1m", "1s1s", "5x", "99999999999999999999y"}) {
    INFO(bad);
    StatusOr<Duration> d = ParseDuration(bad);
    REQUIRE_FALSE(d.ok());
    CHECK(d.status().message().find("invalid duration") != std::string::npos);
  }
}

TEST_CASE("Durations format to their shortest spelling", "[core]") {
  CHECK(FormatDuration(0s) == "0s");
  CHECK(FormatDuration(250ms) == "250ms");
  CHECK(FormatDuration(90s) == "1m30s");
  CHECK(FormatDuration(1500ms) == "1s500ms");
  CHECK(FormatDuration(2h) == "2h");
}

TEST_CASE("Byte sizes accept SI and IEC units", "[core]") {
  CHECK(*ParseByteSize("10MiB") == 10ULL << 20);
  CHECK(*ParseByteSize("1KB") == 1000);
  CHECK(*ParseByteSize("4096") == 4096);
  CHECK_FALSE(ParseByteSize("10 MiB").ok());
  CHECK_FALSE(ParseByteSize("MiB").ok());
  CHECK_FALSE(ParseByteSize("99999999999GiB").ok());
}

TEST_CASE("Measured durations are written the way people write them", "[core][progress]") {
  CHECK(FormatElapsed(850ms) == "850ms");
  CHECK(FormatElapsed(2s) == "2.0s");
  CHECK(FormatElapsed(2031ms) == "2.0s");
  CHECK(FormatElapsed(12450ms) == "12.5s");
  CHECK(FormatElapsed(400us) == "0.4ms");
  CHECK(FormatElapsed(0ns) == "0.0ms");
  CHECK(FormatElapsed(12ms) == "12ms");
  CHECK(FormatElapsed(65s) == "1m5s");
  CHECK(FormatElapsed(2h + 1s) == "2h1s");
  CHECK(FormatElapsed(-850ms) == "-850ms");
}

TEST_CASE("A measured duration that rounds up is written in the next unit", "[core][progress]") {
  CHECK(FormatElapsed(9960us) == "10ms");
  CHECK(FormatElapsed(999600us) == "1.0s");
  CHECK(FormatElapsed(59960ms) == "1m");
  CHECK(FormatElapsed(Duration(std::numeric_limits<std::int64_t>::min())).front() == '-');
}

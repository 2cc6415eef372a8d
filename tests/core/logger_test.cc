#include <catch2/catch.hpp>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "core/logger.h"
#include "support/fake_http_client.h"

using namespace probity;

namespace {

// What a logger wrote to its sink.
std::string Written(std::FILE* sink) {
  std::fflush(sink);
  std::rewind(sink);
  std::string out;
  char block[4096];
  for (std::size_t n; (n = std::fread(block, 1, sizeof block, sink)) > 0;) out.append(block, n);
  return out;
}

}  // namespace

TEST_CASE("Log lines are JSON by default and logfmt with --log.format=logfmt", "[core][logger]") {
  testing::FakeClock clock;
  std::FILE* json_sink = std::tmpfile();
  std::FILE* logfmt_sink = std::tmpfile();
  REQUIRE(json_sink != nullptr);
  REQUIRE(logfmt_sink != nullptr);
  {
    Logger json(json_sink, LogLevel::kInfo, clock);
    json.Info("probe run completed", {{"target", "orders api"}});
    Logger logfmt(logfmt_sink, LogLevel::kInfo, clock);
    logfmt.set_format(LogFormat::kLogfmt);
    logfmt.Info("probe run completed",
                {{"target", "orders api"}, {"score", "0.75"}, {"error", "said \"no\"\nthen\\left"}, {"empty", ""},
                 {"level", "ignored: the envelope's"}, {"bad key=", "x"}});
    logfmt.Debug("not written");
  }
  const auto line = nlohmann::json::parse(Written(json_sink));
  CHECK(line["message"] == "probe run completed");
  CHECK(line["target"] == "orders api");
  const std::string text = Written(logfmt_sink);
  CHECK(text.rfind("timestamp=", 0) == 0);
  CHECK(text.find(" level=info message=\"probe run completed\" service.name=probity target=\"orders api\" "
                  "score=0.75 error=\"said \\\"no\\\"\\nthen\\\\left\" empty=\"\" bad_key_=x\n") != std::string::npos);
  CHECK(text.find("ignored") == std::string::npos);
  CHECK(text.find("not written") == std::string::npos);
  CHECK(std::count(text.begin(), text.end(), '\n') == 1);
  LogFormat format;
  CHECK(ParseLogFormat("logfmt", &format));
  CHECK(format == LogFormat::kLogfmt);
  CHECK_FALSE(ParseLogFormat("text", &format));
  std::fclose(json_sink);
  std::fclose(logfmt_sink);
}

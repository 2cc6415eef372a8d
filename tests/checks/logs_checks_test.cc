#include <catch2/catch.hpp>

#include <memory>

#include "checks/catalogue.h"
#include "checks/context.h"
#include "logs/log_source.h"
#include "support/fake_http_client.h"

using namespace probity;
using namespace probity::testing;

namespace {

// A log source of canned lines (the LogSource seam), counting its reads.
class CannedLogs final : public LogSource {
 public:
  explicit CannedLogs(StatusOr<LogSample> sample) : sample_(std::move(sample)) {}
  StatusOr<LogSample> Read() override {
    ++reads;
    return sample_;
  }
  std::string Describe() const override { return "canned lines"; }
  int reads = 0;

 private:
  StatusOr<LogSample> sample_;
};

LogSample Lines(const std::vector<std::string>& lines) {
  LogSample sample;
  for (const std::string& line : lines) sample.entries.push_back({line, std::nullopt});
  return sample;
}

struct Fixture {
  FakeClock clock;
  FakeHttpClient http{clock};
  HttpOptions options;
  ProbeContext ctx{http, options, clock};

  explicit Fixture(std::shared_ptr<LogSource> source) {
    ctx.set_logs({std::move(source), *ContentScanner::WithBuiltins({}), nullptr, "http://svc"});
  }
  Verdict Run(const std::string& id) {
    for (const PlannedCheck& p : DefaultPlan()) {
      if (p.info->id == id) return p.info->run(ctx, p.params);
    }
    FAIL("no check " << id);
    return Verdict::Error("");
  }
};

}  // namespace

TEST_CASE("The logs checks read one sample per run from whatever LogSource the target has", "[checks]") {
  auto source = std::make_shared<CannedLogs>(Lines({
      R"({"timestamp":"2023-11-14T22:13:20Z","level":"info","service.name":"api","msg":"up"})",
      R"({"timestamp":"2023-11-14T22:13:20Z","level":"error","service.name":"api","msg":"password=hunter2"})",
      "plain text line",
  }));
  Fixture f(source);
  Verdict parseable = f.Run("logs.structured.parseable");
  CHECK(parseable.status == CheckStatus::kFail);
  CHECK(parseable.detail.find("2 of 3") != std::string::npos);
  Verdict secrets = f.Run("logs.secrets.none");
  CHECK(secrets.status == CheckStatus::kFail);
  CHECK(secrets.detail.find("hunter2") == std::string::npos);
  CHECK(f.Run("logs.source.reachable").status == CheckStatus::kPass);
  CHECK(source->reads == 1);
}

TEST_CASE("A LogSource that cannot be read fails logs.source.reachable and leaves the others unjudged", "[checks]") {
  Fixture f(std::make_shared<CannedLogs>(Status::Error("permission denied")));
  Verdict reachable = f.Run("logs.source.reachable");
  CHECK(reachable.status == CheckStatus::kFail);
  CHECK(reachable.detail.find("permission denied") != std::string::npos);
  CHECK(f.Run("logs.fields.level").status != CheckStatus::kPass);
}

TEST_CASE("Without a LogSource the logs checks are skipped", "[checks]") {
  Fixture f(nullptr);
  CHECK(f.Run("logs.structured.parseable").status == CheckStatus::kSkip);
  CHECK(f.Run("logs.source.reachable").status == CheckStatus::kSkip);
}

#include <catch2/catch.hpp>

#include "report/report.h"

using namespace probity;

namespace {

CheckResult C(const std::string& id, Severity s, Level l, CheckStatus st, const std::string& category = "health") {
  CheckResult c;
  c.id = id;
  c.category = category;
  c.severity = s;
  c.level = l;
  c.status = st;
  return c;
}

}  // namespace

TEST_CASE("Score weighs critical 2, warning 1 and leaves info and skip out", "[report]") {
  TargetReport t;
  t.checks = {C("a", Severity::kCritical, Level::kBronze, CheckStatus::kPass),
              C("b", Severity::kWarning, Level::kSilver, CheckStatus::kFail),
              C("c", Severity::kInfo, Level::kNone, CheckStatus::kFail),
              C("d", Severity::kCritical, Level::kGold, CheckStatus::kSkip)};
  Score(&t, Severity::kCritical);
  CHECK(t.score == Approx(2.0 / 3.0));
  CHECK(t.ready);
  CHECK(t.critical_failures == 0);
  CHECK(t.level == Level::kBronze);
}

TEST_CASE("An error counts as a failure everywhere", "[report]") {
  TargetReport t;
  t.checks = {C("a", Severity::kCritical, Level::kBronze, CheckStatus::kError),
              C("b", Severity::kCritical, Level::kBronze, CheckStatus::kPass)};
  Score(&t, Severity::kCritical);
  CHECK(t.score == Approx(0.5));
  CHECK_FALSE(t.ready);
  CHECK(t.critical_failures == 1);
  CHECK(t.level == Level::kNone);
}

TEST_CASE("Levels need every check of that level and below", "[report]") {
  TargetReport t;
  t.checks = {C("a", Severity::kCritical, Level::kBronze, CheckStatus::kPass),
              C("b", Severity::kWarning, Level::kSilver, CheckStatus::kPass),
              C("c", Severity::kWarning, Level::kGold, CheckStatus::kPass)};
  Score(&t, Severity::kCritical);
  CHECK(t.level == Level::kGold);
  t.checks[1].status = CheckStatus::kFail;
  Score(&t, Severity::kCritical);
  CHECK(t.level == Level::kBronze);  // gold passed, but silver did not
}

TEST_CASE("fail-on warning makes a warning failure not ready", "[report]") {
  TargetReport t;
  t.checks = {C("a", Severity::kWarning, Level::kSilver, CheckStatus::kFail)};
  Score(&t, Severity::kCritical);
  CHECK(t.ready);
  Score(&t, Severity::kWarning);
  CHECK_FALSE(t.ready);
}

TEST_CASE("Category scores cover only that category", "[report]") {
  TargetReport t;
  t.checks = {C("a", Severity::kCritical, Level::kBronze, CheckStatus::kPass, "health"),
              C("b", Severity::kCritical, Level::kBronze, CheckStatus::kFail, "metrics"),
              C("c", Severity::kWarning, Level::kBronze, CheckStatus::kSkip, "logs")};
  Score(&t, Severity::kCritical);
  CHECK(t.categories.at("health") == 1.0);
  CHECK(t.categories.at("metrics") == 0.0);
  CHECK(t.categories.count("logs") == 0);
}

TEST_CASE("A target with nothing scored scores 0", "[report]") {
  TargetReport t;
  t.checks = {C("a", Severity::kCritical, Level::kBronze, CheckStatus::kSkip)};
  Score(&t, Severity::kCritical);
  CHECK(t.score == 0);
}

TEST_CASE("Exit codes: 3 for a failed gate before 4 for a low score", "[report]") {
  Report r;
  r.targets.resize(2);
  r.targets[0].ready = true;
  r.targets[0].score = 0.5;
  r.targets[1].ready = true;
  r.targets[1].score = 1;
  CHECK(ExitCode(r, Gate{Severity::kCritical, 0}) == 0);
  CHECK(ExitCode(r, Gate{Severity::kCritical, 0.8}) == 4);
  r.targets[1].ready = false;
  CHECK(ExitCode(r, Gate{Severity::kCritical, 0.8}) == 3);
}

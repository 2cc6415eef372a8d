#include <catch2/catch.hpp>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "support/process.h"

using namespace probity::testing;

namespace {

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Every probity_* metric an expression names, without histogram suffixes.
std::set<std::string> MetricNames(const std::string& text) {
  std::set<std::string> names;
  static const std::regex kName("probity_[a-z_]+");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kName); it != std::sregex_iterator(); ++it) {
    names.insert(it->str());
  }
  return names;
}

const std::set<std::string> kExported = {
    "probity_check_passed", "probity_check_status", "probity_check_duration_seconds", "probity_score_ratio",
    "probity_category_score_ratio", "probity_level", "probity_critical_failures",
    "probity_last_run_timestamp_seconds", "probity_runs_total", "probity_config_last_reload_successful",
    "probity_config_last_reload_success_timestamp_seconds", "probity_build_info", "probity_http_requests_total",
    "probity_http_request_duration_seconds"};

}  // namespace

TEST_CASE("The alert rules pass promtool and use only exported metrics", "[integration][dashboards]") {
  const std::string rules = std::string(PROBITY_SOURCE_DIR) + "/dashboards/probity-rules.yml";
  CommandResult r = RunCommand({"promtool", "check", "rules", rules});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  for (const std::string& name : MetricNames(Read(rules))) {
    INFO(name);
    CHECK(kExported.count(name) == 1);
  }
}

TEST_CASE("The Grafana dashboard is valid JSON whose queries use only exported metrics", "[integration][dashboards]") {
  auto dashboard = nlohmann::json::parse(Read(std::string(PROBITY_SOURCE_DIR) + "/dashboards/probity-dashboard.json"));
  CHECK(dashboard["uid"] == "probity-readiness");
  int queries = 0;
  for (const auto& panel : dashboard["panels"]) {
    for (const auto& target : panel["targets"]) {
      const std::string expr = target["expr"];
      ++queries;
      for (const std::string& name : MetricNames(expr)) {
        INFO(panel["title"] << ": " << name);
        CHECK(kExported.count(name) == 1);
      }
      // Each query parses as PromQL: promtool evaluates it against an empty series set.
      CommandResult r = RunCommand({"promtool", "check", "rules", "/dev/stdin"},
                                   "groups: [{name: g, rules: [{record: r, expr: '" +
                                       std::regex_replace(std::regex_replace(expr, std::regex("\\$target"), ".*"),
                                                          std::regex("'"), "''") +
                                       "'}]}]\n");
      INFO(expr << "\n" << r.out << r.err);
      CHECK(r.exit_code == 0);
    }
  }
  CHECK(queries >= 8);
}

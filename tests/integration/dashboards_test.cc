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

TEST_CASE("The Grafana dashboards are valid JSON whose queries use only exported metrics and parse",
          "[integration][dashboards]") {
  for (const char* file : {"probity-dashboard.json", "probity-fleet.json"}) {
    auto dashboard = nlohmann::json::parse(Read(std::string(PROBITY_SOURCE_DIR) + "/dashboards/" + file));
    CHECK(dashboard["uid"].get<std::string>().rfind("probity-", 0) == 0);
    int queries = 0;
    const nlohmann::json panels = dashboard["panels"];
    for (const auto& panel : panels) {
      for (const auto& target : panel["targets"]) {
        std::string expr = target["expr"];
        ++queries;
        for (const std::string& name : MetricNames(expr)) {
          INFO(file << ": " << panel["title"] << ": " << name);
          CHECK(kExported.count(name) == 1);
        }
        // Each query parses as PromQL once Grafana's variables are replaced:
        // promtool checks it as a recording rule.
        expr = std::regex_replace(expr, std::regex("\\$__rate_interval"), "1m");
        expr = std::regex_replace(expr, std::regex("\\$group_label"), "team");
        expr = std::regex_replace(expr, std::regex("\\$[A-Za-z_]+"), ".*");
        CommandResult r = RunCommand({"promtool", "check", "rules", "/dev/stdin"},
                                     "groups: [{name: g, rules: [{record: r, expr: '" +
                                         std::regex_replace(expr, std::regex("'"), "''") + "'}]}]\n");
        INFO(file << ": " << expr << "\n" << r.out << r.err);
        CHECK(r.exit_code == 0);
      }
    }
    INFO(file);
    CHECK(queries >= 8);
  }
}

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "checks/catalogue.h"

using namespace probity;

namespace {

struct Documented {
  std::string severity;  // critical, warning, info
  std::string level;     // bronze, silver, gold, none
};

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> Cells(const std::string& row) {
  std::vector<std::string> cells;
  std::size_t start = 1;
  for (std::size_t bar = row.find('|', start); bar != std::string::npos; bar = row.find('|', start)) {
    std::string cell = row.substr(start, bar - start);
    cell.erase(0, cell.find_first_not_of(' '));
    cell.erase(cell.find_last_not_of(' ') + 1);
    cells.push_back(cell);
    start = bar + 1;
  }
  return cells;
}

std::string LevelWord(const std::string& cell) {
  if (cell == "B") return "bronze";
  if (cell == "S") return "silver";
  if (cell == "G") return "gold";
  if (cell == "—" || cell == "-") return "none";
  return cell;
}

// The check rows of a Markdown file's tables: "| id | severity | level | …".
// README rows quote ids in backticks and may name siblings by their last
// part ("`metrics.lint.help`, `.units`").
std::map<std::string, Documented> CheckRows(const std::string& text) {
  std::map<std::string, Documented> rows;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("| ", 0) != 0) continue;
    const std::vector<std::string> cells = Cells(line);
    if (cells.size() < 4) continue;
    std::string ids = cells[0];
    std::vector<std::string> names;
    std::string family;
    for (std::size_t pos = 0; pos < ids.size();) {
      std::size_t end = ids.find(',', pos);
      std::string id = ids.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
      id.erase(0, id.find_first_not_of(" `"));
      id.erase(id.find_last_not_of(" `") + 1);
      if (!id.empty() && id[0] == '.') id = family + id.substr(1);
      if (id.find('.') != std::string::npos) {
        family = id.substr(0, id.rfind('.') + 1);
        names.push_back(id);
      }
      pos = end == std::string::npos ? ids.size() : end + 1;
    }
    const std::set<std::string> severities = {"critical", "warning", "info"};
    if (!severities.count(cells[1])) continue;
    for (const std::string& id : names) rows[id] = {cells[1], LevelWord(cells[2])};
  }
  return rows;
}

}  // namespace

TEST_CASE("The catalogue, CHECKS.md and the README's tables name the same checks with the same severity and level",
          "[checks]") {
  std::map<std::string, Documented> catalogue;
  for (const CheckInfo& c : Catalogue()) {
    catalogue[c.id] = {std::string(SeverityName(c.severity)), std::string(LevelName(c.level))};
  }
  const std::map<std::string, Documented> readme = CheckRows(Read(PROBITY_SOURCE_DIR "/README.md"));
  REQUIRE(readme.size() > 10);
  for (const auto& [id, doc] : catalogue) {
    INFO("README: " << id);
    REQUIRE(readme.count(id) == 1);
    CHECK(readme.at(id).severity == doc.severity);
    CHECK(readme.at(id).level == doc.level);
  }
  for (const auto& [id, doc] : readme) {
    INFO("documented in the README but not in the catalogue: " << id);
    CHECK(catalogue.count(id) == 1);
  }

  // The shared specification lives beside the repository when it is checked
  // out in the workspace; a clone on its own has only the README to agree with.
  const std::string spec = PROBITY_SOURCE_DIR "/../shared/spec/CHECKS.md";
  if (!std::filesystem::exists(spec)) {
    WARN("no " << spec << ": the catalogue was compared with the README only");
    return;
  }
  const std::map<std::string, Documented> specified = CheckRows(Read(spec));
  REQUIRE(specified.size() > 10);
  for (const auto& [id, doc] : catalogue) {
    INFO("CHECKS.md: " << id);
    REQUIRE(specified.count(id) == 1);
    CHECK(specified.at(id).severity == doc.severity);
    CHECK(specified.at(id).level == doc.level);
  }
  for (const auto& [id, doc] : specified) {
    INFO("specified in CHECKS.md but not implemented: " << id);
    CHECK(catalogue.count(id) == 1);
  }
}

TEST_CASE("Every check says why it matters, in its own words", "[checks]") {
  REQUIRE_FALSE(Catalogue().empty());
  std::map<std::string, std::string> id_by_why;
  for (const CheckInfo& c : Catalogue()) {
    INFO(c.id << ": " << c.why);
    CHECK_FALSE(c.why.empty());
    CHECK(c.why.size() <= 300);
    CHECK(c.why != c.description);
    CHECK(c.why != c.remedy);
    CHECK(c.why.find_first_of("`\n") == std::string::npos);  // plain text, one paragraph
    const auto [first, unique] = id_by_why.emplace(c.why, c.id);
    INFO("the same as " << first->second << "'s");
    CHECK(unique);
  }
}

#include "runner/results.h"

#include <algorithm>

namespace probity {

void ResultStore::SetTargets(const std::vector<std::string>& names) {
  std::lock_guard<std::mutex> lock(mu_);
  names_ = names;
  auto keep = [&](const std::string& name) { return std::find(names.begin(), names.end(), name) != names.end(); };
  for (auto it = latest_.begin(); it != latest_.end();) it = keep(it->first) ? std::next(it) : latest_.erase(it);
  for (auto it = runs_.begin(); it != runs_.end();) it = keep(it->first) ? std::next(it) : runs_.erase(it);
  for (auto it = finished_.begin(); it != finished_.end();) it = keep(it->first) ? std::next(it) : finished_.erase(it);
  for (auto it = history_.begin(); it != history_.end();) it = keep(it->first) ? std::next(it) : history_.erase(it);
}

void ResultStore::Started(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  running_.insert(name);
}

void ResultStore::Record(TargetReport report, WallTime finished) {
  std::lock_guard<std::mutex> lock(mu_);
  running_.erase(report.name);
  if (std::find(names_.begin(), names_.end(), report.name) == names_.end()) return;
  const bool errored = std::any_of(report.checks.begin(), report.checks.end(),
                                   [](const CheckResult& c) { return c.status == CheckStatus::kError; });
  RunCounts& counts = runs_[report.name];
  (errored ? counts.error : counts.ok)++;
  finished_[report.name] = finished;
  std::deque<ScorePoint>& history = history_[report.name];
  if (history.size() == kHistoryRuns) history.pop_front();
  history.push_back(ScorePoint{finished, static_cast<float>(report.score), report.level});
  const std::string name = report.name;
  latest_.insert_or_assign(name, std::move(report));
}

Report ResultStore::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  Report report;
  for (const std::string& name : names_) {
    auto it = latest_.find(name);
    if (it == latest_.end()) continue;
    if (report.targets.empty() || it->second.started_at < report.started_at) report.started_at = it->second.started_at;
    report.duration = std::max(report.duration, it->second.duration);
    report.targets.push_back(it->second);
  }
  return report;
}

bool ResultStore::AllTargetsRan(bool running_counts) const {
  std::lock_guard<std::mutex> lock(mu_);
  return std::all_of(names_.begin(), names_.end(), [&](const std::string& n) {
    return latest_.count(n) > 0 || (running_counts && running_.count(n) > 0);
  });
}

std::map<std::string, ResultStore::RunCounts> ResultStore::Runs() const {
  std::lock_guard<std::mutex> lock(mu_);
  return runs_;
}

std::map<std::string, WallTime> ResultStore::LastRunEnd() const {
  std::lock_guard<std::mutex> lock(mu_);
  return finished_;
}

std::map<std::string, std::vector<ScorePoint>> ResultStore::History() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::map<std::string, std::vector<ScorePoint>> out;
  for (const auto& [name, points] : history_) out[name].assign(points.begin(), points.end());
  return out;
}

std::vector<std::string> ResultStore::Waiting() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  for (const std::string& name : names_) {
    if (!latest_.count(name)) out.push_back(name);
  }
  return out;
}

}  // namespace probity

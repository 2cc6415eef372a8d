#include "runner/scheduler.h"

#include <algorithm>

namespace probity {

Scheduler::Scheduler(ProbeFn probe, ResultFn on_result, int max_concurrent, std::uint64_t seed, const Clock& clock)
    : clock_(clock),
      probe_(std::move(probe)), on_result_(std::move(on_result)), max_concurrent_(std::max(1, max_concurrent)),
      random_(seed) {}

Scheduler::~Scheduler() { Stop(); }

std::chrono::steady_clock::duration Scheduler::Jitter(Duration interval, double fraction, bool symmetric) {
  const double span = static_cast<double>(interval.count()) * fraction;
  std::uniform_real_distribution<double> dist(symmetric ? -span : 0.0, span);
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(Duration(static_cast<std::int64_t>(dist(random_))));
}

void Scheduler::SetTargets(std::vector<TargetSpec> targets) {
  std::lock_guard<std::mutex> lock(mu_);
  std::map<std::string, Entry> next;
  const auto now = clock_.Now();
  for (TargetSpec& spec : targets) {
    auto old = entries_.find(spec.name);
    Entry entry;
    if (old != entries_.end()) {
      entry = old->second;
    } else {
      const Duration spread = std::min<Duration>(spec.interval / 10, std::chrono::seconds(2));
      entry.due = now + Jitter(spread, 1.0, false);
    }
    entry.spec = std::move(spec);
    const std::string name = entry.spec.name;
    next.emplace(name, std::move(entry));
  }
  entries_ = std::move(next);
  queue_.clear();
  for (const auto& [name, entry] : entries_) {
    if (!entry.running) queue_.emplace(entry.due, name);
  }
  cv_.notify_all();
}

void Scheduler::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!workers_.empty()) return;
  stopping_ = false;
  for (int i = 0; i < max_concurrent_; ++i) workers_.emplace_back([this] { Work(); });
}

void Scheduler::Stop() {
  std::vector<std::thread> workers;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    workers.swap(workers_);
  }
  cv_.notify_all();
  for (std::thread& t : workers) t.join();
}

void Scheduler::Work() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    if (queue_.empty()) {
      cv_.wait(lock);
      continue;
    }
    const auto now = clock_.Now();
    if (queue_.begin()->first > now) {
      // A copy: SetTargets() may replace the queue while this thread waits.
      const auto due = queue_.begin()->first;
      clock_.WaitUntil(cv_, lock, due);
      continue;  // the set may have changed while waiting
    }
    Entry& next = entries_.at(queue_.begin()->second);
    queue_.erase(queue_.begin());
    next.running = true;
    const TargetSpec spec = next.spec;
    const auto started = now;
    lock.unlock();
    TargetReport report = probe_(spec);
    lock.lock();
    auto it = entries_.find(spec.name);
    if (it == entries_.end()) continue;  // removed by a reload while running
    Entry& entry = it->second;
    entry.running = false;
    entry.due = std::max(started + entry.spec.interval + Jitter(entry.spec.interval, 0.05, true),
                         clock_.Now());
    queue_.emplace(entry.due, spec.name);
    if (!stopping_) {
      lock.unlock();
      on_result_(spec, std::move(report));
      lock.lock();
    }
    // One new due time: one waiting worker looks at it (each due time that
    // comes wakes the workers waiting for it by itself).
    cv_.notify_one();
  }
}

}  // namespace probity

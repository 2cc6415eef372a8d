#include "runner/probe.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <set>
#include <thread>

#include "checks/context.h"
#include "http/url.h"
#include "runner/discovery.h"

namespace probity {

Config LoadConfig(const std::string& path, std::vector<ConfigError>* errors, const FileSystem& fs) {
  Config config = path.empty() ? ParseConfig(DefaultConfigYaml(), "<embedded default>", errors, fs)
                               : LoadConfigFile(path, errors, fs);
  ResolvePlans(config, errors);
  return config;
}

std::vector<TargetSpec> BuildTargets(const Config& config, const std::map<std::string, CheckPlan>& plans) {
  std::vector<TargetSpec> specs;
  for (const TargetConfig& t : config.targets) {
    TargetSpec spec;
    spec.name = t.name;
    spec.url = t.url;
    spec.labels = t.labels;
    spec.interval = t.interval;
    spec.endpoints = t.endpoints;
    spec.discover = t.discover;
    spec.http = t.http;
    auto plan = plans.find(t.name);
    spec.plan = plan != plans.end() ? plan->second : DefaultPlan();
    spec.logs = t.logs;
    spec.tracing = t.tracing;
    spec.prometheus = t.prometheus ? *t.prometheus : config.prometheus;
    // Each rule was compiled when the config was read, so this cannot fail
    // but for memory; the built-in rules are the fallback.
    StatusOr<std::shared_ptr<const ContentScanner>> scanner = ContentScanner::WithBuiltins(t.logs.rules);
    spec.scanner = scanner.ok() ? *scanner : *ContentScanner::WithBuiltins({});
    specs.push_back(std::move(spec));
  }
  return specs;
}

StatusOr<std::vector<TargetSpec>> ComposeTargets(const Config& config, const std::optional<Shard>& shard,
                                                 const std::vector<TargetConfig>& discovered) {
  Config all = config;
  std::set<std::string> names;
  for (const TargetConfig& t : all.targets) names.insert(t.name);
  for (const TargetConfig& t : discovered) {
    if (names.insert(t.name).second) all.targets.push_back(t);
  }
  if (shard) {
    all.targets.erase(std::remove_if(all.targets.begin(), all.targets.end(),
                                     [&](const TargetConfig& t) { return !shard->Keeps(t.name); }),
                      all.targets.end());
  }
  std::vector<ConfigError> errors;
  const auto plans = ResolvePlans(all, &errors);
  if (!errors.empty()) return Status::Error(JoinErrors(errors));
  return BuildTargets(all, plans);
}

TargetSpec TargetForUrl(const std::string& url, const GlobalConfig& global) {
  TargetSpec spec;
  spec.url = url;
  StatusOr<Url> parsed = ParseUrl(url);
  spec.name = parsed.ok() ? parsed->HostPort() : url;
  spec.interval = global.interval;
  spec.http.timeout = global.timeout;
  spec.http.connect_timeout = global.timeout;
  spec.plan = DefaultPlan();
  spec.scanner = *ContentScanner::WithBuiltins({});
  return spec;
}

TargetReport ProbeTarget(const TargetSpec& target, HttpClient& http, const Clock& clock, Severity fail_on,
                         TargetMemory* memory) {
  TargetReport report;
  report.name = target.name;
  report.url = target.url;
  report.labels = target.labels;
  report.started_at = clock.WallNow();
  const MonoTime start = clock.Now();

  ProbeContext ctx(http, target.http, clock);
  ctx.set_memory(memory);
  ctx.set_target({target.name, target.url, target.labels, &target.prometheus});
  ctx.set_logs({OpenLogSource(target.logs, http, clock),
                target.scanner ? target.scanner : *ContentScanner::WithBuiltins({}), &target.tracing, target.url});
  ctx.set_endpoints(DiscoverEndpoints(target, EndpointsNeededBy(NeedsOf(target.plan)), ctx));
  // What the checks still to run read, after each check: once no check
  // reads a body, it goes (a 4 MiB health body or a 3 MB exposition need
  // not wait for the logs checks and the trace experiment).
  std::vector<Needs> still_needed(target.plan.size() + 1);
  for (std::size_t i = target.plan.size(); i-- > 0;) {
    still_needed[i] = still_needed[i + 1];
    still_needed[i] |= target.plan[i].info->needs;
  }
  for (std::size_t i = 0; i < target.plan.size(); ++i) {
    const PlannedCheck& planned = target.plan[i];
    CheckResult result;
    result.id = planned.info->id;
    result.category = planned.info->category();
    result.severity = planned.severity;
    result.level = planned.info->level;
    const MonoTime check_start = clock.Now();
    Verdict verdict = Verdict::Error("");
    try {
      verdict = planned.info->run(ctx, planned.params);
    } catch (const std::exception& e) {
      verdict = Verdict::Error(std::string("internal error while evaluating the check: ") + e.what());
    }
    result.duration = clock.Now() - check_start;
    result.status = verdict.status;
    result.detail = std::move(verdict.detail);
    result.blocked_by = std::move(verdict.blocked_by);
    if (result.status == CheckStatus::kFail || result.status == CheckStatus::kError) {
      result.remedy = verdict.remedy.empty() ? planned.info->remedy : std::move(verdict.remedy);
    }
    report.checks.push_back(std::move(result));
    ctx.Release(still_needed[i + 1]);
  }
  report.duration = clock.Now() - start;
  Score(&report, fail_on);
  return report;
}

Report ProbeAll(const std::vector<TargetSpec>& targets, HttpClient& http, const Clock& clock, Severity fail_on,
                int max_concurrent, const ProbeCallbacks& callbacks) {
  Report report;
  report.started_at = clock.WallNow();
  const MonoTime start = clock.Now();
  report.targets.resize(targets.size());
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i = next++; i < targets.size(); i = next++) {
      if (callbacks.on_start) callbacks.on_start(targets[i]);
      report.targets[i] = ProbeTarget(targets[i], http, clock, fail_on);
      if (callbacks.on_done) callbacks.on_done(report.targets[i]);
    }
  };
  const std::size_t threads = std::min<std::size_t>(std::max(1, max_concurrent), targets.size());
  std::vector<std::thread> pool;
  for (std::size_t i = 1; i < threads; ++i) pool.emplace_back(worker);
  worker();
  for (std::thread& t : pool) t.join();
  report.duration = clock.Now() - start;
  return report;
}

}  // namespace probity

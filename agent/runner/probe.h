#pragma once

#include <functional>
#include <vector>

#include "checks/context.h"
#include "core/clock.h"
#include "http/http_client.h"
#include "report/report.h"
#include "runner/target.h"

namespace probity {

// Probes one target once: discovers endpoints, runs every planned check in
// order and scores the result. The single code path behind both `scan` and
// `run`. A target that misbehaves produces failed or errored checks, never an
// exception. Thread-safe as long as `http` is.
// `memory` (optional) carries what checks compare across runs of `probity run`.
TargetReport ProbeTarget(const TargetSpec& target, HttpClient& http, const Clock& clock, Severity fail_on,
                         TargetMemory* memory = nullptr);

// What ProbeAll tells as it goes, for a progress display. Each is optional,
// and called on the thread that probes the target, several at once: they
// must be thread-safe, quick and must not throw. `on_start` comes before a
// target's first request, `on_done` with its scored report; every target
// gets both, in that order.
struct ProbeCallbacks {
  std::function<void(const TargetSpec&)> on_start;
  std::function<void(const TargetReport&)> on_done;
};

// Probes every target once, at most `max_concurrent` at a time, and returns
// the report in the order of `targets`.
Report ProbeAll(const std::vector<TargetSpec>& targets, HttpClient& http, const Clock& clock, Severity fail_on,
                int max_concurrent, const ProbeCallbacks& callbacks = {});

}  // namespace probity

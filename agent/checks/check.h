#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "checks/result.h"
#include "core/clock.h"
#include "core/status.h"

namespace probity {

class ProbeContext;

// How a check is defined: what `probity checks` prints, the parameters it
// takes, the facts it needs and the function that judges. Each category's
// checks are defined together in checks/<category>_checks.cc, and the
// catalogue is the union of those tables.

// A check parameter's declaration and, once resolved, its value.
struct ParamSpec {
  enum class Kind { kDuration, kInt, kStringList };
  std::string name;
  Kind kind;
  std::string default_value;  // in config syntax; a comma-separated list for kStringList
  std::string help;
};

using ParamValue = std::variant<Duration, long, std::vector<std::string>>;

class CheckParams {
 public:
  void Set(const std::string& name, ParamValue value) { values_[name] = std::move(value); }
  Duration GetDuration(const std::string& name) const { return std::get<Duration>(values_.at(name)); }
  long GetInt(const std::string& name) const { return std::get<long>(values_.at(name)); }
  const std::vector<std::string>& GetStrings(const std::string& name) const {
    return std::get<std::vector<std::string>>(values_.at(name));
  }

 private:
  std::map<std::string, ParamValue> values_;
};

// Converts a parameter written in the config to its declared kind.
StatusOr<ParamValue> ParseParam(const ParamSpec& spec, const std::vector<std::string>& values, bool is_list);

// What a check function returns; the runner adds id, timing and metadata.
struct Verdict {
  CheckStatus status;
  std::string detail;
  std::string remedy;  // overrides the catalogue's remedy when set
  std::string blocked_by;  // see CheckResult::blocked_by

  static Verdict Pass(std::string detail) { return {CheckStatus::kPass, std::move(detail), "", ""}; }
  static Verdict Fail(std::string detail, std::string remedy = "") {
    return {CheckStatus::kFail, std::move(detail), std::move(remedy), ""};
  }
  static Verdict Skip(std::string detail) { return {CheckStatus::kSkip, std::move(detail), "", ""}; }
  static Verdict Error(std::string detail) { return {CheckStatus::kError, std::move(detail), "", ""}; }
  // A dependent check that was not evaluated because `prerequisite` failed
  // (status kFail) or could not be evaluated (kError).
  static Verdict NotEvaluated(CheckStatus status, std::string prerequisite, const std::string& why) {
    return {status, "not evaluated: " + why, "", std::move(prerequisite)};
  }
};

using CheckFn = std::function<Verdict(ProbeContext&, const CheckParams&)>;

// What a check reads, so that a run discovers only the endpoints its planned
// checks use, and lets go of what no check still to run reads.
struct Needs {
  bool liveness = false;        // the liveness endpoint's answer
  bool readiness = false;       // the readiness endpoint's answer
  bool metrics = false;         // the metrics scrapes, as analysed
  bool metrics_body = false;    // the scrapes' raw exposition, kept past the analysis
  bool openapi = false;         // the OpenAPI document
  bool traced_request = false;  // a request of its own to readiness (liveness when there is none)
  bool logs = false;            // the log sample
  bool tls = false;             // the TLS handshakes of the target's HTTPS endpoints
  bool prometheus = false;      // the Prometheus HTTP API

  Needs& operator|=(const Needs& o) {
    liveness |= o.liveness, readiness |= o.readiness, metrics |= o.metrics, metrics_body |= o.metrics_body;
    openapi |= o.openapi, traced_request |= o.traced_request, logs |= o.logs, tls |= o.tls;
    prometheus |= o.prometheus;
    return *this;
  }
};

// A check's definition: everything `probity checks` prints, plus the code.
// The category follows from the id.
struct CheckInfo {
  std::string id;
  Severity severity;
  Level level;
  std::string description;
  // Why it matters: what an operator loses when this check fails (one or two
  // sentences, plain text).
  std::string why;
  std::string remedy;
  std::vector<ParamSpec> params;
  Needs needs;
  CheckFn run;

  std::string_view category() const { return CategoryOf(id); }
};

}  // namespace probity

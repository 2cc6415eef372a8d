#include "checks/health_checks.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>

#include "checks/context.h"
#include "checks/health_body.h"
#include "core/duration.h"
#include "core/text.h"
#include "scan/content_scanner.h"

namespace probity {
namespace {

using K = ParamSpec::Kind;

struct HealthEndpoint {
  const char* kind;  // "liveness" or "readiness"
  const Endpoint* endpoint;
};

std::vector<HealthEndpoint> HealthEndpoints(const ProbeContext& ctx) {
  return {{"liveness", &ctx.endpoints().liveness}, {"readiness", &ctx.endpoints().readiness}};
}

std::string Get(const Endpoint& e) { return "GET " + e.Path(); }

// An error or failure verdict when a response cannot be judged on its merits.
std::optional<Verdict> Unusable(const ProbeContext& ctx, const Endpoint& e, const StatusOr<HttpResponse>& r) {
  if (!r.ok()) return Verdict::Error(Get(e) + ": " + r.status().message());
  if (r->body_truncated) {
    return Verdict::Fail(Get(e) + ": body is larger than the " + FormatByteSize(ctx.options().max_body_bytes) +
                             " limit and was cut",
                         "keep health bodies small (a few KiB): they are read on every probe");
  }
  return std::nullopt;
}

// An excerpt of text a target sent, with any secret in it masked.
std::string SafeExcerpt(std::string_view untrusted, std::size_t max_chars) {
  return Excerpt(RedactSecrets(untrusted.substr(0, 64 * 1024)), max_chars);
}

std::string BodyWords(const HealthBody& body) {
  return body.raw_status.empty() ? std::string(HealthStateName(body.state))
                                 : "\"" + SafeExcerpt(body.raw_status, 40) + "\"";
}

bool Is2xx(int status) { return status >= 200 && status < 300; }

std::string FailingComponents(const HealthBody& body) {
  std::string names;
  int count = 0;
  for (const HealthComponent& c : body.components) {
    if (c.state != HealthState::kDown) continue;
    if (++count <= 5) names += (names.empty() ? "" : ", ") + SafeExcerpt(c.name, 40);
  }
  // Past kMaxHealthComponents more may fail unseen.
  if (count > 5 || (count > 0 && body.components_listed > body.components.size())) names += ", …";
  return names;
}

// Appends a name to a comma-separated list that is only ever shown cut to
// `shown` bytes: past that, names are no longer added.
void AppendShown(std::string& list, std::string_view name, std::size_t shown) {
  if (list.size() > shown) return;
  list += (list.empty() ? "" : ", ") + SafeExcerpt(name, 40);
}

Verdict CheckLivenessReachable(ProbeContext& ctx, const CheckParams& params) {
  const Endpoint& e = ctx.endpoints().liveness;
  if (!e.found()) return Verdict::Fail("no liveness endpoint: " + e.missing_reason);
  const long tries = params.GetInt("tries");
  Duration slowest{};
  for (long i = 0; i < tries; ++i) {
    // The first try is the run's shared request; the others are fresh.
    std::optional<StatusOr<HttpResponse>> fresh;
    if (i > 0) {
      HttpRequest request;
      request.url = e.url;
      request.keep_body = false;  // timed and judged by status; the body was read once
      fresh.emplace(ctx.Fetch(request));
    }
    const StatusOr<HttpResponse>& r = fresh ? *fresh : ctx.Get(e.url);
    const std::string attempt = "try " + std::to_string(i + 1) + " of " + std::to_string(tries) + ", ";
    if (!r.ok()) return Verdict::Error(attempt + Get(e) + ": " + r.status().message());
    if (auto bad = Unusable(ctx, e, r)) return *bad;
    const int code = r->status;
    if (code < 200 || code >= 400) {
      return Verdict::Fail(attempt + Get(e) + " answered " + std::to_string(code));
    }
    slowest = std::max(slowest, r->elapsed);
  }
  return Verdict::Pass(Get(e) + " answered 2xx/3xx " + std::to_string(tries) + " times in a row (slowest " +
                       FormatElapsed(slowest) + ")");
}

// The health bodies of a run, each parsed once however many checks read it.
struct HealthBodies {
  std::map<std::string, HealthBody> by_url;

  static HealthBodies Compute(ProbeContext&) { return {}; }
  void Release(const Needs& still_needed) {
    if (!still_needed.liveness && !still_needed.readiness) by_url.clear();
  }
};

const HealthBody& ParsedBody(ProbeContext& ctx, const std::string& url, const HttpResponse& r) {
  std::map<std::string, HealthBody>& bodies = ctx.Fact<HealthBodies>().by_url;
  auto it = bodies.find(url);
  if (it == bodies.end()) it = bodies.emplace(url, ParseHealthBody(r.MediaType(), r.body)).first;
  return it->second;
}

Verdict CheckReadinessReachable(ProbeContext& ctx, const CheckParams&) {
  const Endpoint& e = ctx.endpoints().readiness;
  if (!e.found()) return Verdict::Fail("no readiness endpoint: " + e.missing_reason);
  const StatusOr<HttpResponse>& r = ctx.Get(e.url);
  if (auto bad = Unusable(ctx, e, r)) return *bad;
  const int code = r->status;
  if (Is2xx(code)) return Verdict::Pass(Get(e) + " answered " + std::to_string(code) + ": ready");
  const HealthBody& body = ParsedBody(ctx, e.url, *r);
  if (code == 503 || (code >= 500 && body.state != HealthState::kUnknown)) {
    std::string why = Get(e) + " answered " + std::to_string(code) + ": not ready";
    if (body.state != HealthState::kUnknown) why += ", body says " + BodyWords(body);
    const std::string failing = FailingComponents(body);
    if (!failing.empty()) why += " (failing: " + failing + ")";
    return Verdict::Fail(why, "the service reports itself not ready; fix what the body names, or make "
                              "readiness pass once the service can take traffic");
  }
  if (code == 404) {
    return Verdict::Fail(Get(e) + " answered 404: there is no readiness endpoint at this path");
  }
  return Verdict::Fail(Get(e) + " answered " + std::to_string(code) + ", expected 2xx when ready or 503 when not");
}

Verdict CheckStatusConsistent(ProbeContext& ctx, const CheckParams&) {
  int compared = 0;
  std::string first_error;
  for (const HealthEndpoint& h : HealthEndpoints(ctx)) {
    if (!h.endpoint->found()) continue;
    const StatusOr<HttpResponse>& r = ctx.Get(h.endpoint->url);
    if (auto bad = Unusable(ctx, *h.endpoint, r)) {
      if (first_error.empty() && bad->status == CheckStatus::kError) first_error = bad->detail;
      continue;
    }
    const HealthBody& body = ParsedBody(ctx, h.endpoint->url, *r);
    if (body.state == HealthState::kUnknown) continue;
    ++compared;
    const int code = r->status;
    const std::string where = std::string(h.kind) + " " + Get(*h.endpoint) + " answered " + std::to_string(code);
    if ((body.state == HealthState::kUp || body.state == HealthState::kWarn) && !Is2xx(code)) {
      return Verdict::Fail(where + " but its body says " + BodyWords(body));
    }
    if (body.state == HealthState::kDown && code < 500) {
      return Verdict::Fail(where + " but its body says " + BodyWords(body) + ": probes read the code and see healthy");
    }
  }
  if (compared == 0) {
    if (!first_error.empty()) return Verdict::Error(first_error);
    return Verdict::Skip("no health body states a status to compare with its HTTP code");
  }
  return Verdict::Pass("HTTP codes agree with the body status on " + std::to_string(compared) + " health endpoint" +
                       (compared > 1 ? "s" : ""));
}

}  // namespace

bool IsDownstreamDependency(const std::string& name, const std::string& type,
                            const std::vector<std::string>& extra_names) {
  const std::string t = ToLower(type);
  if (t == "datastore" || t == "component") return true;
  static const std::vector<std::string> kKeywords = {
      "db", "database", "datasource", "sql", "jdbc", "postgres", "postgresql", "pg", "mysql", "mariadb",
      "oracle", "mssql", "sqlserver", "mongo", "mongodb", "redis", "memcache", "memcached", "cassandra",
      "scylla", "elasticsearch", "elastic", "opensearch", "solr", "kafka", "rabbit", "rabbitmq", "amqp",
      "nats", "sqs", "sns", "pubsub", "s3", "gcs", "blob", "dynamodb", "etcd", "zookeeper", "consul",
      "vault", "ldap", "mail", "smtp", "couchbase", "couchdb", "neo4j", "influx", "influxdb", "clickhouse",
      "hazelcast", "jms", "upstream", "downstream", "external", "dependency", "dependencies", "broker",
      "queue", "cache"};
  const std::string lower = ToLower(name);
  for (const std::string& extra : extra_names) {
    if (!extra.empty() && lower.find(ToLower(extra)) != std::string::npos) return true;
  }
  // Compare word by word so "readinessState" or "diskSpace" are not taken for "db".
  std::string word;
  auto is_dep = [&](const std::string& w) { return std::find(kKeywords.begin(), kKeywords.end(), w) != kKeywords.end(); };
  for (std::size_t i = 0; i <= name.size(); ++i) {
    const char c = i < name.size() ? name[i] : ' ';
    const bool boundary = !std::isalnum(static_cast<unsigned char>(c)) ||
                          (std::isupper(static_cast<unsigned char>(c)) && i > 0 &&
                           std::islower(static_cast<unsigned char>(name[i - 1])));
    if (boundary && !word.empty()) {
      if (is_dep(word)) return true;
      word.clear();
    }
    if (std::isalnum(static_cast<unsigned char>(c))) word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return false;
}

namespace {

Verdict CheckLivenessIndependent(ProbeContext& ctx, const CheckParams& params) {
  const Endpoint& e = ctx.endpoints().liveness;
  if (!e.found()) return Verdict::Skip("no liveness endpoint to inspect");
  const StatusOr<HttpResponse>& r = ctx.Get(e.url);
  if (auto bad = Unusable(ctx, e, r)) return *bad;
  const HealthBody* body = &ParsedBody(ctx, e.url, *r);
  std::string source = Get(e);
  if (body->format == HealthFormat::kKubernetes && body->components.empty()) {
    // Kubernetes-style endpoints list their checks only when asked.
    const std::string verbose_url = e.url + (e.url.find('?') == std::string::npos ? "?verbose" : "&verbose");
    const StatusOr<HttpResponse>& v = ctx.Get(verbose_url);
    if (v.ok() && !v->body_truncated && Is2xx(v->status)) {
      const HealthBody& verbose = ParsedBody(ctx, verbose_url, *v);
      if (!verbose.components.empty()) {
        body = &verbose;
        source += "?verbose";
      }
    }
  }
  const std::vector<std::string>& extra = params.GetStrings("dependencies");
  std::string deps;
  std::string local;
  for (const HealthComponent& c : body->components) {
    AppendShown(IsDownstreamDependency(c.name, c.type, extra) ? deps : local, c.name, 160);
  }
  if (!deps.empty()) {
    return Verdict::Fail(source + " lists downstream dependencies: " + Excerpt(deps, 160) +
                         "; an outage there would restart healthy replicas");
  }
  if (body->components.empty()) return Verdict::Pass(source + " lists no components");
  std::string read;
  if (body->components_listed > body->components.size()) {
    read = " (the first " + std::to_string(body->components.size()) + " of " +
           std::to_string(body->components_listed) + " listed were read)";
  }
  return Verdict::Pass(source + " lists only local components: " + Excerpt(local, 160) + read);
}

Verdict CheckLatencyBudget(ProbeContext& ctx, const CheckParams& params) {
  const Endpoint* e = &ctx.endpoints().liveness;
  if (!e->found()) e = &ctx.endpoints().readiness;
  if (!e->found()) return Verdict::Skip("no health endpoint to time");
  // Time nothing when the shared request already failed: one timeout per run is enough.
  if (const StatusOr<HttpResponse>& first = ctx.Get(e->url); !first.ok()) {
    return Verdict::Error(Get(*e) + ": " + first.status().message());
  }
  const Duration budget = params.GetDuration("budget");
  const long count = params.GetInt("requests");
  std::vector<Duration> samples;
  long cut = 0;
  for (long i = 0; i < count; ++i) {
    HttpRequest request;
    request.url = e->url;
    request.keep_body = false;  // only timed
    StatusOr<HttpResponse> r = ctx.Fetch(request);
    if (!r.ok()) {
      return Verdict::Error("request " + std::to_string(i + 1) + " of " + std::to_string(count) + ", " + Get(*e) +
                            ": " + r.status().message());
    }
    // An answer cut at the body limit is not a complete answer: its time
    // says nothing about the whole, so it counts as over the budget.
    if (r->body_truncated) ++cut;
    samples.push_back(r->elapsed);
  }
  std::sort(samples.begin(), samples.end());
  // Nearest-rank percentile: of 10 samples, the p95 is the slowest.
  const std::size_t rank = static_cast<std::size_t>(std::ceil(0.95 * static_cast<double>(samples.size())));
  const Duration p95 = samples[std::max<std::size_t>(rank, 1) - 1];
  const auto ms = [](Duration d) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1fms", std::chrono::duration<double, std::milli>(d).count());
    return std::string(buf);
  };
  const std::string summary = "p95 " + ms(p95) + " over " + std::to_string(count) + " requests to " + e->Path() +
                              " (median " + ms(samples[samples.size() / 2]) + ")";
  if (cut > 0) {
    return Verdict::Fail(std::to_string(cut) + " of " + std::to_string(count) + " answers from " + e->Path() +
                             " were cut at the " + FormatByteSize(ctx.options().max_body_bytes) +
                             " body limit and count as over the " + FormatDuration(budget) + " budget",
                         "keep health bodies small (a few KiB): they are read on every probe");
  }
  if (p95 >= budget) return Verdict::Fail(summary + " is not under the " + FormatDuration(budget) + " budget");
  return Verdict::Pass(summary + ", under the " + FormatDuration(budget) + " budget");
}

Verdict CheckFormatRecognized(ProbeContext& ctx, const CheckParams&) {
  int recognized = 0;
  std::string formats;
  std::string first_error;
  for (const HealthEndpoint& h : HealthEndpoints(ctx)) {
    if (!h.endpoint->found()) continue;
    const StatusOr<HttpResponse>& r = ctx.Get(h.endpoint->url);
    if (auto bad = Unusable(ctx, *h.endpoint, r)) {
      if (bad->status == CheckStatus::kFail) return *bad;
      if (first_error.empty()) first_error = bad->detail;
      continue;
    }
    const HealthBody& body = ParsedBody(ctx, h.endpoint->url, *r);
    if (body.format == HealthFormat::kUnknown || body.format == HealthFormat::kOtherJson) {
      const std::string type = r->MediaType().empty() ? "no Content-Type" : r->MediaType();
      const std::string body = r->body.empty() ? " with an empty body" : " \"" + SafeExcerpt(r->body, 60) + "\"";
      return Verdict::Fail(std::string(h.kind) + " " + Get(*h.endpoint) + " answers " + SafeExcerpt(type, 60) + body +
                           ", which follows no health convention");
    }
    ++recognized;
    formats += (formats.empty() ? "" : ", ") + std::string(h.kind) + ": " + std::string(HealthFormatName(body.format));
  }
  if (recognized == 0) {
    if (!first_error.empty()) return Verdict::Error(first_error);
    return Verdict::Skip("no health endpoint to inspect");
  }
  return Verdict::Pass(formats);
}

Verdict CheckDetailsSafe(ProbeContext& ctx, const CheckParams&) {
  const bool has_auth = !ctx.options().bearer_token.empty() || !ctx.options().basic_auth_user.empty();
  int inspected = 0;
  std::string first_error;
  std::string problems;
  for (const HealthEndpoint& h : HealthEndpoints(ctx)) {
    if (!h.endpoint->found()) continue;
    std::optional<StatusOr<HttpResponse>> anonymous;
    if (has_auth && ctx.Get(h.endpoint->url).ok()) {
      // What an anonymous caller sees, not what the probe's credentials unlock.
      HttpRequest request;
      request.url = h.endpoint->url;
      request.with_auth = false;
      anonymous.emplace(ctx.Fetch(request));
    }
    const StatusOr<HttpResponse>* r = anonymous ? &*anonymous : &ctx.Get(h.endpoint->url);
    if (!r->ok()) {
      if (first_error.empty()) first_error = Get(*h.endpoint) + ": " + r->status().message();
      continue;
    }
    ++inspected;
    for (const SensitiveFinding& f : FindSensitiveContent((*r)->body, 5)) {
      if (!problems.empty()) problems += "; ";
      problems += std::string(h.kind) + " body has a " + f.kind + " (" + f.rule + ": " + f.masked + ", line " +
                  std::to_string(f.line) + ")";
    }
  }
  if (!problems.empty()) return Verdict::Fail(Excerpt(problems, 300));
  if (inspected == 0) {
    if (!first_error.empty()) return Verdict::Error(first_error);
    return Verdict::Skip("no health endpoint to inspect");
  }
  return Verdict::Pass(std::string("no secrets or stack traces in ") + std::to_string(inspected) +
                       (has_auth ? " unauthenticated" : "") + " health bod" + (inspected > 1 ? "ies" : "y"));
}

}  // namespace

const std::vector<CheckInfo>& HealthChecks() {
  static const std::vector<CheckInfo> checks = {
      {"health.liveness.reachable", Severity::kCritical, Level::kBronze,
       "liveness endpoint answers 2xx/3xx within the timeout, 3 tries in a row",
       "Kubernetes and load balancers restart or route on this endpoint: if it does not answer, a healthy process is "
       "killed or a dead one keeps receiving traffic.",
       "serve a cheap liveness endpoint (/livez or /healthz) that answers 200 while the process can "
       "make progress, and configure endpoints.liveness if it lives elsewhere",
       {{"tries", K::kInt, "3", "requests that must all succeed"}},
       {.liveness = true}, CheckLivenessReachable},
      {"health.readiness.reachable", Severity::kCritical, Level::kBronze,
       "readiness endpoint exists and answers; 2xx when ready (a 503 with a well-formed body is a fail "
       "with a reason, not an error)",
       "Kubernetes sends Service traffic only to pods whose readiness probe passes: without a working readiness "
       "endpoint a pod either never receives traffic or receives it while still starting or cut off from a "
       "dependency.",
       "serve a readiness endpoint (/readyz) that answers 200 when the service can take traffic and 503 "
       "with the failing component when it cannot",
       {},
       {.readiness = true}, CheckReadinessReachable},
      {"health.status.consistent", Severity::kCritical, Level::kBronze,
       "body status agrees with HTTP code (pass/ok/UP => 2xx; fail/DOWN/OUT_OF_SERVICE => 5xx)",
       "Kubernetes probes and load balancers judge health by the HTTP code alone: a 200 that says DOWN keeps a broken "
       "instance in rotation, and a 5xx that says UP takes a working one out.",
       "return 503 whenever the body reports fail/DOWN, and 200 only when it reports pass/UP: probes "
       "and load balancers read the code, not the body",
       {},
       {.liveness = true, .readiness = true}, CheckStatusConsistent},
      {"health.liveness.independent", Severity::kWarning, Level::kSilver,
       "liveness body lists no downstream dependency (datastore, external component, configured names)",
       "A failed liveness probe restarts the container: if liveness includes a database or downstream service, one "
       "outage elsewhere restarts every replica at once, which fixes nothing and adds cold starts to the outage.",
       "check only the process itself in liveness; move database, cache and downstream checks to "
       "readiness so that an outage elsewhere does not restart every replica",
       {{"dependencies", K::kStringList, "",
         "extra component names that count as downstream dependencies"}},
       {.liveness = true}, CheckLivenessIndependent},
      {"health.latency.budget", Severity::kWarning, Level::kSilver,
       "p95 over 10 health requests under 250 ms",
       "Probes run on every replica with a short timeout (Kubernetes' timeoutSeconds defaults to 1 s): a slow health "
       "handler times out under load, so healthy pods are restarted or taken out of rotation when they are needed "
       "most.",
       "keep health handlers cheap: no synchronous downstream calls, cache dependency state and "
       "answer from memory",
       {{"budget", K::kDuration, "250ms", "largest acceptable p95 latency"},
        {"requests", K::kInt, "10", "how many requests are timed"}},
       {.liveness = true, .readiness = true}, CheckLatencyBudget},
      {"health.format.recognized", Severity::kWarning, Level::kGold,
       "body is application/health+json, Spring {status,components}, or Kubernetes ok / ?verbose lines",
       "Monitoring tools and people can read which component is failing only from a known health format; an ad-hoc "
       "body leaves them with the HTTP code alone and hides the failing dependency.",
       "answer with application/health+json ({\"status\":\"pass\"}), Spring Actuator's "
       "{\"status\":\"UP\"}, or the Kubernetes \"ok\" convention so that tools can read it",
       {},
       {.liveness = true, .readiness = true}, CheckFormatRecognized},
      {"health.details.safe", Severity::kWarning, Level::kGold,
       "unauthenticated health bodies carry no secrets, stack traces or internal hostnames with "
       "credentials",
       "Health endpoints are usually unauthenticated and reachable by load balancers and scanners: a connection "
       "string, credential or stack trace in the body is handed to whoever asks.",
       "show component details only to authenticated callers (Spring: show-details=when-authorized), "
       "never echo connection strings, and catch exceptions before they reach the body",
       {},
       {.liveness = true, .readiness = true}, CheckDetailsSafe},
  };
  return checks;
}

}  // namespace probity

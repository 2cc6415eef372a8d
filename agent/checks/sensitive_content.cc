#include "checks/sensitive_content.h"

#include <re2/re2.h>

#include <algorithm>
#include <memory>

#include "core/text.h"

namespace probity {
namespace {

struct Rule {
  const char* name;
  const char* kind;
  std::unique_ptr<RE2> re;  // group 1, when present, is the secret to mask
};

std::vector<Rule> BuildRules() {
  static constexpr struct {
    const char* name;
    const char* kind;
    const char* pattern;
  } kRules[] = {
      {"aws-access-key", "secret", R"(\b((?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[A-Z0-9]{16})\b)"},
      {"private-key", "secret", R"((-----BEGIN[A-Z ]{0,30} PRIVATE KEY(?: BLOCK)?-----))"},
      {"jwt", "secret", R"(\b(eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}))"},
      {"github-token", "secret", R"(\b((?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255}))"},
      {"slack-token", "secret", R"(\b(xox[abposr]-[A-Za-z0-9-]{10,}))"},
      {"stripe-key", "secret", R"(\b((?:sk|rk)_live_[A-Za-z0-9]{16,}))"},
      {"authorization-value", "secret", R"((?i)\b(?:bearer|basic)\s+([A-Za-z0-9._~+/-]{16,}=*))"},
      {"url-credentials", "secret", R"(\b[a-zA-Z][a-zA-Z0-9+.-]{1,20}://[^/\s:@"']{1,64}:([^/\s@"']{1,128})@[^\s/"']+)"},
      {"password-assignment", "secret",
       R"((?i)["']?\b(?:password|passwd|pwd|secret|client_secret|api_?key|access_?token|auth_?token)\b["']?\s*[:=]\s*["']?([^\s"',;{}<>]{4,}))"},
      {"java-stack-trace", "stack trace", R"((\bat [\w$.]+\([\w$]+\.(?:java|kt|scala|groovy):\d+\)))"},
      {"exception-class", "stack trace", R"(\b((?:[a-z][\w]*\.){2,}[A-Z]\w*(?:Exception|Error)\b))"},
      {"python-traceback", "stack trace", R"((Traceback \(most recent call last\)))"},
      {"go-panic", "stack trace", R"((goroutine \d+ \[[a-z ]+\]:))"},
      {"node-stack-trace", "stack trace", R"((\bat (?:[\w$.<>]+ )?\(?(?:/|file:///?)[^\s()]+\.(?:js|mjs|cjs|ts):\d+:\d+\)?))"},
      {"dotnet-stack-trace", "stack trace", R"((\bat [\w.`]+\([^)]*\) in [^\n]+:line \d+))"},
      {"ruby-stack-trace", "stack trace", R"(([\w/.-]+\.rb:\d+:in `))"},
  };
  std::vector<Rule> rules;
  RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(8 << 20);
  for (const auto& r : kRules) rules.push_back({r.name, r.kind, std::make_unique<RE2>(r.pattern, options)});
  return rules;
}

// Values that only name a secret without being one.
bool IsPlaceholder(std::string_view value) {
  const std::string v = ToLower(value);
  return v.find("***") != std::string::npos || v == "null" || v == "none" || v == "true" || v == "false" ||
         v == "redacted" || v == "[redacted]" || v == "hidden" || v == "masked" || StartsWith(v, "${") ||
         StartsWith(v, "<") || v == "xxxx" || v == "changeme";
}

const std::vector<Rule>& Rules() {
  static const std::vector<Rule> rules = BuildRules();
  return rules;
}

}  // namespace

std::string RedactSecrets(std::string_view text) {
  // Secret spans (begin, end) of every match of every secret rule.
  std::vector<std::pair<std::size_t, std::size_t>> spans;
  for (const Rule& rule : Rules()) {
    if (std::string_view(rule.kind) != "secret") continue;
    re2::StringPiece input(text.data(), text.size());
    re2::StringPiece match[2];
    std::size_t pos = 0;
    while (pos < text.size() && rule.re->Match(input, pos, text.size(), RE2::UNANCHORED, match, 2)) {
      const re2::StringPiece secret = match[1].data() ? match[1] : match[0];
      const std::size_t begin = static_cast<std::size_t>(secret.data() - text.data());
      if (!(std::string_view(rule.name) == "password-assignment" && IsPlaceholder({secret.data(), secret.size()}))) {
        spans.emplace_back(begin, begin + secret.size());
      }
      pos = static_cast<std::size_t>(match[0].data() - text.data()) + std::max<std::size_t>(match[0].size(), 1);
    }
  }
  std::sort(spans.begin(), spans.end());
  std::string out;
  std::size_t at = 0;
  for (const auto& [begin, end] : spans) {
    if (end <= at) continue;
    const std::size_t from = std::max(begin, at);
    out.append(text.substr(at, from - at));
    out += MaskSecret(text.substr(from, end - from));
    at = end;
  }
  out.append(text.substr(at));
  return out;
}

std::vector<SensitiveFinding> FindSensitiveContent(std::string_view text, std::size_t max_findings) {
  std::vector<SensitiveFinding> findings;
  for (const Rule& rule : Rules()) {
    re2::StringPiece input(text.data(), text.size());
    re2::StringPiece match[2];
    std::size_t pos = 0;
    const int groups = std::min(rule.re->NumberOfCapturingGroups() + 1, 2);
    while (findings.size() < max_findings && pos <= text.size() &&
           rule.re->Match(input, pos, text.size(), RE2::UNANCHORED, match, groups)) {
      const std::string_view whole(match[0].data(), match[0].size());
      const std::string_view secret =
          groups > 1 && match[1].data() ? std::string_view(match[1].data(), match[1].size()) : whole;
      pos = static_cast<std::size_t>(whole.data() - text.data()) + std::max<std::size_t>(whole.size(), 1);
      if (std::string_view(rule.name) == "password-assignment" && IsPlaceholder(secret)) continue;
      SensitiveFinding f;
      f.rule = rule.name;
      f.kind = rule.kind;
      f.masked = f.kind == "secret" ? MaskSecret(secret) : Excerpt(whole, 60);
      const std::size_t offset = static_cast<std::size_t>(whole.data() - text.data());
      f.line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(offset), '\n'));
      findings.push_back(std::move(f));
      break;  // one finding per rule is enough to act on
    }
  }
  return findings;
}

}  // namespace probity

#include "scan/content_scanner.h"

#include <hs/hs.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <re2/re2.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <stdexcept>

#include "core/text.h"

namespace probity {
namespace {

struct Rule {
  const ContentRule* rule;
  std::unique_ptr<RE2> re;  // group 1, when present, is the secret to mask
};

RE2::Options Re2Options() {
  RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(8 << 20);
  return options;
}

// A value that stands where a secret was removed or is still to be filled
// in, not a secret: postgres_exporter's PASSWORD_REMOVED, Rails' [FILTERED],
// REDACTED, ****, xxx, ${ENV}, {{ .Values.x }}, <password>.
bool IsPlaceholder(std::string_view value) {
  std::string v = ToLower(value);
  while (!v.empty() && std::string_view("[<({\"'").find(v.front()) != std::string_view::npos) v.erase(0, 1);
  while (!v.empty() && std::string_view("]>)}\"'").find(v.back()) != std::string_view::npos) v.pop_back();
  if (v.empty() || v.find_first_not_of("*x#.-_") == std::string::npos) return true;
  for (std::string_view word : {"removed", "redacted", "filtered", "hidden", "masked", "omitted", "sanitized",
                                "scrubbed", "elided", "censored", "obfuscated", "placeholder"}) {
    if (v.find(word) != std::string::npos) return true;
  }
  return v.find("***") != std::string::npos || v == "null" || v == "nil" || v == "none" || v == "true" ||
         v == "false" || v == "changeme" || StartsWith(v, "${") || StartsWith(v, "$(") || StartsWith(value, "<") || StartsWith(value, "{{") ||
         StartsWith(v, "%s");
}

// Addresses that are no person's: Debian's package-team and list addresses
// (every Debian-built Go program logs its build user,
// team+pkg-go@tracker.debian.org, at start-up) and no-reply mailboxes.
bool IsImpersonalEmail(std::string_view address) {
  const std::string a = ToLower(address);
  const std::size_t at = a.rfind('@');
  if (at == std::string::npos) return false;
  const std::string_view local = std::string_view(a).substr(0, at);
  const std::string_view domain = std::string_view(a).substr(at + 1);
  const auto under = [&](std::string_view d) {
    return domain == d || (domain.size() > d.size() && EndsWith(domain, d) && domain[domain.size() - d.size() - 1] == '.');
  };
  for (std::string_view d : {"tracker.debian.org", "lists.debian.org", "bugs.debian.org", "packages.debian.org",
                             "users.noreply.github.com"}) {
    if (under(d)) return true;
  }
  return local == "noreply" || local == "no-reply" || local == "donotreply" || local == "do-not-reply" ||
         local == "mailer-daemon" || local == "postmaster";
}

// Groups of four, the last of one to four digits (4-4-4-4, 4-4-4-4-3), or
// American Express's 4-6-5 and Diners Club's 4-6-4. `text` is digits split
// by single `separator`s.
bool CardGroups(std::string_view text, char separator) {
  std::vector<std::size_t> groups(1, 0);
  for (char c : text) {
    if (c == separator) {
      groups.push_back(0);
    } else {
      ++groups.back();
    }
  }
  if (groups.size() == 3 && groups[0] == 4 && groups[1] == 6 && (groups[2] == 5 || groups[2] == 4)) return true;
  for (std::size_t i = 0; i + 1 < groups.size(); ++i) {
    if (groups[i] != 4) return false;
  }
  return groups.back() >= 1 && groups.back() <= 4;
}

// 13 to 19 digits, one kind of separator at most, and a valid Luhn sum. A
// run without separators is a card number only up to 16 digits: the 17- to
// 20-digit runs in logs are 64-bit identifiers printed in decimal (etcd's
// member ids, for one), one in ten of which passes Luhn by chance, and the
// rare 17- to 19-digit card numbers are written in groups. Grouped, they are
// grouped as issuers print them (CardGroups): a UUID's 8-4-4 hex groups that
// happen to be all digits and pass Luhn (one request id in some 20 000) are
// not a card number.
bool IsCardNumber(std::string_view text) {
  int digits = 0, sum = 0;
  char separator = 0;
  for (auto it = text.rbegin(); it != text.rend(); ++it) {
    const char c = *it;
    if (c == ' ' || c == '-') {
      if (separator != 0 && separator != c) return false;
      separator = c;
      continue;
    }
    int d = c - '0';
    if (digits++ % 2 == 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return digits >= 13 && digits <= (separator != 0 ? 19 : 16) && sum % 10 == 0 &&
         (separator == 0 || CardGroups(text, separator));
}

// The rule's own filter on a located match, beyond its pattern.
bool Accepts(const ContentRule& rule, std::string_view sensitive) {
  if (rule.name == "password-assignment" || rule.name == "url-credentials") return !IsPlaceholder(sensitive);
  if (rule.name == "email-address") return !IsImpersonalEmail(sensitive);
  if (rule.name == "card-number") return IsCardNumber(sensitive);
  return true;
}

// Calls visit(whole, sensitive) for each accepted match of `re` in text.
template <typename Visit>
void ForEachMatch(const ContentRule& rule, const RE2& re, std::string_view text, Visit visit) {
  re2::StringPiece input(text.data(), text.size());
  re2::StringPiece match[2];
  const int groups = std::min(re.NumberOfCapturingGroups() + 1, 2);
  std::size_t pos = 0;
  while (pos <= text.size() && re.Match(input, pos, text.size(), RE2::UNANCHORED, match, groups)) {
    const std::string_view whole(match[0].data(), match[0].size());
    const std::string_view sensitive =
        groups > 1 && match[1].data() ? std::string_view(match[1].data(), match[1].size()) : whole;
    pos = static_cast<std::size_t>(whole.data() - text.data()) + std::max<std::size_t>(whole.size(), 1);
    if (Accepts(rule, sensitive) && !visit(whole, sensitive)) return;
  }
}

std::vector<Rule> BuildRules() {
  std::vector<Rule> rules;
  for (const ContentRule& r : BuiltinContentRules()) {
    if (r.kind == "pii") continue;  // health bodies are checked for secrets and stack traces
    rules.push_back({&r, std::make_unique<RE2>(r.pattern, Re2Options())});
  }
  return rules;
}

const std::vector<Rule>& Rules() {
  static const std::vector<Rule> rules = BuildRules();
  return rules;
}

// Replaces each span (sorted, possibly overlapping) of text[from, to) by its
// masked form.
std::string MaskSpans(std::string_view text, std::vector<std::pair<std::size_t, std::size_t>> spans,
                      std::size_t from = 0, std::size_t to = std::string_view::npos) {
  to = std::min(to, text.size());
  std::sort(spans.begin(), spans.end());
  std::string out;
  std::size_t at = from;
  for (auto [begin, end] : spans) {
    begin = std::max(begin, from);
    end = std::min(end, to);
    if (end <= at || begin >= to) continue;
    begin = std::max(begin, at);
    out.append(text.substr(at, begin - at));
    out += MaskSecret(text.substr(begin, end - begin));
    at = end;
  }
  if (at < to) out.append(text.substr(at, to - at));
  return out;
}

}  // namespace

const std::vector<ContentRule>& BuiltinContentRules() {
  static const std::vector<ContentRule> rules = {
      {"aws-access-key", "secret", R"(\b((?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[A-Z0-9]{16})\b)",
       "AKIA|ASIA|AGPA|AIDA|AROA|ANPA"},
      {"private-key", "secret", R"((-----BEGIN[A-Z ]{0,30} PRIVATE KEY(?: BLOCK)?-----))", "-----BEGIN"},
      {"jwt", "secret", R"(\b(eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}))", "eyJ"},
      {"github-token", "secret", R"(\b((?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255}))",
       "gh[pousr]_|github_pat_"},
      {"slack-token", "secret", R"(\b(xox[abposr]-[A-Za-z0-9-]{10,}))", "xox[abposr]-"},
      {"stripe-key", "secret", R"(\b((?:sk|rk)_live_[A-Za-z0-9]{16,}))", "[sr]k_live_"},
      {"google-api-key", "secret", R"(\b(AIza[0-9A-Za-z_-]{35}))", "AIza"},
      {"authorization-value", "secret", R"((?i)\b(?:bearer|basic)\s+([A-Za-z0-9._~+/-]{16,}=*))",
       R"((?i)(?:bearer|basic)\s)"},
      {"url-credentials", "secret", R"(\b[a-zA-Z][a-zA-Z0-9+.-]{1,20}://[^/\s:@"']{1,64}:([^/\s@"']{1,128})@[^\s/"']+)",
       R"(://[^/\s:@"']+:[^/\s@"']*@)"},
      {"password-assignment", "secret",
       R"((?i)["']?\b(?:password|passwd|pwd|secret|client_secret|api_?key|access_?token|auth_?token)\b["']?\s*[:=]\s*["']?([^\s"',;{}<>]{4,}))",
       R"((?i)(?:passw(?:or)?d|pwd|secret|api_?key|access_?token|auth_?token)["']?\s*[:=])"},
      {"card-number", "pii", R"(\b([2-6](?:[0-9][ -]?){11,17}[0-9])\b)", "", true},
      {"email-address", "pii", R"(\b([A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,24})\b)",
       R"([A-Za-z0-9._%+-]@[A-Za-z0-9-])"},
      {"java-stack-trace", "stack trace", R"((\bat [\w$.]+\([\w$]+\.(?:java|kt|scala|groovy):\d+\)))"},
      {"exception-class", "stack trace", R"(\b((?:[a-z][\w]*\.){2,}[A-Z]\w*(?:Exception|Error)\b))"},
      {"python-traceback", "stack trace", R"((Traceback \(most recent call last\)))"},
      {"go-panic", "stack trace", R"((goroutine \d+ \[[a-z ]+\]:))"},
      {"node-stack-trace", "stack trace", R"((\bat (?:[\w$.<>]+ )?\(?(?:/|file:///?)[^\s()]+\.(?:js|mjs|cjs|ts):\d+:\d+\)?))"},
      {"dotnet-stack-trace", "stack trace", R"((\bat [\w.`]+\([^)]*\) in [^\n]+:line \d+))"},
      {"ruby-stack-trace", "stack trace", R"(([\w/.-]+\.rb:\d+:in `))"},
  };
  return rules;
}

std::string RedactSecrets(std::string_view text) {
  std::vector<std::pair<std::size_t, std::size_t>> spans;
  for (const Rule& rule : Rules()) {
    if (rule.rule->kind != "secret") continue;
    ForEachMatch(*rule.rule, *rule.re, text, [&](std::string_view, std::string_view secret) {
      const std::size_t begin = static_cast<std::size_t>(secret.data() - text.data());
      spans.emplace_back(begin, begin + secret.size());
      return true;
    });
  }
  return MaskSpans(text, std::move(spans));
}

std::vector<SensitiveFinding> FindSensitiveContent(std::string_view text, std::size_t max_findings) {
  // One Hyperscan pass over the text tells which rules match at all; only
  // those go through RE2, whose pass per rule would cost a pass per rule.
  static const std::shared_ptr<const ContentScanner> prefilter = [] {
    std::vector<ContentRule> rules;
    for (const Rule& rule : Rules()) rules.push_back(*rule.rule);
    return *ContentScanner::Compile(std::move(rules), /*lazy=*/true);
  }();
  // Hyperscan's scratch is costly to make: one per thread, kept.
  thread_local const std::unique_ptr<ContentScanner::Scratch> scratch =
      std::make_unique<ContentScanner::Scratch>(*prefilter);
  std::vector<bool> matching(Rules().size(), false);
  {
    std::vector<ContentMatch> matches;
    prefilter->Find(text, *scratch, &matches);
    for (const ContentMatch& m : matches) matching[static_cast<std::size_t>(m.rule)] = true;
  }
  std::vector<SensitiveFinding> findings;
  for (std::size_t i = 0; i < Rules().size(); ++i) {
    const Rule& rule = Rules()[i];
    if (findings.size() >= max_findings) break;
    if (!matching[i]) continue;
    ForEachMatch(*rule.rule, *rule.re, text, [&](std::string_view whole, std::string_view secret) {
      SensitiveFinding f;
      f.rule = rule.rule->name;
      f.kind = rule.rule->kind;
      f.masked = f.kind == "secret" ? MaskSecret(secret) : Excerpt(whole, 60);
      const std::size_t offset = static_cast<std::size_t>(whole.data() - text.data());
      f.line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(offset), '\n'));
      findings.push_back(std::move(f));
      return false;  // one finding per rule is enough to act on
    });
  }
  return findings;
}

// ---------------------------------------------------------------------------
// ContentScanner

struct ContentScanner::Impl {
  hs_database_t* db = nullptr;  // null when every rule is a card-number rule
  // A scanner compiled lazily (the built-in one) builds `db` for its first
  // Scratch: an agent that never scans never pays for Hyperscan's compiler.
  bool lazy = false;
  std::once_flag compiled;
  bool prebuilt = false;  // `db` was loaded from the build's (UsePrebuiltRulesDatabase)
  std::vector<std::unique_ptr<RE2>> re;
  std::vector<std::uint32_t> card_rules;  // rules whose candidates ForEachCardCandidate finds
  bool block_scannable = true;  // no rule is anchored to the text's start or end
  ~Impl() { hs_free_database(db); }
};

namespace {

// Character classes of 64 bytes as bit masks (bit i for p[i]).
struct ByteClasses {
  std::uint64_t digit = 0;      // 0-9
  std::uint64_t lead = 0;       // 2-6: how a card number starts
  std::uint64_t separator = 0;  // space or hyphen
  std::uint64_t word = 0;       // A-Z a-z 0-9 _
};

ByteClasses Classify(const char* p) {
  ByteClasses c;
#if defined(__SSE2__)
  auto in = [](__m128i v, char lo, char hi) {
    return _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8(static_cast<char>(lo - 1))),
                         _mm_cmplt_epi8(v, _mm_set1_epi8(static_cast<char>(hi + 1))));
  };
  auto bits = [](__m128i m, int k) {
    return static_cast<std::uint64_t>(static_cast<unsigned>(_mm_movemask_epi8(m))) << (16 * k);
  };
  for (int k = 0; k < 4; ++k) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * k));
    const __m128i digit = in(v, '0', '9');
    const __m128i letter = in(_mm_or_si128(v, _mm_set1_epi8(0x20)), 'a', 'z');
    c.digit |= bits(digit, k);
    c.lead |= bits(in(v, '2', '6'), k);
    c.separator |= bits(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(' ')), _mm_cmpeq_epi8(v, _mm_set1_epi8('-'))), k);
    c.word |= bits(_mm_or_si128(_mm_or_si128(digit, letter), _mm_cmpeq_epi8(v, _mm_set1_epi8('_'))), k);
  }
#else
  for (int i = 0; i < 64; ++i) {
    const unsigned char ch = static_cast<unsigned char>(p[i]);
    const std::uint64_t bit = std::uint64_t{1} << i;
    const bool digit = ch >= '0' && ch <= '9';
    if (digit) c.digit |= bit;
    if (ch >= '2' && ch <= '6') c.lead |= bit;
    if (ch == ' ' || ch == '-') c.separator |= bit;
    if (digit || ch == '_' || ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z')) c.word |= bit;
  }
#endif
  return c;
}

// Calls at(i) for each place a card number may end in `text`, 64 bytes at a
// time as bit masks; stops when at() returns false. The card-number pattern,
// \b[2-6](?:[0-9][ -]?){11,17}[0-9]\b, starts with a 2-6 that follows no
// word character, and its first 13 characters are digits, or spaces and
// hyphens right after a digit: i is the 13th character of such a stretch.
// Hyperscan runs that digits-only pattern at about 1 GB/s, slower than all
// the other rules together; this runs several times faster.
template <typename At>
void ForEachCardCandidate(std::string_view text, At at) {
  struct Bits {
    std::uint64_t digit = 0, run = 0, run2 = 0, run4 = 0, start = 0, word = 0;
  } prev, cur;
  // Bits of the previous 64 bytes shifted in: (x << k) with x's carry.
  auto shifted = [](std::uint64_t x, std::uint64_t prev_x, unsigned k) { return (x << k) | (prev_x >> (64 - k)); };
  char tail[64];
  for (std::size_t base = 0; base < text.size(); base += 64) {
    const char* p = text.data() + base;
    if (text.size() - base < 64) {
      std::memset(tail, 0, sizeof tail);
      std::memcpy(tail, p, text.size() - base);
      p = tail;
    }
    const ByteClasses c = Classify(p);
    cur.digit = c.digit;
    cur.word = c.word;
    // In a run: a digit, or a separator right after a digit.
    cur.run = c.digit | (c.separator & shifted(c.digit, prev.digit, 1));
    // A possible start: a 2-6 after no word character.
    cur.start = c.lead & ~shifted(c.word, prev.word, 1);
    // Bit i of runN: characters i-N+1 … i are all in a run.
    const std::uint64_t run2_ = cur.run & shifted(cur.run, prev.run, 1);
    cur.run2 = run2_;
    cur.run4 = run2_ & shifted(run2_, prev.run2, 2);
    const std::uint64_t run8 = cur.run4 & shifted(cur.run4, prev.run4, 4);
    const std::uint64_t run13 = run8 & shifted(cur.run4, prev.run4, 8) & shifted(cur.run, prev.run, 12);
    std::uint64_t ends = run13 & shifted(cur.start, prev.start, 12);
    for (; ends != 0; ends &= ends - 1) {
      if (!at(base + static_cast<std::size_t>(__builtin_ctzll(ends)))) return;
    }
    prev = cur;
  }
}

// What hs_compile_multi is given for `rules`: the rules a vector scan does
// not cover, each with its prefilter (or pattern), flags and id.
struct HyperscanInput {
  std::vector<const char*> patterns;
  std::vector<unsigned> flags, ids;

  explicit HyperscanInput(const std::vector<ContentRule>& rules) {
    for (std::size_t i = 0; i < rules.size(); ++i) {
      if (rules[i].card_number_scan) continue;
      patterns.push_back(rules[i].prefilter.empty() ? rules[i].pattern.c_str() : rules[i].prefilter.c_str());
      flags.push_back(HS_FLAG_MULTILINE);
      ids.push_back(static_cast<unsigned>(i));
    }
  }
  // FNV-1a over all of it and Hyperscan's version: a database made from an
  // input with the same fingerprint matches as one made from this input.
  std::uint64_t Fingerprint() const {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    const auto add = [&h](std::string_view bytes) {
      for (const char c : bytes) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
      h = (h ^ 0xff) * 0x100000001b3ULL;  // ends each field
    };
    add(hs_version());
    for (std::size_t i = 0; i < patterns.size(); ++i) {
      add(patterns[i]);
      add(std::to_string(flags[i]) + "/" + std::to_string(ids[i]));
    }
    return h;
  }
};

// The built-in rules' database as the build serialized it (see
// UsePrebuiltRulesDatabase).
struct Prebuilt {
  std::string_view bytes;
  std::uint64_t fingerprint = 0;
};
Prebuilt& PrebuiltDatabase() {
  static Prebuilt prebuilt;
  return prebuilt;
}

// Loads a serialized database if it runs on this CPU: one built for a CPU
// with features this one lacks fails here rather than at the first scan.
hs_database_t* LoadDatabase(std::string_view bytes) {
  hs_database_t* db = nullptr;
  if (hs_deserialize_database(bytes.data(), bytes.size(), &db) != HS_SUCCESS) return nullptr;
  hs_scratch_t* scratch = nullptr;
  if (hs_alloc_scratch(db, &scratch) != HS_SUCCESS) {
    hs_free_database(db);
    return nullptr;
  }
  hs_free_scratch(scratch);
  return db;
}

// Compiles patterns into one block-mode database; the error names the rule.
// Every match is reported (not just a rule's first), so that one scan of a
// block of lines finds each line a rule matches; with HS_FLAG_MULTILINE, ^
// and $ match at the lines' ends as they do on a line alone. The built-in
// rules' database is loaded, not compiled, where the build made one.
Status CompileHyperscan(const std::vector<ContentRule>& rules, hs_database_t** db, bool* loaded = nullptr) {
  const HyperscanInput input(rules);
  if (input.patterns.empty()) return Status::Ok();
  const Prebuilt& prebuilt = PrebuiltDatabase();
  if (!prebuilt.bytes.empty() && prebuilt.fingerprint == input.Fingerprint()) {
    if ((*db = LoadDatabase(prebuilt.bytes)) != nullptr) {
      if (loaded) *loaded = true;
      return Status::Ok();
    }
  }
  hs_compile_error_t* error = nullptr;
  if (hs_compile_multi(input.patterns.data(), input.flags.data(), input.ids.data(),
                       static_cast<unsigned>(input.patterns.size()), HS_MODE_BLOCK, nullptr, db, &error) != HS_SUCCESS) {
    std::string message = error && error->message ? error->message : "unknown error";
    const int at = error ? error->expression : -1;
    hs_free_compile_error(error);
    if (at >= 0 && static_cast<std::size_t>(at) < input.ids.size()) {
      return Status::Error("rule \"" + rules[input.ids[static_cast<std::size_t>(at)]].name + "\": " + message);
    }
    return Status::Error(message);
  }
  return Status::Ok();
}

// The rules of WithBuiltins({}): the built-in secret and PII rules.
std::vector<ContentRule> BuiltinScannedRules() {
  std::vector<ContentRule> rules;
  for (const ContentRule& r : BuiltinContentRules()) {
    if (r.kind == "secret" || r.kind == "pii") rules.push_back(r);
  }
  return rules;
}

// \A, \z and \Z anchor to the text's start or end, which for a block is not
// a line's. (A false alarm, such as an escaped backslash before an A, only
// costs speed.)
bool AnchoredToText(const std::string& pattern) {
  return pattern.find("\\A") != std::string::npos || pattern.find("\\z") != std::string::npos ||
         pattern.find("\\Z") != std::string::npos;
}

}  // namespace

ContentScanner::ContentScanner(std::vector<ContentRule> rules) : rules_(std::move(rules)), impl_(new Impl) {}
ContentScanner::~ContentScanner() = default;

bool ContentScanner::prebuilt() const { return impl_->prebuilt; }

StatusOr<std::shared_ptr<const ContentScanner>> ContentScanner::Compile(std::vector<ContentRule> rules, bool lazy) {
  if (rules.empty()) return Status::Error("no rules to compile");
  std::shared_ptr<ContentScanner> scanner(new ContentScanner(std::move(rules)));
  for (const ContentRule& rule : scanner->rules_) {
    auto re = std::make_unique<RE2>(rule.pattern, Re2Options());
    if (!re->ok()) return Status::Error("rule \"" + rule.name + "\": " + re->error());
    scanner->impl_->re.push_back(std::move(re));
    if (AnchoredToText(rule.pattern) || AnchoredToText(rule.prefilter)) scanner->impl_->block_scannable = false;
    if (rule.card_number_scan) {
      scanner->impl_->card_rules.push_back(static_cast<std::uint32_t>(scanner->impl_->re.size() - 1));
    }
  }
  scanner->impl_->lazy = lazy;
  if (!lazy) {
    Status compiled = CompileHyperscan(scanner->rules_, &scanner->impl_->db, &scanner->impl_->prebuilt);
    if (!compiled.ok()) return compiled;
  }
  return std::shared_ptr<const ContentScanner>(std::move(scanner));
}

StatusOr<std::shared_ptr<const ContentScanner>> ContentScanner::WithBuiltins(const std::vector<ContentRule>& extra) {
  static std::mutex mu;
  static std::shared_ptr<const ContentScanner> builtin;
  if (extra.empty()) {
    std::lock_guard<std::mutex> lock(mu);
    if (builtin) return builtin;
  }
  std::vector<ContentRule> rules = BuiltinScannedRules();
  rules.insert(rules.end(), extra.begin(), extra.end());
  // The built-in rules are known to compile (a test keeps that true): they
  // may wait for their first scan. A config's own rules are compiled now,
  // so that an error is the config's.
  StatusOr<std::shared_ptr<const ContentScanner>> scanner = Compile(std::move(rules), extra.empty());
  if (scanner.ok() && extra.empty()) {
    std::lock_guard<std::mutex> lock(mu);
    builtin = *scanner;
  }
  return scanner;
}

Status ContentScanner::CheckPattern(const std::string& pattern) {
  RE2 re(pattern, Re2Options());
  if (!re.ok()) return Status::Error(re.error());
  hs_database_t* db = nullptr;
  Status compiled = CompileHyperscan({{"pattern", "secret", pattern}}, &db);
  hs_free_database(db);
  if (!compiled.ok()) {
    const std::string prefix = "rule \"pattern\": ";
    std::string message = compiled.message();
    if (StartsWith(message, prefix)) message = message.substr(prefix.size());
    return Status::Error(message + " (patterns must be understood by Hyperscan: no back-references or look-around)");
  }
  return Status::Ok();
}

void UsePrebuiltRulesDatabase(std::string_view bytes, std::uint64_t fingerprint) {
  PrebuiltDatabase() = Prebuilt{bytes, fingerprint};
}

StatusOr<PrebuiltRules> SerializeBuiltinRules() {
  const std::vector<ContentRule> rules = BuiltinScannedRules();
  hs_database_t* db = nullptr;
  Status compiled = CompileHyperscan(rules, &db);
  if (!compiled.ok()) return compiled;
  char* bytes = nullptr;
  std::size_t size = 0;
  const hs_error_t serialized = hs_serialize_database(db, &bytes, &size);
  hs_free_database(db);
  if (serialized != HS_SUCCESS) return Status::Error("cannot serialize the built-in rules' database");
  PrebuiltRules out{std::string(bytes, size), HyperscanInput(rules).Fingerprint()};
  std::free(bytes);
  return out;
}

ContentScanner::Scratch::Scratch(const ContentScanner& scanner) : last_line_(scanner.rules_.size(), 0) {
  if (scanner.impl_->lazy) {
    std::call_once(scanner.impl_->compiled, [&scanner] {
      Status compiled = CompileHyperscan(scanner.rules_, &scanner.impl_->db, &scanner.impl_->prebuilt);
      if (!compiled.ok()) throw std::runtime_error("the built-in content rules do not compile: " + compiled.message());
    });
  }
  hs_scratch_t* scratch = nullptr;
  if (scanner.impl_->db && hs_alloc_scratch(scanner.impl_->db, &scratch) != HS_SUCCESS) throw std::bad_alloc();
  hs_scratch_ = scratch;
}

ContentScanner::Scratch::~Scratch() { hs_free_scratch(static_cast<hs_scratch_t*>(hs_scratch_)); }

void ContentScanner::Find(std::string_view text, Scratch& scratch, std::vector<ContentMatch>* out) const {
  if (text.empty() || text.size() > 0xffffffffu) return;
  // Pass 1: which rules match at all (one pass over the text for all rules).
  // A rule reports every place it matches; last_line_ marks it as seen.
  scratch.candidates_.clear();
  auto on_match = [](unsigned id, unsigned long long, unsigned long long, unsigned, void* ctx) -> int {
    Scratch& s = *static_cast<Scratch*>(ctx);
    if (s.last_line_[id] == 0) {
      s.last_line_[id] = 1;
      s.candidates_.push_back(id);
    }
    return 0;
  };
  if (impl_->db) {
    hs_scan(impl_->db, text.data(), static_cast<unsigned>(text.size()), 0,
            static_cast<hs_scratch_t*>(scratch.hs_scratch_), on_match, &scratch);
  }
  for (std::uint32_t id : scratch.candidates_) scratch.last_line_[id] = 0;
  for (std::uint32_t id : impl_->card_rules) {
    ForEachCardCandidate(text, [&](std::size_t) {
      scratch.candidates_.push_back(id);
      return false;
    });
  }
  // Pass 2: locate and confirm each matching rule's occurrences.
  Confirm(text, scratch.candidates_, out);
}

namespace {

// Collects a block's hits by line: one per line and rule.
struct BlockHits {
  const std::vector<std::size_t>& newlines;
  std::vector<std::uint32_t>& last_line;  // per rule: the line of its last hit, plus one
  std::vector<ContentScanner::LineHit>& hits;
  std::uint32_t line = 0;  // the line of the previous hit

  // Rule `id` may match on the line holding offset `last` (a line's '\n'
  // belongs to it).
  void Add(unsigned id, std::size_t last) {
    // Hits come mostly in order, so the previous hit's line is tried first.
    const bool same = (line == 0 || newlines[line - 1] < last) && (line == newlines.size() || last <= newlines[line]);
    if (!same) {
      line = static_cast<std::uint32_t>(std::lower_bound(newlines.begin(), newlines.end(), last) - newlines.begin());
    }
    if (last_line[id] != line + 1) {
      last_line[id] = line + 1;
      hits.push_back({line, id});
    }
  }
};

}  // namespace

bool ContentScanner::ScanBlock(std::string_view block, const std::vector<std::size_t>& newlines, Scratch& scratch,
                               std::vector<LineHit>* hits) const {
  hits->clear();
  if (!impl_->block_scannable || block.size() > 0xffffffffu || newlines.size() >= 0xffffffffu) return false;
  if (block.empty()) return true;
  BlockHits found{newlines, scratch.last_line_, *hits};
  if (impl_->db) {
    auto on_match = [](unsigned id, unsigned long long, unsigned long long to, unsigned, void* ctx) -> int {
      static_cast<BlockHits*>(ctx)->Add(id, static_cast<std::size_t>(to) - 1);
      return 0;
    };
    hs_scan(impl_->db, block.data(), static_cast<unsigned>(block.size()), 0,
            static_cast<hs_scratch_t*>(scratch.hs_scratch_), on_match, &found);
  }
  for (std::uint32_t id : impl_->card_rules) {
    ForEachCardCandidate(block, [&](std::size_t at) {
      found.Add(id, at);
      return true;
    });
  }
  std::fill(scratch.last_line_.begin(), scratch.last_line_.end(), 0);
  std::sort(hits->begin(), hits->end(),
            [](const LineHit& a, const LineHit& b) { return a.line != b.line ? a.line < b.line : a.rule < b.rule; });
  hits->erase(std::unique(hits->begin(), hits->end()), hits->end());
  return true;
}

void ContentScanner::Confirm(std::string_view text, const std::vector<std::uint32_t>& candidates,
                             std::vector<ContentMatch>* out) const {
  const std::size_t first = out->size();
  for (std::uint32_t id : candidates) {
    if (id >= rules_.size()) continue;
    ForEachMatch(rules_[id], *impl_->re[id], text, [&](std::string_view, std::string_view sensitive) {
      const std::size_t begin = static_cast<std::size_t>(sensitive.data() - text.data());
      out->push_back({static_cast<int>(id), begin, begin + sensitive.size()});
      return true;
    });
  }
  std::sort(out->begin() + static_cast<long>(first), out->end(),
            [](const ContentMatch& a, const ContentMatch& b) { return a.begin < b.begin; });
}

std::string ContentScanner::MaskedExcerpt(std::string_view text, const std::vector<ContentMatch>& matches,
                                          std::size_t focus_begin, std::size_t max_chars) {
  const std::size_t from = focus_begin > 40 ? focus_begin - 40 : 0;
  const std::size_t to = std::min(text.size(), from + max_chars * 4);
  std::vector<std::pair<std::size_t, std::size_t>> spans;
  for (const ContentMatch& m : matches) spans.emplace_back(m.begin, m.end);
  std::string masked = MaskSpans(text, std::move(spans), from, to);
  return (from > 0 ? "…" : "") + Excerpt(masked, max_chars);
}

StatusOr<ContentRule> ParseRuleFlag(const std::string& spec) {
  const std::size_t eq = spec.find('=');
  if (eq == 0 || eq == std::string::npos || eq + 1 == spec.size()) {
    return Status::Error("--rule \"" + Excerpt(spec, 60) + "\" must be NAME=REGEX");
  }
  ContentRule rule{spec.substr(0, eq), "secret", spec.substr(eq + 1)};
  Status ok = ContentScanner::CheckPattern(rule.pattern);
  if (!ok.ok()) return Status::Error("--rule " + rule.name + ": " + ok.message());
  return rule;
}

}  // namespace probity

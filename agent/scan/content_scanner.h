#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace probity {

// One rule for sensitive content. `pattern` is in the syntax that RE2 and
// Hyperscan share (no back-references, no look-around); capture group 1, when
// present, is the sensitive part that gets masked.
struct ContentRule {
  std::string name;     // "aws-access-key", "card-number", …
  std::string kind;     // "secret", "pii" or "stack trace"
  std::string pattern;
  // A cheaper superset of `pattern` for the one-pass Hyperscan scan (led by
  // a literal where possible); empty means `pattern` itself. RE2 confirms
  // every hit with the full pattern, so a prefilter only has to never miss.
  std::string prefilter = "";
  // Candidates come from a vector scan for what a card number looks like
  // (a 2-6 after a word boundary, then digits with single spaces or hyphens
  // between them, 13 characters or more) rather than from Hyperscan, whose
  // engine for such a digits-only pattern is by far the slowest of the set.
  // `pattern` must then match only such text.
  bool card_number_scan = false;
};

// The built-in rules: secrets (cloud keys, private-key blocks, JWTs, provider
// tokens, Authorization values, credentials in URLs, password-like
// assignments), PII (card numbers with Luhn, e-mail addresses) and stack
// traces of common runtimes.
const std::vector<ContentRule>& BuiltinContentRules();

// A piece of text that must not be shown to anonymous callers.
struct SensitiveFinding {
  std::string rule;    // e.g. "aws-access-key", "java-stack-trace"
  std::string kind;    // "secret" or "stack trace"
  std::string masked;  // safe to print: a masked secret or a short excerpt
  int line = 0;        // 1-based line in the text
};

// Scans text for the built-in secret and stack-trace rules. Linear time in
// the size of the text (RE2); at most `max_findings` are returned, one per
// rule. Thread-safe.
std::vector<SensitiveFinding> FindSensitiveContent(std::string_view text, std::size_t max_findings = 20);

// Returns `text` with every secret the built-in rules find replaced by its
// masked form, so that an excerpt of untrusted text can be shown safely.
std::string RedactSecrets(std::string_view text);

// Where a rule matched: [begin, end) is the sensitive part.
struct ContentMatch {
  int rule = 0;  // index into ContentScanner::rules()
  std::size_t begin = 0;
  std::size_t end = 0;
};

// A set of secret and PII rules compiled into one Hyperscan database, so that
// a line is checked against every rule in a single linear pass. Lines that
// match are confirmed and located with RE2, which also applies the rules'
// filters (Luhn for card numbers, placeholders such as "******" for
// passwords). Immutable and shared between threads; each thread scans with
// its own Scratch.
class ContentScanner {
 public:
  // Per-thread working memory of a scan.
  class Scratch {
   public:
    explicit Scratch(const ContentScanner& scanner);
    ~Scratch();
    Scratch(const Scratch&) = delete;
    Scratch& operator=(const Scratch&) = delete;

   private:
    friend class ContentScanner;
    void* hs_scratch_ = nullptr;
    std::vector<std::uint32_t> candidates_;  // Find's rules to confirm
    std::vector<std::uint32_t> last_line_;   // per rule: the last line a hit was kept for, plus one
  };

  // Compiles rules; an invalid pattern is an error naming the rule. With
  // `lazy`, the one-pass (Hyperscan) database waits for the first Scratch;
  // only for rules known to compile.
  static StatusOr<std::shared_ptr<const ContentScanner>> Compile(std::vector<ContentRule> rules, bool lazy = false);
  // The built-in secret and PII rules, plus `extra` (the config's own rules).
  static StatusOr<std::shared_ptr<const ContentScanner>> WithBuiltins(const std::vector<ContentRule>& extra);
  // Checks that a user's pattern compiles with both engines.
  static Status CheckPattern(const std::string& pattern);

  ~ContentScanner();
  ContentScanner(const ContentScanner&) = delete;
  ContentScanner& operator=(const ContentScanner&) = delete;

  const std::vector<ContentRule>& rules() const { return rules_; }
  // Whether the one-pass database was loaded from the build's rather than
  // compiled (see UsePrebuiltRulesDatabase); a lazy scanner's, once a
  // Scratch has been made.
  bool prebuilt() const;

  // Appends every confirmed match in `text` to `out`, ordered by position.
  void Find(std::string_view text, Scratch& scratch, std::vector<ContentMatch>* out) const;

  // A rule that may match on a line of a block.
  struct LineHit {
    std::uint32_t line;  // index of the line in the block
    std::uint32_t rule;  // index into rules()
    bool operator==(const LineHit& o) const { return line == o.line && rule == o.rule; }
  };
  // Scans a block of lines in one pass, which is much cheaper than a pass
  // per line. `newlines` are the offsets of the block's '\n's; line i ends at
  // newlines[i] (the last line at the block's end when it has none). Sets
  // `hits` to the rules that may match each line, ordered by line and
  // without repeats: a superset, which Confirm() narrows to real matches.
  // Returns false, leaving `hits` empty, when a rule is anchored to the
  // start or end of the text (\A, \z, \Z), whose meaning a block changes:
  // such lines have to go through Find() one by one.
  bool ScanBlock(std::string_view block, const std::vector<std::size_t>& newlines, Scratch& scratch,
                 std::vector<LineHit>* hits) const;
  // Appends the confirmed matches in `text` of the rules `candidates` (from
  // ScanBlock or Find's own pass) to `out`, ordered by position.
  void Confirm(std::string_view text, const std::vector<std::uint32_t>& candidates,
               std::vector<ContentMatch>* out) const;

  // A bounded one-line excerpt of `text` around [focus_begin, focus_end) with
  // every match masked: safe to print.
  static std::string MaskedExcerpt(std::string_view text, const std::vector<ContentMatch>& matches,
                                   std::size_t focus_begin, std::size_t max_chars = 100);

 private:
  struct Impl;
  explicit ContentScanner(std::vector<ContentRule> rules);
  std::vector<ContentRule> rules_;
  std::unique_ptr<Impl> impl_;
};

// The built-in secret and PII rules' one-pass (Hyperscan) database, compiled
// when Probity is built so that a run loads it rather than compiles it (some
// 10 ms of every lint-logs): the bytes hs_serialize_database wrote, and the
// fingerprint of what it was compiled from (the patterns, their flags and
// ids, Hyperscan's version).
struct PrebuiltRules {
  std::string bytes;
  std::uint64_t fingerprint = 0;
};
StatusOr<PrebuiltRules> SerializeBuiltinRules();
// Makes every scanner whose rules have `fingerprint` load `bytes` instead of
// compiling, when they run on this CPU (else it compiles as before). Called
// before the first scanner is made; `bytes` must outlive the scanners.
void UsePrebuiltRulesDatabase(std::string_view bytes, std::uint64_t fingerprint);

// A secret rule given as NAME=REGEX (`lint-logs --rule`), its pattern checked.
StatusOr<ContentRule> ParseRuleFlag(const std::string& spec);

}  // namespace probity

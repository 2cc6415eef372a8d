#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace probity {

// A piece of text that must not be shown to anonymous callers.
struct SensitiveFinding {
  std::string rule;    // e.g. "aws-access-key", "java-stack-trace"
  std::string kind;    // "secret" or "stack trace"
  std::string masked;  // safe to print: a masked secret or a short excerpt
  int line = 0;        // 1-based line in the text
};

// Scans text for secrets (cloud keys, private-key blocks, JWTs, provider
// tokens, Authorization values, credentials in URLs, password-like
// assignments) and stack traces. Linear time in the size of the text (RE2);
// at most `max_findings` are returned. Thread-safe.
std::vector<SensitiveFinding> FindSensitiveContent(std::string_view text, std::size_t max_findings = 20);

// Returns `text` with every secret the rules above find replaced by its
// masked form, so that an excerpt of untrusted text can be shown safely.
std::string RedactSecrets(std::string_view text);

}  // namespace probity

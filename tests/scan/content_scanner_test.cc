#include <catch2/catch.hpp>

#include <algorithm>
#include <thread>

#include "scan/content_scanner.h"
#include "scan/prebuilt_rules.h"

using namespace probity;

namespace {

bool Finds(const std::string& text, const std::string& rule) {
  for (const auto& f : FindSensitiveContent(text)) {
    if (f.rule == rule) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("Secrets in health bodies are found and masked", "[scan]") {
  const std::string key = "AKIAIOSFODNN7EXAMPLE";
  auto findings = FindSensitiveContent("{\"aws\":\"" + key + "\"}");
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].rule == "aws-access-key");
  CHECK(findings[0].masked == "AKIA****");
  CHECK(Finds("-----BEGIN RSA PRIVATE KEY-----\nMIIE", "private-key"));
  CHECK(Finds("token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U", "jwt"));
  CHECK(Finds("ghp_" + std::string(36, 'a'), "github-token"));
  CHECK(Finds("Authorization: Bearer abcdefghijklmnopqrstuvwxyz", "authorization-value"));
  CHECK(Finds("postgres://orders:s3cret@db.internal:5432/x", "url-credentials"));
  CHECK(Finds(R"({"password":"hunter22"})", "password-assignment"));
  CHECK(Finds("sk_live_" + std::string(24, '1'), "stripe-key"));
}

TEST_CASE("Placeholders and masked values are not secrets", "[scan]") {
  CHECK_FALSE(Finds(R"({"password":"******"})", "password-assignment"));
  CHECK_FALSE(Finds(R"({"password":"${DB_PASSWORD}"})", "password-assignment"));
  CHECK(FindSensitiveContent(R"({"status":"pass","checks":{"db":[{"status":"pass"}]}})").empty());
  // Redaction placeholders, as real programs log them.
  CHECK_FALSE(Finds("Error opening connection to database (postgresql://probe:PASSWORD_REMOVED@127.0.0.1:1/db)",
                    "url-credentials"));
  CHECK_FALSE(Finds(R"(password=[FILTERED])", "password-assignment"));
  CHECK_FALSE(Finds(R"({"password":"REDACTED"})", "password-assignment"));
  CHECK_FALSE(Finds(R"({"api_key":"<redacted>"})", "password-assignment"));
  CHECK_FALSE(Finds("redis://:xxxxxx@cache:6379", "url-credentials"));
  CHECK_FALSE(Finds("https://user:****@host/x", "url-credentials"));
  // … and near misses that are real secrets.
  CHECK(Finds("postgresql://probe:hunter22@127.0.0.1:1/db", "url-credentials"));
  CHECK(Finds(R"({"password":"removal-s3cret"})", "password-assignment"));
  CHECK(Finds(R"({"password":"$ecretPassw0rd"})", "password-assignment"));
}

TEST_CASE("Stack traces of common runtimes are found", "[scan]") {
  CHECK(Finds("\tat com.example.Foo.bar(Foo.java:42)", "java-stack-trace"));
  CHECK(Finds("Traceback (most recent call last):\n  File \"x.py\"", "python-traceback"));
  CHECK(Finds("goroutine 1 [running]:\nmain.main()", "go-panic"));
  CHECK(Finds("    at Object.<anonymous> (/app/index.js:10:5)", "node-stack-trace"));
  CHECK(Finds("java.lang.NullPointerException: x", "exception-class"));
}

TEST_CASE("Hostile input is scanned in linear time without crashing", "[scan]") {
  std::string parens(100000, '(');
  CHECK_NOTHROW(FindSensitiveContent(parens));
  std::string junk(1 << 20, '\xff');
  CHECK_NOTHROW(FindSensitiveContent(junk));
  std::string near_misses;
  for (int i = 0; i < 20000; ++i) near_misses += "password= AKIA at x(";
  CHECK_NOTHROW(FindSensitiveContent(near_misses));
}

TEST_CASE("RedactSecrets masks every secret and leaves the rest", "[scan]") {
  const std::string text = "key AKIAIOSFODNN7EXAMPLE and password=hunter22 and AKIAIOSFODNN7EXAMPLF, status ok";
  const std::string redacted = RedactSecrets(text);
  CHECK(redacted.find("IOSFODNN7EXAMPLE") == std::string::npos);
  CHECK(redacted.find("IOSFODNN7EXAMPLF") == std::string::npos);
  CHECK(redacted.find("hunter22") == std::string::npos);
  CHECK(redacted.find("status ok") != std::string::npos);
  CHECK(RedactSecrets("nothing to hide") == "nothing to hide");
}

TEST_CASE("The built-in rules compile, so the built-in scanner may compile on its first scan", "[scan]") {
  std::vector<ContentRule> builtin;
  for (const ContentRule& r : BuiltinContentRules()) {
    if (r.kind == "secret" || r.kind == "pii") builtin.push_back(r);
  }
  auto eager = ContentScanner::Compile(builtin);
  INFO((eager.ok() ? std::string() : eager.status().message()));
  REQUIRE(eager.ok());
  // The lazy one finds what the eager one finds, from several threads at once.
  auto lazy = ContentScanner::Compile(builtin, true);
  REQUIRE(lazy.ok());
  const std::string text = "token AKIAIOSFODNN7EXAMPLE mail jane.doe@example.org";
  std::vector<ContentMatch> expected;
  {
    ContentScanner::Scratch scratch(**eager);
    (*eager)->Find(text, scratch, &expected);
  }
  REQUIRE(expected.size() >= 2);
  std::vector<std::vector<ContentMatch>> found(4);
  std::vector<std::thread> threads;
  for (auto& out : found) {
    threads.emplace_back([&lazy, &text, &out] {
      ContentScanner::Scratch scratch(**lazy);
      (*lazy)->Find(text, scratch, &out);
    });
  }
  for (std::thread& t : threads) t.join();
  for (const auto& out : found) {
    REQUIRE(out.size() == expected.size());
    for (std::size_t i = 0; i < out.size(); ++i) CHECK(out[i].rule == expected[i].rule);
  }
}

namespace {

// Every match of a fresh scanner of the built-in secret and PII rules (plus
// `extra`) in `text`, as "rule begin end" lines; whether its database was the
// build's in `prebuilt`.
std::string Matches(const std::string& text, bool* prebuilt, const std::vector<ContentRule>& extra = {}) {
  std::vector<ContentRule> rules;
  for (const ContentRule& r : BuiltinContentRules()) {
    if (r.kind == "secret" || r.kind == "pii") rules.push_back(r);
  }
  rules.insert(rules.end(), extra.begin(), extra.end());
  StatusOr<std::shared_ptr<const ContentScanner>> scanner = ContentScanner::Compile(rules);
  REQUIRE(scanner.ok());
  *prebuilt = (*scanner)->prebuilt();
  ContentScanner::Scratch scratch(**scanner);
  std::vector<ContentMatch> matches;
  (*scanner)->Find(text, scratch, &matches);
  std::string out;
  for (const ContentMatch& m : matches) {
    out += std::to_string(m.rule) + " " + std::to_string(m.begin) + " " + std::to_string(m.end) + "\n";
  }
  return out;
}

}  // namespace

TEST_CASE("The built-in rules' database that the build compiled is loaded, and finds what a compiled one finds", "[scan]") {
  const std::string text =
      "key AKIAIOSFODNN7EXAMPLE and -----BEGIN RSA PRIVATE KEY----- then "
      "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U ghp_" +
      std::string(36, 'a') + " xoxb-1234567890-abcdef sk_live_" + std::string(24, '1') + " AIza" + std::string(35, 'b') +
      " Authorization: Bearer abcdefghijklmnopqrstuvwxyz postgres://orders:s3cret@db.internal:5432/x "
      R"({"password":"hunter22"} card 4111 1111 1111 1111 mail jane.doe@example.org)";
  bool prebuilt = true;
  UsePrebuiltRulesDatabase({}, 0);
  const std::string compiled = Matches(text, &prebuilt);
  CHECK_FALSE(prebuilt);
  REQUIRE(std::count(compiled.begin(), compiled.end(), '\n') >= 12);

  UsePrebuiltRules();
  CHECK(Matches(text, &prebuilt) == compiled);
  CHECK(prebuilt);  // the build's database fits today's rules
  // Other rules, another fingerprint: compiled.
  const std::string with_extra = Matches(text, &prebuilt, {{"internal-token", "secret", R"(\b(itk_[a-z0-9]{8,}))"}});
  CHECK_FALSE(prebuilt);
  CHECK(with_extra == compiled);

  // A database that does not load (damaged, or for another CPU) is compiled instead.
  StatusOr<PrebuiltRules> serialized = SerializeBuiltinRules();
  REQUIRE(serialized.ok());
  const std::string damaged = serialized->bytes.substr(0, serialized->bytes.size() / 2);
  UsePrebuiltRulesDatabase(damaged, serialized->fingerprint);
  CHECK(Matches(text, &prebuilt) == compiled);
  CHECK_FALSE(prebuilt);
  UsePrebuiltRulesDatabase(serialized->bytes, serialized->fingerprint);
  CHECK(Matches(text, &prebuilt) == compiled);
  CHECK(prebuilt);
  UsePrebuiltRules();
}

TEST_CASE("A rule that Hyperscan rejects is named in the error, after the card-number rule too", "[scan]") {
  // RE2 takes a pattern that matches nothing at all; Hyperscan does not.
  StatusOr<std::shared_ptr<const ContentScanner>> scanner = ContentScanner::WithBuiltins({{"mine", "secret", "(x*)"}});
  REQUIRE_FALSE(scanner.ok());
  CHECK(scanner.status().message().rfind("rule \"mine\": ", 0) == 0);
}

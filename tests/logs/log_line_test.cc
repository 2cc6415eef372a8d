#include <catch2/catch.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <set>
#include <thread>

#include "logs/log_analysis.h"
#include "logs/log_line.h"
#include "logs/log_stream.h"

using namespace probity;

namespace {

LineFields Parse(const std::string& line) {
  LineParser parser;
  return parser.Parse(line, line.size());
}

LogStats Analyze(const std::vector<std::string>& lines) {
  LogAnalyzer analyzer(*ContentScanner::WithBuiltins({}));
  std::size_t n = 0;
  for (const std::string& l : lines) analyzer.Add(l, ++n, l.size());
  analyzer.Finish();
  return analyzer.stats();
}

// How many card numbers the built-in rules find in `text`.
std::size_t Cards(const std::string& text) {
  static const std::shared_ptr<const ContentScanner> scanner = *ContentScanner::WithBuiltins({});
  ContentScanner::Scratch scratch(*scanner);
  std::vector<ContentMatch> found;
  scanner->Find(text, scratch, &found);
  std::size_t n = 0;
  for (const ContentMatch& m : found) n += scanner->rules()[static_cast<std::size_t>(m.rule)].name == "card-number";
  return n;
}

}  // namespace

TEST_CASE("Timestamps: RFC 3339 with a zone, or epoch s/ms/µs/ns", "[logs]") {
  const double t = 1714557600.0;  // 2024-05-01T10:00:00Z
  CHECK(*ParseLogTimestamp("2024-05-01T10:00:00Z") == Approx(t));
  CHECK(*ParseLogTimestamp("2024-05-01T10:00:00.250Z") == Approx(t + 0.25));
  CHECK(*ParseLogTimestamp("2024-05-01T12:00:00+02:00") == Approx(t));
  // ISO 8601's basic offsets: zap's ISO8601 encoder on a machine not on UTC.
  CHECK(*ParseLogTimestamp("2024-05-01T11:00:00.123+0100") == Approx(t + 0.123));
  CHECK(*ParseLogTimestamp("2024-05-01T05:30:00-0430") == Approx(t));
  CHECK(*ParseLogTimestamp("2024-05-01T12:00:00+02") == Approx(t));
  CHECK_FALSE(ParseLogTimestamp("2024-05-01T12:00:00+2"));
  CHECK_FALSE(ParseLogTimestamp("2024-05-01T12:00:00+02:0"));
  CHECK_FALSE(ParseLogTimestamp("2024-05-01T12:00:00+0260"));
  CHECK(*ParseLogTimestamp("2024-05-01 10:00:00z") == Approx(t));
  CHECK(*ParseLogTimestamp("1714557600") == Approx(t));
  CHECK(*ParseLogTimestamp("1714557600123") == Approx(t + 0.123));
  CHECK(*EpochFromNumber(1714557600123456.0) == Approx(t + 0.123456));
  CHECK(*EpochFromNumber(1714557600123456789.0) == Approx(t + 0.123456789));
  CHECK_FALSE(ParseLogTimestamp("2024-05-01T10:00:00"));  // no zone
  CHECK_FALSE(ParseLogTimestamp("2024-13-01T10:00:00Z"));
  CHECK_FALSE(ParseLogTimestamp("yesterday"));
  CHECK_FALSE(ParseLogTimestamp("01/May/2024:10:00:00 +0000"));
  CHECK_FALSE(EpochFromNumber(-5));
}

TEST_CASE("Levels map to TRACE…FATAL in their common spellings", "[logs]") {
  CHECK(ParseSeverity6("INFO") == Severity6::kInfo);
  CHECK(ParseSeverity6("Warning") == Severity6::kWarn);
  CHECK(ParseSeverity6("err") == Severity6::kError);
  CHECK(ParseSeverity6("CRITICAL") == Severity6::kFatal);
  CHECK(ParseSeverity6("INFO2") == Severity6::kInfo);
  CHECK(ParseSeverity6("loud") == Severity6::kUnknown);
  CHECK(Parse(R"({"level":50})").severity == Severity6::kError);  // pino
  CHECK(Parse(R"({"level":55})").level == FieldState::kInvalid);
}

TEST_CASE("JSON and logfmt lines are read through the field aliases", "[logs]") {
  LineFields f = Parse(R"({"@timestamp":"2024-05-01T10:00:00Z","log":{"level":"warn"},"service":{"name":"orders"},)"
                       R"("trace":{"id":"4bf92f3577b34da6a3ce929d0e0e4736"}})");
  CHECK(f.format == LineFormat::kJson);
  CHECK(f.timestamp == FieldState::kValid);
  CHECK(f.severity == Severity6::kWarn);
  CHECK(f.service);
  CHECK(f.trace_id == FieldState::kValid);
  CHECK(f.TraceId() == "4bf92f3577b34da6a3ce929d0e0e4736");
  CHECK(f.request_scoped);

  // Caddy's access log: request fields nested under "request".
  f = Parse(R"({"level":"info","ts":1714557600.5,"logger":"http.log.access","request":{"method":"GET","uri":"/x",)"
            R"("headers":{"Traceparent":["00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"]}},"status":200})");
  CHECK(f.request_scoped);
  CHECK(f.trace_id == FieldState::kAbsent);  // a logged header is not the line's trace id
  CHECK(f.TraceId().empty());

  f = Parse(R"({"ts":1714557600.5,"log.level":"info","service.name":"x","trace_id":"4BF92F3577B34DA6A3CE929D0E0E4736"})");
  CHECK(f.timestamp == FieldState::kValid);
  CHECK(f.level == FieldState::kValid);
  CHECK(f.trace_id == FieldState::kInvalid);  // uppercase is not W3C

  f = Parse(R"(time=2024-05-01T10:00:00Z level=info service="orders api" msg="a \"quoted\" word" method=GET)");
  CHECK(f.format == LineFormat::kLogfmt);
  CHECK(f.timestamp == FieldState::kValid);
  CHECK(f.service);
  CHECK(f.request_scoped);
  CHECK(f.trace_id == FieldState::kAbsent);

  CHECK(Parse("plain text with a=b inside").format == LineFormat::kText);
  CHECK(Parse(R"(127.0.0.1 - - [01/May/2024:10:00:00 +0000] "GET / HTTP/1.1" 200 612)").format == LineFormat::kText);
  CHECK(Parse(R"({"unterminated": )").format == LineFormat::kText);
  CHECK(Parse(R"(["an","array"])").format == LineFormat::kText);
  CHECK(Parse(R"(msg="unterminated)").format == LineFormat::kText);
}

TEST_CASE("Container-runtime lines are unwrapped, split lines joined", "[logs]") {
  LogStats s = Analyze({
      R"(2024-05-01T10:00:00.123456789Z stdout F {"ts":"2024-05-01T10:00:00Z","level":"info","service.name":"a"})",
      R"(2024-05-01T10:00:01Z stderr P {"ts":"2024-05-01T10:00:01Z",)",
      R"(2024-05-01T10:00:01Z stderr F "level":"error","service.name":"a"})",
      R"({"log":"{\"ts\":1714557602,\"level\":\"info\",\"service.name\":\"a\"}\n","stream":"stdout","time":"2024-05-01T10:00:02Z"})",
      R"({"log":"plain text from docker\n","stream":"stdout","time":"2024-05-01T10:00:03Z"})",
  });
  CHECK(s.lines == 4);
  CHECK(s.unwrapped == 5);
  CHECK(s.structured == 3);
  CHECK(s.errors == 1);
  CHECK(s.unparseable.first_line == 5);
  CHECK(s.newest);
  CHECK(*s.newest == Approx(1714557603.0));  // the runtime's time of the text line
}

TEST_CASE("Secrets and PII are found in one pass, masked, and filtered", "[logs]") {
  const std::string key = "AKIAPROBITYLEAKTEST1";
  LogStats s = Analyze({
      R"({"ts":1714557600,"level":"info","service.name":"a","msg":"key )" + key + R"("})",
      R"({"ts":1714557600,"level":"info","service.name":"a","msg":"card 4111-1111-1111-1111 and 4111-1111-1111-1112"})",
      R"({"ts":1714557600,"level":"info","service.name":"a","password":"******","user":"jane.doe@example.org"})",
      R"({"ts":1714557600123456789,"level":"info","service.name":"a","order":"5105105105105100x"})",
      // Debian's build user in a Go program's start-up line, and a redacted DSN: neither is a finding.
      R"x(ts=2024-05-01T10:00:00.000Z level=info msg="Starting" build_context="(go=go1.19.8, user=team+pkg-go@tracker.debian.org, date=20230814)")x",
      R"x(ts=2024-05-01T10:00:00.000Z level=error msg="Error opening connection" dsn="postgresql://probe:PASSWORD_REMOVED@127.0.0.1:1/db")x",
  });
  REQUIRE(s.secrets.count("aws-access-key") == 1);
  CHECK(s.secrets.at("aws-access-key").first_line == 1);
  CHECK(s.secrets.at("aws-access-key").example.find(key) == std::string::npos);
  CHECK(s.secrets.at("aws-access-key").example.find("AKIA****") != std::string::npos);
  CHECK(s.secrets.count("password-assignment") == 0);  // a placeholder
  REQUIRE(s.pii.count("card-number") == 1);
  CHECK(s.pii.at("card-number").count == 1);  // only the Luhn-valid one
  CHECK(s.pii.at("card-number").example.find("4111-1111-1111-1111") == std::string::npos);
  REQUIRE(s.pii.count("email-address") == 1);
  CHECK(s.pii.at("email-address").example.find("jane.doe@example.org") == std::string::npos);
  CHECK(s.pii_lines == 2);
}

TEST_CASE("Extra rules from the config join the compiled set, and bad ones are refused", "[logs]") {
  auto scanner = ContentScanner::WithBuiltins({{"internal-token", "secret", R"(\b(itk_[a-z0-9]{16})\b)"}});
  REQUIRE(scanner.ok());
  LogAnalyzer analyzer(*scanner);
  const std::string line = R"({"msg":"token itk_0123456789abcdef"})";
  analyzer.Add(line, 1, line.size());
  CHECK(analyzer.stats().secrets.count("internal-token") == 1);
  CHECK_FALSE(ContentScanner::CheckPattern("(unclosed").ok());
  CHECK_FALSE(ContentScanner::CheckPattern(R"((a)\1)").ok());  // no back-references
}

TEST_CASE("Hostile lines: 10 MB on one line, invalid UTF-8, 100 000 '('", "[logs]") {
  std::vector<std::string> lines;
  lines.push_back(R"({"msg":")" + std::string(10 << 20, 'a') + R"( AKIAPROBITYLEAKTEST1"})");
  lines.push_back(std::string("{\"msg\":\"\xff\xfe\xc3\x28\"}"));
  lines.push_back(std::string("\xff\xfe\xfd bad bytes \xc3\x28 password=\xff\xff\xff\xff"));
  lines.push_back(std::string(100000, '('));
  lines.push_back(std::string(100000, '{'));
  LogStats s;
  REQUIRE_NOTHROW(s = Analyze(lines));
  CHECK(s.lines == 5);
  CHECK(s.secrets.count("aws-access-key") == 1);
  CHECK(s.structured == 1);  // the 10 MB line; the others are not JSON (bad UTF-8, depth)
  for (const auto& [rule, tally] : s.secrets) CHECK(tally.example.size() < 1000);
  CHECK(s.unparseable.example.size() < 1000);
}

namespace {

// Everything the analyzer reports, to compare two ways of feeding it.
struct Seen {
  std::vector<std::string> findings;
  LogStats stats;
};

// Feeds the lines one at a time, or as one block, and keeps all the
// analyzer reports.
Seen Feed(const std::shared_ptr<const ContentScanner>& scanner, const std::vector<std::string>& lines, bool as_block) {
  Seen seen;
  LogAnalyzer analyzer(scanner, [&](const LogFinding& f) {
    seen.findings.push_back(std::to_string(f.line) + " " + f.rule + " " + f.excerpt);
  }, 100);
  if (as_block) {
    std::string block;
    for (const std::string& l : lines) block += l + "\n";
    block.pop_back();  // the last line without its newline
    CHECK(analyzer.AddBlock(block, 1, block.size()) == lines.size());
  } else {
    std::size_t n = 0;
    for (const std::string& l : lines) analyzer.Add(l, ++n, l.size());
  }
  analyzer.Finish();
  seen.stats = analyzer.stats();
  return seen;
}

}  // namespace

TEST_CASE("A block scanned in one pass finds exactly what a scan of each line finds", "[logs]") {
  const std::vector<std::string> lines = {
      R"({"ts":1714557600,"level":"info","service.name":"a","msg":"key AKIAPROBITYLEAKTEST1"})",
      R"({"ts":1714557600,"level":"info","service.name":"a","msg":"card 4111-1111-1111-1111 and 4111-1111-1111-1112"})",
      "audit-1234",                                          // the anchored rule, on a line of its own
      "audit-2345\r",                                        // … before a CR
      "2024-05-01T10:00:00.123Z stdout F audit-3456",       // … in a container line's message
      "x audit-4567",                                        // not at the line's start
      "audit-5678 x",                                        // not at its end
      "",
      R"(level=warn msg="Authorization: Bearer prbtyBenchToken0123456789abcdef" password=******)",
      std::string(2000, 'a') + "@" + std::string(2000, 'b') + ".cc jane.doe@example.org",
      R"({"password":"hunter2hunter2","user":"a@b.example","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"})",
      "the last line has no newline: ghp_0123456789abcdefghij0123456789abcdef",
  };
  auto scanner = ContentScanner::WithBuiltins({{"audit-id", "secret", R"(^(audit-[0-9]{4})$)"}});
  REQUIRE(scanner.ok());
  const Seen by_line = Feed(*scanner, lines, false);
  const Seen by_block = Feed(*scanner, lines, true);
  CHECK(by_block.findings == by_line.findings);
  CHECK(by_block.stats.lines == by_line.stats.lines);
  CHECK(by_block.stats.SecretCount() == by_line.stats.SecretCount());
  CHECK(by_block.stats.PiiCount() == by_line.stats.PiiCount());
  CHECK(by_block.stats.structured == by_line.stats.structured);
  // The anchored rule matched the three lines where it stands alone.
  REQUIRE(by_block.stats.secrets.count("audit-id") == 1);
  CHECK(by_block.stats.secrets.at("audit-id").count == 3);
  CHECK(by_block.stats.secrets.at("github-token").first_line == lines.size());

  // A rule anchored to the whole text (\A) makes the block fall back to a
  // scan per line, with the same results.
  auto text_anchored = ContentScanner::WithBuiltins({{"audit-id", "secret", R"(\A(audit-[0-9]{4}))"}});
  REQUIRE(text_anchored.ok());
  const std::vector<std::string> block_lines = {"audit-1111", "audit-2222", "x audit-3333"};
  std::string block = "audit-1111\naudit-2222\nx audit-3333\n";
  ContentScanner::Scratch scratch(**text_anchored);
  std::vector<ContentScanner::LineHit> line_hits;
  CHECK_FALSE((*text_anchored)->ScanBlock(block, {10, 21, 34}, scratch, &line_hits));
  CHECK(Feed(*text_anchored, block_lines, true).stats.secrets.at("audit-id").count == 2);
}

TEST_CASE("Every built-in secret and PII rule gets past its prefilter, alone and in a block", "[logs]") {
  const std::vector<std::pair<std::string, std::string>> samples = {
      {"aws-access-key", "key=AKIAPROBITYLEAKTEST1 end"},
      {"private-key", "-----BEGIN RSA PRIVATE KEY-----"},
      {"jwt", "token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"},
      {"github-token", "ghp_0123456789abcdefghij0123456789abcdef"},
      {"slack-token", "xoxb-1234567890-abcdefghij"},
      {"stripe-key", "sk_live_0123456789abcdefghij"},
      {"google-api-key", "AIzaSyA0123456789abcdefghij0123456789ab"},
      {"authorization-value", "Authorization: Bearer abcdefghijklmnop1234"},
      {"url-credentials", "dsn postgres://app:s3cr3tpass@db:5432/orders"},
      {"password-assignment", R"({"Password": "hunter2hunter2"})"},
      {"card-number", "paid with 4111 1111 1111 1111."},
      {"email-address", "mail jane.doe@example.org now"},
  };
  std::shared_ptr<const ContentScanner> scanner = *ContentScanner::WithBuiltins({});
  ContentScanner::Scratch scratch(*scanner);
  auto rule_name = [&](const ContentMatch& m) { return scanner->rules()[static_cast<std::size_t>(m.rule)].name; };
  std::string block;
  std::vector<std::size_t> newlines;
  for (const auto& [rule, line] : samples) {
    INFO(rule << ": " << line);
    std::vector<ContentMatch> found;
    scanner->Find(line, scratch, &found);
    REQUIRE(found.size() == 1);
    CHECK(rule_name(found[0]) == rule);
    block += line;
    newlines.push_back(block.size());
    block += '\n';
  }
  std::vector<ContentScanner::LineHit> hits;
  REQUIRE(scanner->ScanBlock(block, newlines, scratch, &hits));
  for (std::size_t i = 0; i < samples.size(); ++i) {
    INFO(samples[i].first);
    std::vector<std::uint32_t> candidates;
    for (const auto& h : hits) {
      if (h.line == i) candidates.push_back(h.rule);
    }
    std::vector<ContentMatch> confirmed;
    scanner->Confirm(samples[i].second, candidates, &confirmed);
    REQUIRE(confirmed.size() == 1);
    CHECK(rule_name(confirmed[0]) == samples[i].first);
  }
}

TEST_CASE("Card numbers are found at every offset of the 64-byte scan, and only at a word boundary", "[logs]") {
  for (std::size_t offset = 0; offset < 140; ++offset) {
    INFO("offset " << offset);
    const std::string pad(offset, 'x');
    CHECK(Cards(pad + " 4111 1111 1111 1111 " + pad) == 1);
    CHECK(Cards(pad + "=4111-1111-1111-1111") == 1);
    CHECK(Cards(pad + " 378282246310005") == 1);            // 15 digits, no separators
    CHECK(Cards(pad + "x0 4111 1111 1111 1111") == 1);      // inside a longer run
    CHECK(Cards(pad + "4111111111111111" + pad) == (offset == 0 ? 1u : 0u));  // after a word character
    CHECK(Cards(pad + " 4111 1111 111") == 0);              // 11 digits
    CHECK(Cards(pad + " 4111  1111  1111  1111") == 0);     // double spaces
  }
}

TEST_CASE("A stream is read in blocks, and a line over the limit is cut once and the next line counts on", "[logs]") {
  std::FILE* file = std::tmpfile();
  REQUIRE(file != nullptr);
  const std::string first = R"({"ts":1714557600,"level":"info","service.name":"a","msg":"first"})";
  const std::string third = R"({"ts":1714557600,"level":"info","service.name":"a","msg":"key AKIAPROBITYLEAKTEST1"})";
  const std::string last = "plain text at the end, without a newline";
  std::fputs((first + "\n").c_str(), file);
  const std::string chunk(1 << 20, 'a');
  for (std::size_t written = 0; written < kMaxLogLineBytes + (3 << 20); written += chunk.size()) {
    std::fwrite(chunk.data(), 1, chunk.size(), file);
  }
  std::fputs(("\n" + third + "\n" + last).c_str(), file);
  std::fflush(file);
  std::rewind(file);

  LogAnalyzer analyzer(*ContentScanner::WithBuiltins({}));
  StatusOr<StreamSummary> summary = AnalyzeStream(fileno(file), &analyzer);
  std::fclose(file);
  REQUIRE(summary.ok());
  CHECK(summary->raw_lines == 4);
  CHECK(summary->cut_lines == 1);
  CHECK(summary->first_cut_line == 2);
  const LogStats& s = analyzer.stats();
  CHECK(s.lines == 4);
  CHECK(s.structured == 2);
  REQUIRE(s.secrets.count("aws-access-key") == 1);
  CHECK(s.secrets.at("aws-access-key").first_line == 3);
  CHECK(s.unparseable.count == 2);  // the cut line and the last one
  CHECK(s.unparseable.first_line == 2);
}

TEST_CASE("Every field alias of CHECKS.md is recognised, and near misses are not", "[logs]") {
  for (const char* key : {"timestamp", "@timestamp", "time", "ts"}) {
    INFO(key);
    CHECK(Parse(std::string(R"({")") + key + R"(":"2024-05-01T10:00:00Z"})").timestamp == FieldState::kValid);
  }
  for (const char* key : {"level", "log.level", "severity", "SeverityText", "lvl"}) {
    INFO(key);
    CHECK(Parse(std::string(R"({")") + key + R"(":"info"})").level == FieldState::kValid);
  }
  for (const char* key : {"service.name", "service"}) {
    INFO(key);
    CHECK(Parse(std::string(R"({")") + key + R"(":"orders"})").service);
  }
  for (const char* key : {"trace_id", "trace.id", "traceId", "TraceId"}) {
    INFO(key);
    CHECK(Parse(std::string(R"({")") + key + R"(":"4bf92f3577b34da6a3ce929d0e0e4736"})").trace_id == FieldState::kValid);
  }
  for (const char* key : {"request_id", "request.id", "http.request.id", "req_id", "method", "http.method",
                          "http.request.method", "request_method", "http.route", "http.target", "url.path",
                          "request.method", "request.uri", "req.method", "req.url"}) {
    INFO(key);
    CHECK(Parse(std::string(R"({")") + key + R"(":"x"})").request_scoped);
  }
  for (const char* key : {"Timestamp", "tS", "levels", "Service", "trace-id", "url.paths", "http.request.methods"}) {
    INFO(key);
    const LineFields f = Parse(std::string(R"({")") + key + R"(":"x"})");
    CHECK(f.timestamp == FieldState::kAbsent);
    CHECK(f.level == FieldState::kAbsent);
    CHECK_FALSE(f.service);
    CHECK_FALSE(f.request_scoped);
  }
}

namespace {

struct Run {
  LogStats stats;
  StreamSummary summary;
  std::vector<std::string> findings;
};

// What one analyzer streaming `text` finds.
Run Streamed(const std::string& text, std::size_t max_findings) {
  std::FILE* file = std::tmpfile();
  std::fwrite(text.data(), 1, text.size(), file);
  std::fflush(file);
  std::rewind(file);
  Run run;
  LogAnalyzer analyzer(
      *ContentScanner::WithBuiltins({}),
      [&run](const LogFinding& f) { run.findings.push_back(std::to_string(f.line) + " " + f.rule + " " + f.excerpt); },
      max_findings);
  StatusOr<StreamSummary> summary = AnalyzeStream(fileno(file), &analyzer);
  std::fclose(file);
  REQUIRE(summary.ok());
  run.summary = *summary;
  run.stats = analyzer.stats();
  return run;
}

std::string Describe(const Tally& t) {
  return std::to_string(t.count) + "@" + std::to_string(t.first_line) + " " + t.example;
}

// Every figure lint-logs prints or the logs checks read, as one string.
std::string Describe(const Run& r) {
  const LogStats& s = r.stats;
  std::string out = std::to_string(s.lines) + " " + std::to_string(s.structured) + " " + std::to_string(s.json) +
                    " " + std::to_string(s.logfmt) + " " + std::to_string(s.unwrapped) + " " +
                    std::to_string(s.request_scoped) + " " + std::to_string(s.errors) + " " +
                    std::to_string(s.secret_lines) + " " + std::to_string(s.pii_lines) + " " +
                    (s.newest ? std::to_string(*s.newest) : "-") + "\n";
  for (const Tally* t : {&s.unparseable, &s.timestamp_missing, &s.timestamp_invalid, &s.level_missing,
                         &s.level_invalid, &s.service_missing, &s.trace_id_missing, &s.trace_id_invalid}) {
    out += Describe(*t) + "\n";
  }
  for (const auto& [rule, t] : s.secrets) out += "secret " + rule + " " + Describe(t) + "\n";
  for (const auto& [rule, t] : s.pii) out += "pii " + rule + " " + Describe(t) + "\n";
  out += "raw " + std::to_string(r.summary.raw_lines) + " bytes " + std::to_string(r.summary.bytes) + " cut " +
         std::to_string(r.summary.cut_lines) + "@" + std::to_string(r.summary.first_cut_line) + "\n";
  for (const std::string& f : r.findings) out += f + "\n";
  return out;
}

}  // namespace

TEST_CASE("A file analysed on several threads gives what one streaming analyzer gives", "[logs]") {
  // Lines of every kind, container lines split by their runtime among them,
  // secrets early and late, an over-long line, and no newline at the end.
  std::string text;
  for (int i = 0; i < 6000; ++i) {
    const std::string n = std::to_string(i);
    switch (i % 9) {
      case 0: text += R"({"ts":)" + std::to_string(1714557600 + i) + R"(,"level":"info","service.name":"a","msg":"m)" + n + "\"}\n"; break;
      case 1: text += "level=warn ts=2024-05-01T10:00:00Z msg=\"logfmt " + n + "\" trace_id=abc\n"; break;
      case 2: text += "2024-05-01T10:00:00.000Z stdout P {\"level\":\"info\",\"msg\":\"part " + n + "\n"; break;
      case 3: text += "2024-05-01T10:00:01.000Z stdout F  of a split line\"}\n"; break;
      case 4: text += "plain text line " + n + " with password=hunter2" + n + "\n"; break;
      case 5: text += R"({"time":"2024-05-01T10:00:02Z","severity":"ERROR","msg":"key AKIAPROBITYLEAKTEST1"})" "\n"; break;
      case 6: text += "\n"; break;
      case 7: text += R"({"log":"{\"level\":\"debug\",\"msg\":\"docker )" + n + R"(\"}\n","stream":"stdout","time":"2024-05-01T10:00:00Z"})" "\n"; break;
      default: text += R"({"level":"info","msg":"mail jane.doe@example.org, card 4111 1111 1111 1111"})" "\n";
    }
    // Longer than a block of a file's part, and where a cut would fall on 2 threads.
    if (i == 4000) text += std::string(300 << 10, 'x') + "\n";
  }
  text += "the end, no newline";

  const Run one = Streamed(text, 3);
  REQUIRE(one.stats.secrets.size() >= 2);
  REQUIRE(one.stats.unwrapped > 0);
  std::FILE* file = std::tmpfile();
  REQUIRE(file != nullptr);
  std::fwrite(text.data(), 1, text.size(), file);
  std::fflush(file);
  for (const int threads : {1, 2, 3, 4}) {
    for (const std::size_t min_part : {std::size_t{1}, std::size_t{4096}, std::size_t{1} << 20}) {
      INFO(threads << " threads, parts of at least " << min_part << " bytes");
      Run many;
      // The threads that read: more than one, where there is more than one part.
      std::set<std::thread::id> readers;
      std::mutex mu;
      const ReadAt read_file = ReadAtFile(fileno(file));
      const ReadAt read_at = [&](char* out, std::size_t size, std::size_t offset) {
        std::lock_guard<std::mutex> lock(mu);
        readers.insert(std::this_thread::get_id());
        return read_file(out, size, offset);
      };
      StatusOr<TextAnalysis> analysis = AnalyzeText(
          text.size(), read_at, *ContentScanner::WithBuiltins({}),
          [&many](const LogFinding& f) { many.findings.push_back(std::to_string(f.line) + " " + f.rule + " " + f.excerpt); },
          3, threads, min_part);
      REQUIRE(analysis.ok());
      many.stats = analysis->stats;
      many.summary = analysis->summary;
      CHECK(Describe(many) == Describe(one));
      CHECK(readers.size() == (min_part <= 4096 ? static_cast<std::size_t>(threads) : 1u));  // one per part
    }
  }
  std::fclose(file);
}

TEST_CASE("A file that fails to read mid-way is an error, whichever part reads it", "[logs]") {
  std::string text;
  for (int i = 0; i < 20000; ++i) text += R"({"ts":1714557600,"level":"info","service.name":"a","msg":"line )" + std::to_string(i) + "\"}\n";
  for (const std::size_t bad : {std::size_t{0}, text.size() / 3, text.size() - 100}) {
    INFO("the read at byte " << bad << " of " << text.size() << " fails");
    // Reads `text`, in at most 64 KiB at a time, but fails on the block that holds byte `bad`.
    const ReadAt read_at = [&](char* out, std::size_t size, std::size_t offset) -> ssize_t {
      size = std::min({size, std::size_t{1} << 16, text.size() - offset});
      if (bad >= offset && bad < offset + size) {
        errno = EIO;
        return -1;
      }
      std::memcpy(out, text.data() + offset, size);
      return static_cast<ssize_t>(size);
    };
    for (const int threads : {1, 2}) {
      StatusOr<TextAnalysis> analysis =
          AnalyzeText(text.size(), read_at, *ContentScanner::WithBuiltins({}), nullptr, 3, threads, 4096);
      REQUIRE_FALSE(analysis.ok());
      CHECK(analysis.status().message() == std::string("read failed: ") + std::strerror(EIO));
    }
  }
}

TEST_CASE("Grouped digits are a card number only in the groups issuers print", "[logs]") {
  CHECK(Cards("card 4111-1111-1111-1111 on file") == 1);
  CHECK(Cards("card 3782 822463 10005 on file") == 1);  // American Express
  CHECK(Cards("card 3056 930902 5904 on file") == 1);   // Diners Club
  // A request id (UUID) whose first three groups are digits passing Luhn:
  // Probity's own log once failed its own logs.pii.none on one.
  CHECK(Cards(R"({"msg":"request served","request_id":"41111111-1111-4107-8aaa-bbbbbbbbbbbb"})") == 0);
  CHECK(Cards("id 4111 111111111111 on file") == 0);
}

TEST_CASE("A 64-bit id printed in decimal is not a card number, the same digits in groups are", "[logs]") {
  // etcd's raft log names its members by such ids; this one passes Luhn.
  CHECK(Cards("switched to configuration voters=(6212345678901234569)") == 0);
  CHECK(Cards("card 6212 3456 7890 1234 569 on file") == 1);
  CHECK(Cards("card 4111111111111111 on file") == 1);  // 16 digits without separators still are
}

#include "logs/log_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>

#include <nlohmann/json.hpp>

#include "core/duration.h"
#include "core/text.h"
#include "http/url.h"

namespace probity {
namespace {

struct TailRead {
  std::string data;
  bool from_start = true;  // data begins at offset 0, so its first line is whole
  bool changed = false;    // truncated or replaced while being read
};

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

StatusOr<TailRead> ReadTailOnce(const std::string& path, std::uint64_t max_bytes, const FileTailHook& hook,
                                int attempt) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  if (fd.get() < 0) return Status::Error("cannot open " + path + ": " + std::strerror(errno));
  struct stat before {};
  if (::fstat(fd.get(), &before) != 0) return Status::Error("cannot stat " + path + ": " + std::strerror(errno));
  if (!S_ISREG(before.st_mode)) return Status::Error(path + " is not a regular file");
  const std::uint64_t size = static_cast<std::uint64_t>(before.st_size);
  const std::uint64_t start = size > max_bytes ? size - max_bytes : 0;
  TailRead read;
  read.from_start = start == 0;
  read.data.resize(size - start);
  std::size_t got = 0;
  constexpr std::size_t kChunk = 64 * 1024;
  bool first = true;
  while (got < read.data.size()) {
    const std::size_t want = std::min(kChunk, read.data.size() - got);
    const ssize_t n = ::pread(fd.get(), read.data.data() + got, want, static_cast<off_t>(start + got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::Error("cannot read " + path + ": " + std::strerror(errno));
    if (n == 0) break;  // the file shrank under us
    got += static_cast<std::size_t>(n);
    if (first && hook) hook(attempt);
    first = false;
  }
  read.changed = got < read.data.size();
  read.data.resize(got);
  struct stat after {}, now {};
  if (::fstat(fd.get(), &after) == 0 && static_cast<std::uint64_t>(after.st_size) < size) read.changed = true;
  if (::stat(path.c_str(), &now) != 0 || now.st_ino != before.st_ino || now.st_dev != before.st_dev) {
    read.changed = true;  // rotated: the path names a new file now
  }
  return read;
}

// The last `max_lines` lines of `data`, "\r\n" or "\n" terminated. The
// first is dropped unless `whole_first` (a read that began mid-line). A last
// line without its newline is kept with `keep_unterminated`; otherwise it is
// dropped and `*unterminated` set.
void SplitLines(std::string_view data, bool whole_first, bool keep_unterminated, std::size_t max_lines,
                std::deque<LogEntry>* out, bool* unterminated) {
  std::size_t pos = 0;
  if (!whole_first) {
    const std::size_t nl = data.find('\n');
    pos = nl == std::string_view::npos ? data.size() : nl + 1;
  }
  while (pos < data.size()) {
    std::size_t nl = data.find('\n', pos);
    if (nl == std::string_view::npos) {
      if (!keep_unterminated) {
        *unterminated = true;
        break;
      }
      nl = data.size();
    }
    std::string_view line = data.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    out->push_back({std::string(line), std::nullopt});
    if (out->size() > max_lines) out->pop_front();
    pos = nl + 1;
  }
}

std::string PercentEncode(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string HttpFailure(const std::string& what, const HttpResponse& r) {
  std::string text = what + " answered HTTP " + std::to_string(r.status);
  if (!r.body.empty()) text += ": " + Excerpt(r.body, 120);
  return text;
}

StatusOr<LogSample> ReadUrl(const LogsConfig& config, HttpClient& http) {
  HttpRequest request;
  request.url = config.url;
  request.headers = {{"Accept", "application/x-ndjson, text/plain;q=0.9, */*;q=0.1"}};
  StatusOr<HttpResponse> r = http.Fetch(request, config.http);
  if (!r.ok()) return Status::Error("GET " + config.url + ": " + r.status().message());
  if (r->status < 200 || r->status > 299) return Status::Error(HttpFailure("GET " + config.url, *r));
  LogSample sample;
  std::string_view body = r->body;
  if (r->body_truncated) {
    sample.notes.push_back("the body was cut at the " + FormatByteSize(config.http.max_body_bytes) +
                           " limit; its last line was left out");
    const std::size_t nl = body.rfind('\n');
    body = nl == std::string_view::npos ? std::string_view() : body.substr(0, nl + 1);
  }
  std::deque<LogEntry> lines;
  bool unterminated = false;
  SplitLines(body, true, true, config.max_lines, &lines, &unterminated);
  sample.entries.assign(std::make_move_iterator(lines.begin()), std::make_move_iterator(lines.end()));
  return sample;
}

StatusOr<LogSample> ReadLoki(const LogsConfig& config, HttpClient& http, const Clock& clock) {
  const auto now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(clock.WallNow().time_since_epoch()).count();
  const auto start_ns = now_ns - config.since.count();
  std::string base = config.url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  HttpRequest request;
  request.url = base + "/loki/api/v1/query_range?query=" + PercentEncode(config.query) +
                "&limit=" + std::to_string(config.max_lines) + "&direction=backward&start=" + std::to_string(start_ns) +
                "&end=" + std::to_string(now_ns);
  if (!config.tenant.empty()) request.headers.emplace_back("X-Scope-OrgID", config.tenant);
  const std::string what = "Loki query_range at " + base;
  StatusOr<HttpResponse> r = http.Fetch(request, config.http);
  if (!r.ok()) return Status::Error(what + ": " + r.status().message());
  if (r->status < 200 || r->status > 299) return Status::Error(HttpFailure(what, *r));
  if (r->body_truncated) return Status::Error(what + ": the answer is larger than the " +
                                              FormatByteSize(config.http.max_body_bytes) + " limit");
  nlohmann::json doc = nlohmann::json::parse(r->body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return Status::Error(what + ": the answer is not JSON");
  if (doc.value("status", "") != "success") {
    return Status::Error(what + ": status \"" + Excerpt(doc.value("status", ""), 40) + "\": " +
                         Excerpt(doc.value("error", ""), 120));
  }
  const nlohmann::json* data = doc.contains("data") ? &doc["data"] : nullptr;
  if (!data || !data->is_object() || data->value("resultType", "") != "streams" || !(*data).contains("result") ||
      !(*data)["result"].is_array()) {
    return Status::Error(what + ": expected data.resultType \"streams\" with a result list (is the query a log "
                                "selector rather than a metric query?)");
  }
  std::vector<std::pair<long long, std::string>> lines;
  for (const auto& stream : (*data)["result"]) {
    if (!stream.is_object() || !stream.contains("values") || !stream["values"].is_array()) {
      return Status::Error(what + ": a stream has no values list");
    }
    for (const auto& value : stream["values"]) {
      if (!value.is_array() || value.size() < 2 || !value[0].is_string() || !value[1].is_string()) {
        return Status::Error(what + ": a value is not [\"<unix ns>\", \"<line>\"]");
      }
      const std::string& ts = value[0].get_ref<const std::string&>();
      if (ts.empty() || ts.size() > 20 || ts.find_first_not_of("0123456789") != std::string::npos) {
        return Status::Error(what + ": timestamp \"" + Excerpt(ts, 30) + "\" is not unix nanoseconds");
      }
      lines.emplace_back(std::stoll(ts), value[1].get<std::string>());
    }
  }
  std::stable_sort(lines.begin(), lines.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  if (lines.size() > config.max_lines) lines.erase(lines.begin(), lines.end() - static_cast<long>(config.max_lines));
  LogSample sample;
  for (auto& [ts, line] : lines) {
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    sample.entries.push_back({std::move(line), static_cast<double>(ts) / 1e9});
  }
  return sample;
}

}  // namespace

StatusOr<LogSample> ReadFileTail(const std::string& path, std::size_t max_lines, std::uint64_t max_bytes,
                                 const FileTailHook& hook) {
  LogSample sample;
  StatusOr<TailRead> read = Status::Error("not read");
  constexpr int kAttempts = 3;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    read = ReadTailOnce(path, max_bytes, hook, attempt);
    if (!read.ok()) return read.status();
    if (!read->changed) break;
    sample.notes.push_back(attempt + 1 < kAttempts ? "the file was rotated or truncated during the read; read again"
                                                   : "the file kept changing during " + std::to_string(kAttempts) +
                                                         " reads; the last read is used");
  }
  std::deque<LogEntry> lines;
  bool partial = false;
  SplitLines(read->data, read->from_start, false, max_lines, &lines, &partial);
  if (partial) sample.notes.push_back("the last line has no newline yet and was left for the next read");
  if (lines.size() < max_lines && read->from_start) {
    // Just rotated: the newest lines before the rotation are in <path>.1.
    const std::string rotated = path + ".1";
    struct stat st {};
    if (::stat(rotated.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
      StatusOr<TailRead> old = ReadTailOnce(rotated, max_bytes, nullptr, 0);
      if (old.ok()) {
        std::deque<LogEntry> older;
        bool old_partial = false;
        SplitLines(old->data, old->from_start, false, max_lines - lines.size(), &older, &old_partial);
        if (!older.empty()) {
          sample.notes.push_back("included " + std::to_string(older.size()) + " lines of the rotated " + rotated);
        }
        lines.insert(lines.begin(), std::make_move_iterator(older.begin()), std::make_move_iterator(older.end()));
      }
    }
  }
  sample.entries.assign(std::make_move_iterator(lines.begin()), std::make_move_iterator(lines.end()));
  return sample;
}

namespace {

class FileTailSource final : public LogSource {
 public:
  explicit FileTailSource(const LogsConfig& config) : config_(config) {}
  StatusOr<LogSample> Read() override { return ReadFileTail(config_.path, config_.max_lines, config_.max_bytes); }
  std::string Describe() const override { return config_.Describe(); }

 private:
  const LogsConfig config_;
};

class UrlSource final : public LogSource {
 public:
  UrlSource(const LogsConfig& config, HttpClient& http) : config_(config), http_(http) {}
  StatusOr<LogSample> Read() override { return ReadUrl(config_, http_); }
  std::string Describe() const override { return config_.Describe(); }

 private:
  const LogsConfig config_;
  HttpClient& http_;
};

class LokiSource final : public LogSource {
 public:
  LokiSource(const LogsConfig& config, HttpClient& http, const Clock& clock)
      : config_(config), http_(http), clock_(clock) {}
  StatusOr<LogSample> Read() override { return ReadLoki(config_, http_, clock_); }
  std::string Describe() const override { return config_.Describe(); }

 private:
  const LogsConfig config_;
  HttpClient& http_;
  const Clock& clock_;
};

}  // namespace

std::unique_ptr<LogSource> OpenLogSource(const LogsConfig& config, HttpClient& http, const Clock& clock) {
  switch (config.kind) {
    case LogsConfig::Kind::kFile: return std::make_unique<FileTailSource>(config);
    case LogsConfig::Kind::kUrl: return std::make_unique<UrlSource>(config, http);
    case LogsConfig::Kind::kLoki: return std::make_unique<LokiSource>(config, http, clock);
    case LogsConfig::Kind::kNone: break;
  }
  return nullptr;
}

}  // namespace probity

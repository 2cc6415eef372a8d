#include "core/logger.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/text.h"

namespace probity {

bool ParseLogLevel(std::string_view text, LogLevel* level) {
  if (text == "debug") *level = LogLevel::kDebug;
  else if (text == "info") *level = LogLevel::kInfo;
  else if (text == "warn") *level = LogLevel::kWarn;
  else if (text == "error") *level = LogLevel::kError;
  else return false;
  return true;
}

bool ParseLogFormat(std::string_view text, LogFormat* format) {
  if (text == "json") *format = LogFormat::kJson;
  else if (text == "logfmt") *format = LogFormat::kLogfmt;
  else return false;
  return true;
}

namespace {

// A logfmt value: bare when it is a plain word, quoted with \" \\ \n \r \t
// escaped otherwise (the envelope's values are valid UTF-8 already).
void AppendLogfmtValue(std::string& out, std::string_view value) {
  const bool bare = !value.empty() && value.find_first_of(" =\"\\") == std::string_view::npos &&
                    std::none_of(value.begin(), value.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; });
  if (bare) {
    out += value;
    return;
  }
  out += '"';
  for (const char c : value) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          static constexpr char kHex[] = "0123456789abcdef";
          out += "\\u00";
          out += kHex[(c >> 4) & 0xf];
          out += kHex[c & 0xf];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

// A logfmt key: the characters logfmt keys may not hold become '_'.
void AppendLogfmtKey(std::string& out, std::string_view key) {
  for (const char c : key) out += (static_cast<unsigned char>(c) <= ' ' || c == '=' || c == '"') ? '_' : c;
}

}  // namespace

Logger::Logger(std::FILE* sink, LogLevel min_level, const Clock& clock)
    : sink_(sink), min_level_(min_level), clock_(clock) {}

Logger::~Logger() {
  if (file_) std::fclose(file_);
}

Status Logger::AlsoWriteTo(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "ae");
  if (file == nullptr) return Status::Error("cannot open log file " + path + ": " + std::strerror(errno));
  std::lock_guard<std::mutex> lock(mu_);
  if (file_) std::fclose(file_);
  file_ = file;
  return Status::Ok();
}

void Logger::set_min_level(LogLevel level) {
  std::lock_guard<std::mutex> lock(mu_);
  min_level_ = level;
}

bool Logger::Enabled(LogLevel level) const { return level >= min_level_; }

void Logger::Log(LogLevel level, std::string_view message, const std::vector<Field>& fields) {
  if (!Enabled(level)) return;
  static constexpr const char* kNames[] = {"debug", "info", "warn", "error"};
  std::string text;
  if (format_ == LogFormat::kLogfmt) {
    const std::pair<std::string_view, std::string> envelope[] = {
        {"timestamp", FormatRfc3339(clock_.WallNow())},
        {"level", kNames[static_cast<int>(level)]},
        {"message", SanitizeUtf8(message)},
        {"service.name", "probity"}};
    for (const auto& [key, value] : envelope) {
      if (!text.empty()) text += ' ';
      text.append(key).append("=");
      AppendLogfmtValue(text, value);
    }
    for (const auto& [key, value] : fields) {
      if (std::any_of(std::begin(envelope), std::end(envelope), [&](const auto& e) { return e.first == key; })) continue;
      text += ' ';
      AppendLogfmtKey(text, key);
      text += '=';
      AppendLogfmtValue(text, SanitizeUtf8(value));
    }
    text += '\n';
    Write(text);
    return;
  }
  nlohmann::ordered_json line;
  line["timestamp"] = FormatRfc3339(clock_.WallNow());
  line["level"] = kNames[static_cast<int>(level)];
  line["message"] = SanitizeUtf8(message);
  line["service.name"] = "probity";
  for (const auto& [key, value] : fields) {
    // The envelope's keys belong to the logger; a context field never replaces them.
    if (line.contains(std::string(key))) continue;
    line[std::string(key)] = SanitizeUtf8(value);
  }
  text = line.dump() + "\n";
  Write(text);
}

void Logger::Write(const std::string& text) {
  std::lock_guard<std::mutex> lock(mu_);
  std::fwrite(text.data(), 1, text.size(), sink_);
  std::fflush(sink_);
  if (file_) {
    std::fwrite(text.data(), 1, text.size(), file_);
    std::fflush(file_);
  }
}

}  // namespace probity

#include "core/logger.h"

#include <nlohmann/json.hpp>

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
  std::string text = line.dump() + "\n";
  std::lock_guard<std::mutex> lock(mu_);
  std::fwrite(text.data(), 1, text.size(), sink_);
  std::fflush(sink_);
  if (file_) {
    std::fwrite(text.data(), 1, text.size(), file_);
    std::fflush(file_);
  }
}

}  // namespace probity

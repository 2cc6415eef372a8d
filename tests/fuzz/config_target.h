#pragma once

// The config-loader fuzz target, shared by tests/fuzz/config_fuzzer.cc and the
// replay of tests/testdata/config/regressions/ (tests/fuzz/replay_test.cc).
// Parses the input as probity.yaml (ParseConfig) and as a --web.config.file
// (ParseWebConfig) through an in-memory FileSystem, so every *_file reference
// resolves to small fixed contents and nothing touches the disk. Checks, besides
// the sanitizers, that no error message echoes a secret read from a file.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "core/file.h"

namespace probity::fuzz {

// A secret file's contents: errors must never contain it.
inline constexpr std::string_view kFuzzSecret = "fuzz-secret-7Qx2";

// Files that exist only in memory: "*missing*" does not exist, "*.pem",
// "*.crt" and "*.key" hold a PEM block, "*big*" is over every cap, anything
// else holds the secret.
class FuzzFileSystem final : public FileSystem {
 public:
  StatusOr<std::string> ReadFile(const std::string& path, std::uint64_t max_bytes) const override {
    if (path.find("missing") != std::string::npos) return Status::Error(path + ": No such file or directory");
    std::string contents;
    auto ends_with = [&path](std::string_view suffix) {
      return path.size() >= suffix.size() && path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    if (path.find("big") != std::string::npos) {
      return Status::Error(path + ": larger than " + std::to_string(max_bytes) + " bytes");
    } else if (ends_with(".pem") || ends_with(".crt") || ends_with(".key")) {
      contents = "-----BEGIN CERTIFICATE-----\nMIIBfuzz\n-----END CERTIFICATE-----\n";
    } else {
      contents = std::string(kFuzzSecret) + "\n";
    }
    if (contents.size() > max_bytes) return Status::Error(path + ": larger than the limit");
    return contents;
  }
};

// A violated contract, or "" when the loader behaved.
inline std::string RunConfigTarget(std::string_view input) {
  const FuzzFileSystem fs;
  const bool names_secret = input.find("7Qx2") != std::string_view::npos;
  std::vector<ConfigError> errors;
  ParseConfig(input, "fuzz/probity.yaml", &errors, fs);
  std::string all = JoinErrors(errors);
  errors.clear();
  ParseWebConfig(input, "fuzz/web.yml", &errors, fs);
  all += JoinErrors(errors);
  if (!names_secret && all.find(kFuzzSecret) != std::string::npos) return "an error echoes a secret file:\n" + all;
  return "";
}

}  // namespace probity::fuzz

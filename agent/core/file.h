#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"

namespace probity {

// Size caps for the files Probity reads whole.
inline constexpr std::uint64_t kMaxConfigFileBytes = 8ULL * 1024 * 1024;
inline constexpr std::uint64_t kMaxSecretFileBytes = 64ULL * 1024;
inline constexpr std::uint64_t kMaxCaFileBytes = 4ULL * 1024 * 1024;

// Reads a whole regular file of at most `max_bytes`. Never blocks and never
// reads without end: the file is opened non-blocking and must be a regular
// file (a FIFO, a device such as /dev/zero, a socket or a directory is an
// error that says which), and a file over the cap is refused without being
// read. Errors name the path.
StatusOr<std::string> ReadRegularFile(const std::string& path, std::uint64_t max_bytes);

// The file-system seam for the files configuration and service-discovery
// code reads whole (the configuration, password and token files, CA and
// certificate files, file_sd lists): tests bring files that exist only in
// memory. Implementations are thread-safe.
class FileSystem {
 public:
  virtual ~FileSystem() = default;
  // As ReadRegularFile: a regular file of at most `max_bytes`, never blocking.
  virtual StatusOr<std::string> ReadFile(const std::string& path, std::uint64_t max_bytes) const = 0;
};

// The machine's own file system (ReadRegularFile).
const FileSystem& RealFileSystem();

}  // namespace probity

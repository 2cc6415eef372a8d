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

}  // namespace probity

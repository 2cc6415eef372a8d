#pragma once

#include <sys/types.h>

#include <cstddef>
#include <functional>
#include <string_view>

#include "core/status.h"

namespace probity {

// Reads up to `size` bytes at `offset` into `out`: how many, 0 at the end of
// the input, or -1 with errno set. A stream may ignore `offset`.
using ReadAt = std::function<ssize_t(char* out, std::size_t size, std::size_t offset)>;
// Reads a file with pread(2): copied in small blocks, which here costs less
// than mapping its pages (see BENCHMARKS.md).
ReadAt ReadAtFile(int fd);

// Reads `size` bytes at `offset`, or up to the end if it comes first: how
// many; a failed read is "read failed: <why>".
StatusOr<std::size_t> ReadFull(const ReadAt& read_at, char* out, std::size_t size, std::size_t offset);

}  // namespace probity

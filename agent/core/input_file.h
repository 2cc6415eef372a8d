#pragma once

#include <sys/types.h>

#include <cstddef>
#include <functional>
#include <string_view>

namespace probity {

// Reads up to `size` bytes at `offset` into `out`: how many, 0 at the end of
// the input, or -1 with errno set. A stream may ignore `offset`.
using ReadAt = std::function<ssize_t(char* out, std::size_t size, std::size_t offset)>;
// Reads a file with pread(2): copied in small blocks, which here costs less
// than mapping its pages (see BENCHMARKS.md).
ReadAt ReadAtFile(int fd);

}  // namespace probity

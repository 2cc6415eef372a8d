#include "core/input_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace probity {

ReadAt ReadAtFile(int fd) {
  return [fd](char* out, std::size_t size, std::size_t offset) { return ::pread(fd, out, size, static_cast<off_t>(offset)); };
}

StatusOr<std::size_t> ReadFull(const ReadAt& read_at, char* out, std::size_t size, std::size_t offset) {
  std::size_t have = 0;
  while (have < size) {
    const ssize_t n = read_at(out + have, size - have, offset + have);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::Error(std::string("read failed: ") + std::strerror(errno));
    if (n == 0) break;
    have += static_cast<std::size_t>(n);
  }
  return have;
}

}  // namespace probity

#include "core/input_file.h"

#include <unistd.h>

namespace probity {

ReadAt ReadAtFile(int fd) {
  return [fd](char* out, std::size_t size, std::size_t offset) { return ::pread(fd, out, size, static_cast<off_t>(offset)); };
}

}  // namespace probity

#include "core/input_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>

namespace probity {

MappedInput::~MappedInput() {
  if (mapped_) munmap(mapped_, size_);
}

bool MappedInput::Open(const std::string& path, std::string* error) {
  const bool from_stdin = path == "-";
  const int fd = from_stdin ? dup(STDIN_FILENO) : open(path.c_str(), O_RDONLY);
  struct stat st {};
  if (fd < 0 || fstat(fd, &st) != 0) {
    if (fd >= 0) close(fd);
    *error = "cannot read " + path;
    return false;
  }
  if (!S_ISREG(st.st_mode)) {
    // A pipe or terminal: read it in large blocks.
    char block[1 << 16];
    for (ssize_t n; (n = read(fd, block, sizeof block)) != 0;) {
      if (n < 0) {
        if (errno == EINTR) continue;
        close(fd);
        *error = "cannot read " + path;
        return false;
      }
      owned_.append(block, static_cast<std::size_t>(n));
    }
    close(fd);
    text_ = owned_;
    return true;
  }
  size_ = static_cast<std::size_t>(st.st_size);
  if (size_ > 0) {
    void* data = mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (data == MAP_FAILED) {
      close(fd);
      *error = "cannot map " + path;
      return false;
    }
    madvise(data, size_, MADV_SEQUENTIAL);
    mapped_ = data;
    text_ = std::string_view(static_cast<const char*>(data), size_);
  }
  close(fd);
  return true;
}

void PrefaultPages(const char* p, std::size_t size) {
#ifdef MADV_POPULATE_READ
  static const std::uintptr_t kPage = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
  const std::uintptr_t from = reinterpret_cast<std::uintptr_t>(p) / kPage * kPage;
  const std::uintptr_t to = reinterpret_cast<std::uintptr_t>(p) + size;
  madvise(reinterpret_cast<void*>(from), to - from, MADV_POPULATE_READ);  // a hint: failure is harmless
#else
  (void)p, (void)size;
#endif
}

void MappedInput::Release(std::size_t offset) {
  if (!mapped_) return;
  const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  const std::size_t end = offset / page * page;
  if (end >= released_ + kReleaseStep) {
    madvise(static_cast<char*>(mapped_) + released_, end - released_, MADV_DONTNEED);
    released_ = end;
  }
}

}  // namespace probity

#include "core/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/duration.h"
#include "core/text.h"

namespace probity {
namespace {

const char* KindOf(mode_t mode) {
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISDIR(mode)) return "a directory";
  return "not a regular file";
}

}  // namespace

StatusOr<std::string> ReadRegularFile(const std::string& path, std::uint64_t max_bytes) {
  const std::string name = "\"" + Excerpt(path, 200) + "\"";
  // O_NONBLOCK: opening a FIFO with no writer would otherwise wait forever.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return Status::Error("cannot open " + name + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int e = errno;
    ::close(fd);
    return Status::Error("cannot stat " + name + ": " + std::strerror(e));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::Error(name + " is " + std::string(KindOf(st.st_mode)) + ", not a regular file");
  }
  if (static_cast<std::uint64_t>(st.st_size) > max_bytes) {
    ::close(fd);
    return Status::Error(name + " is " + FormatByteSize(static_cast<std::uint64_t>(st.st_size)) +
                         ", more than the " + FormatByteSize(max_bytes) + " limit");
  }
  std::string out;
  out.resize(static_cast<std::size_t>(st.st_size));
  std::size_t used = 0;
  // One byte more than the cap tells a file that grew past it while read.
  while (true) {
    if (used == out.size()) {
      if (out.size() > max_bytes) break;
      out.resize(std::min<std::uint64_t>(max_bytes + 1, std::max<std::size_t>(out.size() * 2, 4096)));
    }
    const ssize_t n = ::read(fd, out.data() + used, out.size() - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int e = errno;
      ::close(fd);
      return Status::Error("cannot read " + name + ": " + std::strerror(e));
    }
    if (n == 0) break;
    used += static_cast<std::size_t>(n);
  }
  ::close(fd);
  if (used > max_bytes) {
    return Status::Error(name + " grew past the " + FormatByteSize(max_bytes) + " limit while it was read");
  }
  out.resize(used);
  return out;
}

namespace {

class LocalFileSystem final : public FileSystem {
 public:
  StatusOr<std::string> ReadFile(const std::string& path, std::uint64_t max_bytes) const override {
    return ReadRegularFile(path, max_bytes);
  }
};

}  // namespace

const FileSystem& RealFileSystem() {
  static const LocalFileSystem fs;
  return fs;
}

}  // namespace probity

#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace probity {

// Maps the pages behind [p, p + size) in one call, where the kernel can: a
// mapped file's pages then cost one batch instead of a fault each. A hint:
// nothing changes where it cannot.
void PrefaultPages(const char* p, std::size_t size);

// A whole input's bytes for a linter: a regular file is mapped rather than
// copied; "-" is standard input, and a pipe or terminal is read in large
// blocks. Not copyable.
class MappedInput {
 public:
  MappedInput() = default;
  MappedInput(const MappedInput&) = delete;
  MappedInput& operator=(const MappedInput&) = delete;
  ~MappedInput();

  // Opens `path`; false with `*error` ("cannot read PATH") when it cannot.
  bool Open(const std::string& path, std::string* error);
  std::string_view text() const { return text_; }

  // Drops the mapped pages before `offset` from memory, kReleaseStep at a
  // time: a 1 GB input is read through a small window. They are read back from
  // the file if quoted.
  void Release(std::size_t offset);

 private:
  // Pages are released kReleaseStep bytes at a time: each release costs any
  // other thread of the process a TLB flush. A multiple of any page size.
  static constexpr std::size_t kReleaseStep = std::size_t{4} << 20;

  std::string owned_;
  void* mapped_ = nullptr;
  std::size_t size_ = 0;
  std::size_t released_ = 0;
  std::string_view text_;
};

}  // namespace probity

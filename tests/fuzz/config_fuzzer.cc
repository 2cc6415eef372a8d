// libFuzzer target: ParseConfig and ParseWebConfig must never crash, hang,
// leak or echo a secret file in an error on any input (see config_target.h).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuzz/config_target.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string problem =
      probity::fuzz::RunConfigTarget(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!problem.empty()) {
    std::fprintf(stderr, "config_fuzzer: %s\n", problem.c_str());
    std::abort();
  }
  return 0;
}

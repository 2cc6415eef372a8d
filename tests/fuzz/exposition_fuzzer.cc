// libFuzzer target: the exposition parser and analysis must never crash,
// hang, leak or break their contracts on any input (see exposition_target.h).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuzz/exposition_target.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string problem =
      probity::fuzz::RunExpositionTarget(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!problem.empty()) {
    std::fprintf(stderr, "exposition_fuzzer: %s\n", problem.c_str());
    std::abort();
  }
  return 0;
}

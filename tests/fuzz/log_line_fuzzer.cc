// libFuzzer target: the log-line parser and the lint-logs analyser must never
// crash, hang, leak or break their contracts on any input (see log_line_target.h).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuzz/log_line_target.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string problem =
      probity::fuzz::RunLogLineTarget(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!problem.empty()) {
    std::fprintf(stderr, "log_line_fuzzer: %s\n", problem.c_str());
    std::abort();
  }
  return 0;
}

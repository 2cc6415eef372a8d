// libFuzzer target: the exposition parser and analysis must never crash,
// hang or leak on any input, in either format.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "exposition/analysis.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  probity::exposition::AnalyzeOptions options;
  options.keep_counter_values = true;
  options.keep_label_values = 50;
  probity::exposition::Analyze(text, probity::exposition::Format::kText, options);
  probity::exposition::Analyze(text, probity::exposition::Format::kOpenMetrics, options);
  return 0;
}

// libFuzzer target: the exposition parser and analysis must never crash,
// hang or leak on any input, in either format; and parsed on a thread of
// its own (as inputs of 4 MiB and more are) an input must give the same
// outcome as on one thread.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "exposition/analysis.h"

namespace {

using namespace probity::exposition;

bool Same(const Analysis& a, const Analysis& b) {
  if (a.error.has_value() != b.error.has_value() || (a.error && a.error->ToString() != b.error->ToString())) return false;
  if (a.problems.size() != b.problems.size() || a.families.size() != b.families.size()) return false;
  for (std::size_t i = 0; i < a.problems.size(); ++i) {
    if (a.problems[i].ToString() != b.problems[i].ToString()) return false;
  }
  for (std::size_t i = 0; i < a.families.size(); ++i) {
    if (a.families[i].name != b.families[i].name || a.families[i].series != b.families[i].series) return false;
  }
  return a.total_series == b.total_series && a.counter_values.size() == b.counter_values.size();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  AnalyzeOptions options;
  options.keep_counter_values = true;
  options.keep_label_values = 50;
  AnalyzeOptions threaded = options;
  threaded.thread_from_bytes = 0;
  for (Format format : {Format::kText, Format::kOpenMetrics}) {
    const Analysis one = Analyze(text, format, options);
    if (!Same(one, Analyze(text, format, threaded))) __builtin_trap();
  }
  return 0;
}

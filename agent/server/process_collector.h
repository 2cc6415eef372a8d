#pragma once

#include <vector>

namespace prometheus {
struct MetricFamily;
}

namespace probity {

// The standard process_* families of the Prometheus client libraries, read
// from /proc/self: cpu seconds, resident and virtual memory, start time,
// open and max file descriptors. Families that cannot be read are left out.
std::vector<prometheus::MetricFamily> CollectProcessMetrics();

}  // namespace probity

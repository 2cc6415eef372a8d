#include "core/memory.h"

#include <malloc.h>

#include <atomic>
#include <chrono>
#include <cstdint>

namespace probity {

void BoundAllocatorRetention() {
  // A fixed threshold (setting it turns glibc's dynamic one off): blocks of
  // 128 KiB and more are mapped on their own and unmapped when freed.
  mallopt(M_MMAP_THRESHOLD, 128 * 1024);
  // Free memory at the top of a heap past 1 MiB is returned at once.
  mallopt(M_TRIM_THRESHOLD, 1024 * 1024);
  // Two arenas for the probe workers and the server threads, not eight per core.
  mallopt(M_ARENA_MAX, 2);
}

void ReleaseFreeMemory() {
  // At most once a second: trimming walks the heaps, and a fleet finishes
  // dozens of small runs a second.
  static std::atomic<std::int64_t> last{0};
  const std::int64_t now =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
  std::int64_t before = last.load(std::memory_order_relaxed);
  if (now - before < 1000 || !last.compare_exchange_strong(before, now)) return;
  malloc_trim(0);
}

}  // namespace probity

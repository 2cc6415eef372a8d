#include "core/memory.h"

#include <malloc.h>

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

void ReleaseFreeMemory() { malloc_trim(0); }

}  // namespace probity

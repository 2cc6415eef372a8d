#pragma once

namespace probity {

// The allocator's retention, bounded for a daemon that sees bursts (a 4 MiB
// health body, a 3 MB exposition) between idle stretches: glibc would raise
// its mmap threshold to the largest block freed, keep later bursts in its
// heaps, and give every thread an arena of its own. Call once, early.
void BoundAllocatorRetention();

// Hands the free pages of the allocator's heaps back to the system (after a
// run, say); at most once a second, however often it is called.
void ReleaseFreeMemory();

}  // namespace probity

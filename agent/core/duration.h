#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/status.h"

namespace probity {

// Parses a Prometheus-style duration: one or more <int><unit> pairs in
// decreasing unit order, units y w d h m s ms us µs ns ("1h30m", "500ms").
// "0" alone is accepted. Errors name the offending text.
StatusOr<Duration> ParseDuration(std::string_view text);

// Formats the shortest Prometheus-style spelling ("1m30s", "250ms", "0s").
std::string FormatDuration(Duration d);

// A measured duration, rounded the way people write it: tenths of a
// millisecond under 10ms ("0.4ms", "2.5ms"), whole milliseconds under a
// second ("850ms"), tenths of a second under a minute, the tenth kept
// ("2.0s", "12.5s"), whole seconds beyond ("1m5s", "1h2m"). A value that
// rounds up to the next range is written in it (999.6ms is "1.0s").
std::string FormatElapsed(Duration d);

// Parses a byte size: a plain integer, or an integer with one of
// B KB MB GB (powers of 1000) or KiB MiB GiB (powers of 1024).
StatusOr<std::uint64_t> ParseByteSize(std::string_view text);

// A size the way ParseByteSize reads it: "1MiB", "64KiB", "1000B".
std::string FormatByteSize(std::uint64_t bytes);

}  // namespace probity

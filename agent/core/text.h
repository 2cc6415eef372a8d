#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"

namespace probity {

// True when `s` is well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF).
bool IsValidUtf8(std::string_view s);

// Returns `s` with every ill-formed UTF-8 sequence replaced by U+FFFD.
std::string SanitizeUtf8(std::string_view s);

// A one-line, printable, bounded excerpt of untrusted text for a detail
// message: valid UTF-8, control characters shown as spaces, runs of white
// space folded, at most `max_chars` code points followed by "…" when cut.
std::string Excerpt(std::string_view s, std::size_t max_chars = 80);

// Untrusted text made safe to print on a terminal or in a one-line report,
// without shortening it: valid UTF-8 (ill-formed bytes become U+FFFD), and
// every control character (C0 including newline and tab, DEL, C1) and every
// bidirectional override written as a visible escape ("\x1b", "\u202e"), so
// that no escape sequence reaches a terminal and nothing reorders the text.
std::string Printable(std::string_view s);

// Masks a secret so that it can be reported: keeps a short prefix that helps
// a person find it (at most 4 characters, never more than a quarter of it)
// and replaces the rest with "****".
std::string MaskSecret(std::string_view secret);

std::string ToLower(std::string_view s);
// Equal but for the case of ASCII letters.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
std::string_view Trim(std::string_view s);
bool StartsWith(std::string_view s, std::string_view prefix);
bool EndsWith(std::string_view s, std::string_view suffix);

// RFC 3339 in UTC with millisecond precision: 2024-05-01T10:00:00.123Z.
std::string FormatRfc3339(WallTime t);

// Seconds since the epoch of an RFC 3339 time with its zone
// ("2024-05-01T10:00:00.123Z", "…-05:00"), also in the ISO 8601 forms logs
// use: a space for the T, and +0100 or +01 offsets. nullopt for anything
// else, a time without a zone included.
std::optional<double> ParseRfc3339(std::string_view text);

// A ratio as a whole percentage ("87%").
std::string FormatPercent(double ratio);

// Seconds with up to 6 decimals, trailing zeros removed ("0.25", "1").
std::string FormatSeconds(double seconds);

}  // namespace probity

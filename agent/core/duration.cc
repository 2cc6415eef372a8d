#include "core/duration.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <limits>
#include <utility>

namespace probity {
namespace {

struct Unit {
  std::string_view name;
  std::int64_t nanos;
};

// Longest names first where one is a prefix of another ("ms" before "m").
constexpr std::array<Unit, 10> kUnits{{
    {"ms", 1'000'000},
    {"us", 1'000},
    {"\xC2\xB5s", 1'000},
    {"ns", 1},
    {"y", 365LL * 24 * 3600 * 1'000'000'000},
    {"w", 7LL * 24 * 3600 * 1'000'000'000},
    {"d", 24LL * 3600 * 1'000'000'000},
    {"h", 3600LL * 1'000'000'000},
    {"m", 60LL * 1'000'000'000},
    {"s", 1'000'000'000},
}};

Status BadDuration(std::string_view text, std::string_view why) {
  return Status::Error("invalid duration \"" + std::string(text) + "\": " + std::string(why));
}

}  // namespace

StatusOr<Duration> ParseDuration(std::string_view text) {
  if (text == "0") return Duration::zero();
  if (text.empty()) return BadDuration(text, "empty");
  std::int64_t total = 0;
  std::int64_t last_unit = std::numeric_limits<std::int64_t>::max();
  std::size_t i = 0;
  while (i < text.size()) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) {
      return BadDuration(text, "expected a number, like 30s or 1m30s");
    }
    std::int64_t number = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      if (number > (std::numeric_limits<std::int64_t>::max() - 9) / 10) {
        return BadDuration(text, "too large");
      }
      number = number * 10 + (text[i] - '0');
      ++i;
    }
    const Unit* unit = nullptr;
    for (const Unit& u : kUnits) {
      if (text.substr(i, u.name.size()) == u.name) {
        unit = &u;
        break;
      }
    }
    if (unit == nullptr) {
      return BadDuration(text, "missing or unknown unit (use ms, s, m, h, d, w, y)");
    }
    if (unit->nanos >= last_unit) {
      return BadDuration(text, "units must be in decreasing order and not repeat");
    }
    last_unit = unit->nanos;
    if (number > std::numeric_limits<std::int64_t>::max() / unit->nanos ||
        total > std::numeric_limits<std::int64_t>::max() - number * unit->nanos) {
      return BadDuration(text, "too large");
    }
    total += number * unit->nanos;
    i += unit->name.size();
  }
  return Duration(total);
}

std::string FormatDuration(Duration d) {
  std::int64_t ns = d.count();
  if (ns == 0) return "0s";
  std::string out;
  if (ns < 0) {
    out = "-";
    ns = -ns;
  }
  if (ns % 1'000'000 != 0 || ns < 1'000'000'000) {
    if (ns % 1'000'000 == 0) return out + std::to_string(ns / 1'000'000) + "ms";
    if (ns % 1'000 == 0) return out + std::to_string(ns / 1'000) + "us";
    return out + std::to_string(ns) + "ns";
  }
  constexpr std::array<Unit, 6> kFormat{{{"y", 0}, {"w", 0}, {"d", 0}, {"h", 0}, {"m", 0}, {"s", 0}}};
  std::int64_t ms = ns / 1'000'000;
  const std::array<std::int64_t, 6> sizes{365LL * 86400000, 7LL * 86400000, 86400000, 3600000, 60000,
                                          1000};
  for (std::size_t k = 0; k < sizes.size(); ++k) {
    if (ms >= sizes[k]) {
      out += std::to_string(ms / sizes[k]) + std::string(kFormat[k].name);
      ms %= sizes[k];
    }
  }
  if (ms > 0) out += std::to_string(ms) + "ms";
  return out;
}

StatusOr<std::uint64_t> ParseByteSize(std::string_view text) {
  std::size_t i = 0;
  std::uint64_t number = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
    if (number > (std::numeric_limits<std::uint64_t>::max() - 9) / 10) {
      return Status::Error("invalid size \"" + std::string(text) + "\": too large");
    }
    number = number * 10 + static_cast<std::uint64_t>(text[i] - '0');
    ++i;
  }
  if (i == 0) {
    return Status::Error("invalid size \"" + std::string(text) + "\": expected a number like 10MiB");
  }
  static constexpr std::array<std::pair<std::string_view, std::uint64_t>, 8> kSizes{{
      {"", 1},
      {"B", 1},
      {"KB", 1000ULL},
      {"MB", 1000ULL * 1000},
      {"GB", 1000ULL * 1000 * 1000},
      {"KiB", 1024ULL},
      {"MiB", 1024ULL * 1024},
      {"GiB", 1024ULL * 1024 * 1024},
  }};
  std::string_view suffix = text.substr(i);
  for (const auto& [name, factor] : kSizes) {
    if (suffix == name) {
      if (number > std::numeric_limits<std::uint64_t>::max() / factor) {
        return Status::Error("invalid size \"" + std::string(text) + "\": too large");
      }
      return number * factor;
    }
  }
  return Status::Error("invalid size \"" + std::string(text) +
                       "\": unknown unit (use B, KB, MB, GB, KiB, MiB, GiB)");
}

std::string FormatByteSize(std::uint64_t bytes) {
  if (bytes != 0 && bytes % (1024 * 1024) == 0) return std::to_string(bytes / (1024 * 1024)) + "MiB";
  if (bytes != 0 && bytes % 1024 == 0) return std::to_string(bytes / 1024) + "KiB";
  return std::to_string(bytes) + "B";
}

std::string FormatElapsed(Duration d) {
  const std::int64_t ns = d.count();
  if (ns < 0) return "-" + FormatElapsed(Duration(ns == std::numeric_limits<std::int64_t>::min() ? ns + 1 : -ns));
  const auto rounded = [ns](std::int64_t unit) { return ns / unit + (ns % unit >= unit / 2 ? 1 : 0); };
  const auto tenths = [](std::int64_t n, const char* unit) {
    return std::to_string(n / 10) + "." + std::to_string(n % 10) + unit;
  };
  if (const std::int64_t t = rounded(100'000); t < 100) return tenths(t, "ms");
  if (const std::int64_t ms = rounded(1'000'000); ms < 1000) return std::to_string(ms) + "ms";
  if (const std::int64_t t = rounded(100'000'000); t < 600) return tenths(t, "s");
  // Whole seconds, at most what a Duration holds (the sign was handled above).
  return FormatDuration(std::chrono::seconds(
      std::min<std::int64_t>(rounded(1'000'000'000), std::numeric_limits<std::int64_t>::max() / 1'000'000'000)));
}

}  // namespace probity

#include "core/trace_context.h"

#include <array>
#include <random>

namespace probity {
namespace {

bool IsLowerHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool AllZero(std::string_view s) { return s.find_first_not_of('0') == std::string_view::npos; }

// Lowercase hex digits, not all zero: a W3C trace or parent id. Every log
// line's trace id passes through here, so there is no branch per character:
// lowercase hex maps to 1, '0' to 2 more, anything else to 0.
bool IsNonZeroLowerHex(std::string_view s) {
  static constexpr auto kClass = [] {
    std::array<unsigned char, 256> table{};
    for (int c = '0'; c <= '9'; ++c) table[c] = 1;
    for (int c = 'a'; c <= 'f'; ++c) table[c] = 1;
    table['0'] = 3;
    return table;
  }();
  unsigned all_hex = 1, all_zero = 2;
  for (char c : s) {
    const unsigned k = kClass[static_cast<unsigned char>(c)];
    all_hex &= k;
    all_zero &= k;
  }
  return all_hex != 0 && all_zero == 0;
}

std::string RandomHex(std::size_t digits) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static const char* hex = "0123456789abcdef";
  std::string out;
  while (true) {
    out.clear();
    while (out.size() < digits) {
      std::uint64_t bits = rng();
      for (int i = 0; i < 16 && out.size() < digits; ++i, bits >>= 4) out += hex[bits & 15];
    }
    if (!AllZero(out)) return out;
  }
}

}  // namespace

std::optional<Traceparent> ParseTraceparent(std::string_view h) {
  // version "-" trace-id "-" parent-id "-" flags: 2 + 1 + 32 + 1 + 16 + 1 + 2
  if (h.size() < 55 || h[2] != '-' || h[35] != '-' || h[52] != '-') return std::nullopt;
  const std::string_view version = h.substr(0, 2), trace = h.substr(3, 32), parent = h.substr(36, 16),
                         flags = h.substr(53, 2);
  if (!IsLowerHex(version) || version == "ff" || !IsNonZeroLowerHex(trace) || !IsNonZeroLowerHex(parent) ||
      !IsLowerHex(flags)) {
    return std::nullopt;
  }
  // Version 00 has exactly these fields; later versions may add "-…".
  if ((version == "00" && h.size() != 55) || (h.size() > 55 && h[55] != '-')) return std::nullopt;
  return Traceparent{std::string(trace), std::string(parent), std::string(flags)};
}

bool IsW3cTraceId(std::string_view text) { return text.size() == 32 && IsNonZeroLowerHex(text); }

std::string NewTraceId() { return RandomHex(32); }
std::string NewSpanId() { return RandomHex(16); }

std::string NewRequestId() {
  std::string hex = RandomHex(32);
  hex[12] = '4';                                      // version 4
  hex[16] = "89ab"[static_cast<unsigned char>(hex[16]) % 4];  // RFC 4122 variant
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" +
         hex.substr(20);
}

std::string FormatTraceparent(std::string_view trace_id, std::string_view span_id) {
  return "00-" + std::string(trace_id) + "-" + std::string(span_id) + "-01";
}

bool IsSafeRequestId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace probity

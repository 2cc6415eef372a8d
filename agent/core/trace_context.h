#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace probity {

// A parsed W3C traceparent header (Trace Context, version 00).
struct Traceparent {
  std::string trace_id;  // 32 lowercase hex digits, not all zero
  std::string parent_id;  // 16 lowercase hex digits, not all zero
  std::string flags;      // 2 hex digits
};

// Parses a traceparent as the W3C spec asks: version 00 (or a later one,
// whose first four fields are read the same way), never version ff,
// lowercase hex, ids not all zero. Anything else is nullopt and must be
// ignored by the receiver.
std::optional<Traceparent> ParseTraceparent(std::string_view header);

// A W3C trace id: 32 lowercase hex digits, not all zero.
bool IsW3cTraceId(std::string_view text);

// Fresh random ids: a trace id (32 hex), a span id (16 hex) and a
// version-4 UUID for X-Request-ID. Thread-safe.
std::string NewTraceId();
std::string NewSpanId();
std::string NewRequestId();

// "00-<trace id>-<span id>-01"
std::string FormatTraceparent(std::string_view trace_id, std::string_view span_id);

// An X-Request-ID worth echoing and logging: 1-128 characters of
// [A-Za-z0-9._:-] (anything else is replaced by a fresh id).
bool IsSafeRequestId(std::string_view id);

}  // namespace probity

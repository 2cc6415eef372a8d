#pragma once

#include <string>
#include <utility>

namespace probity {

// A credential. It has no stream operator and no implicit conversion so that
// it cannot end up in a log line or a report by accident: the HTTP client is
// the only reader, through Reveal().
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  bool empty() const { return value_.empty(); }
  const std::string& Reveal() const { return value_; }
  // What may be shown of it anywhere: never the value.
  std::string Redacted() const { return value_.empty() ? "" : "<secret>"; }

 private:
  std::string value_;
};

}  // namespace probity

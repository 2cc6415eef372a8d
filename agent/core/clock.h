#pragma once

#include <chrono>

namespace probity {

using Duration = std::chrono::nanoseconds;
using MonoTime = std::chrono::steady_clock::time_point;
using WallTime = std::chrono::system_clock::time_point;

// The clock seam: checks and schedulers ask it for time so that tests can
// control time instead of sleeping. Implementations are thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual MonoTime Now() const = 0;
  virtual WallTime WallNow() const = 0;
  // Waits; a fake clock just moves forward.
  virtual void SleepFor(Duration d) const = 0;
};

// The real clocks of the machine.
class SystemClock final : public Clock {
 public:
  MonoTime Now() const override;
  WallTime WallNow() const override;
  void SleepFor(Duration d) const override;
  static SystemClock& Instance();
};

double ToSeconds(Duration d);

}  // namespace probity

#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

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
  // Waits on `cv` until it is notified or Now() reaches `due`, with `lock`
  // held on entry and on return. It may return early: callers check their
  // condition again. A fake clock returns soon after it is moved past `due`.
  virtual void WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock, MonoTime due) const = 0;
};

// The real clocks of the machine.
class SystemClock final : public Clock {
 public:
  MonoTime Now() const override;
  WallTime WallNow() const override;
  void SleepFor(Duration d) const override;
  void WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock, MonoTime due) const override;
  static SystemClock& Instance();
};

double ToSeconds(Duration d);

}  // namespace probity

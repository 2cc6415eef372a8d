#include "core/clock.h"

#include <thread>

namespace probity {

MonoTime SystemClock::Now() const { return std::chrono::steady_clock::now(); }
WallTime SystemClock::WallNow() const { return std::chrono::system_clock::now(); }
void SystemClock::SleepFor(Duration d) const { std::this_thread::sleep_for(d); }
void SystemClock::WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock, MonoTime due) const {
  cv.wait_until(lock, due);
}

SystemClock& SystemClock::Instance() {
  static SystemClock clock;
  return clock;
}

double ToSeconds(Duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace probity

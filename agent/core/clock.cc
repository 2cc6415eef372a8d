#include "core/clock.h"

namespace probity {

MonoTime SystemClock::Now() const { return std::chrono::steady_clock::now(); }
WallTime SystemClock::WallNow() const { return std::chrono::system_clock::now(); }

SystemClock& SystemClock::Instance() {
  static SystemClock clock;
  return clock;
}

double ToSeconds(Duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace probity

#include "attention/stage_clock.h"

#include <c10/core/impl/VirtualGuardImpl.h>

namespace svg2::attention {

StageClock::StageClock(bool enabled, c10::Device device) : enabled_(enabled), device_(device) {
  if (enabled_) {
    synchronize();
    last_ = std::chrono::steady_clock::now();
  }
}

void StageClock::synchronize() const {
  if (device_.is_cpu()) return;  // CPU ops are synchronous
  c10::impl::VirtualGuardImpl(device_.type()).synchronizeDevice(device_.has_index() ? device_.index() : 0);
}

double StageClock::lap() {
  if (!enabled_) return 0.0;
  synchronize();
  const auto now = std::chrono::steady_clock::now();
  const double ms = std::chrono::duration<double, std::milli>(now - last_).count();
  last_ = now;
  return ms;
}

}  // namespace svg2::attention

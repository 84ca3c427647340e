#include "sampling/flow_schedule.h"

#include "core/check.h"

namespace svg2::sampling {

double shift_sigma(double sigma, double shift) {
  return shift * sigma / (1.0 + (shift - 1.0) * sigma);
}

FlowSchedule make_flow_schedule(int steps, double shift) {
  SVG2_CHECK(steps >= 1 && steps <= 1000, "sampling: steps must be in 1..1000, got {}", steps);
  SVG2_CHECK(shift > 0.0 && shift <= 100.0, "sampling: shift must be in (0, 100], got {}", shift);
  // The reference's sigma_max: 1 - 1/1000 from the training grid, stored as fp32.
  const double sigma_max = static_cast<double>(static_cast<float>(0.999));
  FlowSchedule s;
  s.shift = shift;
  s.sigmas.reserve(static_cast<std::size_t>(steps) + 1);
  s.timesteps.reserve(static_cast<std::size_t>(steps));
  for (int i = 0; i < steps; ++i) {
    // numpy.linspace(sigma_max, 0, steps + 1): start + i * step, step = (0 - start) / steps.
    const double step = -sigma_max / static_cast<double>(steps);
    const double sigma = shift_sigma(sigma_max + static_cast<double>(i) * step, shift);
    s.timesteps.push_back(static_cast<std::int64_t>(sigma * 1000.0));
    s.sigmas.push_back(static_cast<double>(static_cast<float>(sigma)));
  }
  s.sigmas.push_back(0.0);
  return s;
}

}  // namespace svg2::sampling

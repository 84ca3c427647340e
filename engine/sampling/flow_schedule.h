#pragma once
// The flow-matching noise schedule with shift, as Wan's FlowUniPCMultistepScheduler builds it
// (and diffusers' UniPCMultistepScheduler with use_flow_sigmas): x_sigma = (1 - sigma) x0 +
// sigma * noise, sigma from ~1 (noise) down to 0 (clean).
#include <cstdint>
#include <vector>

namespace svg2::sampling {

struct FlowSchedule {
  // steps + 1 values: sigma_0 > ... > sigma_{N-1} > sigma_N = 0, each rounded to fp32 as in
  // the reference.
  std::vector<double> sigmas;
  // steps values: what the model is fed, int(sigma_i * 1000) computed in float64 (truncated).
  std::vector<std::int64_t> timesteps;
  double shift = 1.0;
  int steps() const { return static_cast<int>(timesteps.size()); }
};

// sigma_i = linspace(sigma_max, 0, steps + 1)[i] for i < steps, with sigma_max = fp32(0.999)
// (the reference's 1000-step training grid), then sigma <- shift*sigma / (1 + (shift-1)*sigma).
// Throws svg2::Error naming the parameter: steps in 1..1000, shift in (0, 100].
FlowSchedule make_flow_schedule(int steps, double shift);

// The shift map on its own (sigma in [0, 1]).
double shift_sigma(double sigma, double shift);

}  // namespace svg2::sampling

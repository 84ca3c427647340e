#pragma once
// Wan's sinusoidal timestep embedding: [cos(t*f_i) for i < dim/2, then sin(t*f_i)], with
// f_i = 10000^(-i/(dim/2)) and t on the scheduler's 0..1000 scale.
#include <ATen/core/Tensor.h>

#include <cstdint>

namespace svg2::wan {

// timesteps: [B] (any real dtype, any device). Returns [B, dim] fp32 on the timesteps' device;
// the angles are computed in float64 like the reference.
at::Tensor timestep_sinusoid(const at::Tensor& timesteps, std::int64_t dim);

}  // namespace svg2::wan

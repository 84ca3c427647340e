#include "models/wan/timestep_embedding.h"

#include <ATen/TensorOperators.h>
#include <ATen/ops/arange.h>
#include <ATen/ops/cat.h>
#include <ATen/ops/cos.h>
#include <ATen/ops/outer.h>
#include <ATen/ops/pow.h>
#include <ATen/ops/sin.h>

#include "core/check.h"

namespace svg2::wan {

at::Tensor timestep_sinusoid(const at::Tensor& timesteps, std::int64_t dim) {
  SVG2_CHECK(dim > 0 && dim % 2 == 0, "timestep embedding: dim {} must be a positive even number", dim);
  SVG2_CHECK(timesteps.dim() == 1, "timestep embedding: timesteps must be [B], got {} dims", timesteps.dim());
  const auto half = dim / 2;
  auto t = timesteps.to(at::kDouble);
  auto exponents = at::arange(half, t.options()).div(static_cast<double>(half)).neg();
  auto angles = at::outer(t, at::pow(10000.0, exponents));
  return at::cat({at::cos(angles), at::sin(angles)}, 1).to(at::kFloat);
}

}  // namespace svg2::wan

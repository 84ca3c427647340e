#include "models/wan/vae_rms_norm.h"

#include <ATen/ops/clamp_min.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/linalg_vector_norm.h>

#include <cmath>

namespace svg2::wan {

VaeRmsNormImpl::VaeRmsNormImpl(int64_t channels, bool images, const at::TensorOptions& options)
    : scale_(std::sqrt(static_cast<double>(channels))) {
  std::vector<int64_t> shape =
      images ? std::vector<int64_t>{channels, 1, 1} : std::vector<int64_t>{channels, 1, 1, 1};
  gamma = register_parameter("gamma", at::empty(shape, options), /*requires_grad=*/false);
}

at::Tensor VaeRmsNormImpl::forward(const at::Tensor& x) {
  const at::Tensor norm = at::clamp_min(at::linalg_vector_norm(x, 2, {1}, /*keepdim=*/true), 1e-12);
  return x / norm * scale_ * gamma;
}

}  // namespace svg2::wan

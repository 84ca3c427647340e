#include "text/t5_layer_norm.h"

#include <ATen/ops/empty.h>
#include <ATen/ops/rsqrt.h>

namespace svg2::text {

T5LayerNormImpl::T5LayerNormImpl(int64_t dim, double eps_, const at::TensorOptions& options) : eps(eps_) {
  weight = register_parameter("weight", at::empty({dim}, options), /*requires_grad=*/false);
}

at::Tensor T5LayerNormImpl::forward(const at::Tensor& x) {
  const at::Tensor variance = x.to(at::kFloat).pow(2).mean(-1, /*keepdim=*/true);
  at::Tensor y = x * at::rsqrt(variance + eps);  // promotes to fp32
  if (weight.scalar_type() == at::kHalf || weight.scalar_type() == at::kBFloat16)
    y = y.to(weight.scalar_type());
  return weight * y;
}

}  // namespace svg2::text

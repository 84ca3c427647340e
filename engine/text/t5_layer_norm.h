#pragma once
// T5's RMSNorm: x * rsqrt(mean(x^2) + eps) with the statistic in fp32, no mean subtraction, no
// bias; the normalized value is cast to the weight's dtype when that is half/bf16 (as Wan's
// T5LayerNorm and HF's UMT5LayerNorm do), then scaled by the weight.
#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

namespace svg2::text {

class T5LayerNormImpl : public torch::nn::Module {
 public:
  T5LayerNormImpl(int64_t dim, double eps, const at::TensorOptions& options);
  at::Tensor forward(const at::Tensor& x);

  at::Tensor weight;
  double eps;
};
TORCH_MODULE(T5LayerNorm);

}  // namespace svg2::text

#pragma once
// A bias-free linear layer whose weight is allocated uninitialized (it is always loaded from a
// checkpoint or filled by random init), so building umT5-XXL costs no time and no memory
// traffic. T5 has no biases anywhere.
#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

namespace svg2::text {

class LinearNoBiasImpl : public torch::nn::Module {
 public:
  LinearNoBiasImpl(int64_t in_features, int64_t out_features, const at::TensorOptions& options);
  at::Tensor forward(const at::Tensor& x);

  at::Tensor weight;  // [out, in]
};
TORCH_MODULE(LinearNoBias);

}  // namespace svg2::text

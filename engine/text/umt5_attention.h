#pragma once
// T5 self-attention: no 1/sqrt(d) scaling; the additive bias carries the relative position bias
// and the key padding mask. Weights: q, k, v [inner, d_model], o [d_model, inner], no biases.
#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include "text/linear_no_bias.h"
#include "text/umt5_config.h"

namespace svg2::text {

class UMT5AttentionImpl : public torch::nn::Module {
 public:
  UMT5AttentionImpl(const UMT5Config& config, const at::TensorOptions& options);
  // x [B, L, d_model]; bias [B or 1, heads, L, L] in x's dtype -> [B, L, d_model]
  at::Tensor forward(const at::Tensor& x, const at::Tensor& bias);

  LinearNoBias q{nullptr}, k{nullptr}, v{nullptr}, o{nullptr};

 private:
  int64_t heads_, d_kv_;
};
TORCH_MODULE(UMT5Attention);

}  // namespace svg2::text

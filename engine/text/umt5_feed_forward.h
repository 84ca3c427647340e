#pragma once
// umT5's gated-GELU feed-forward: fc2( fc1(x) * gelu_tanh(gate(x)) ), no biases.
// Wan names: gate.0 (HF wi_0, through the GELU), fc1 (HF wi_1), fc2 (HF wo).
#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/pimpl.h>

#include "text/linear_no_bias.h"
#include "text/umt5_config.h"

namespace svg2::text {

class UMT5FeedForwardImpl : public torch::nn::Module {
 public:
  UMT5FeedForwardImpl(const UMT5Config& config, const at::TensorOptions& options);
  at::Tensor forward(const at::Tensor& x);

  LinearNoBias gate_proj{nullptr}, fc1{nullptr}, fc2{nullptr};
};
TORCH_MODULE(UMT5FeedForward);

}  // namespace svg2::text

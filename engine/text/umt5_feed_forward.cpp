#include "text/umt5_feed_forward.h"

#include <ATen/ops/gelu.h>

namespace svg2::text {

UMT5FeedForwardImpl::UMT5FeedForwardImpl(const UMT5Config& c, const at::TensorOptions& options) {
  gate_proj = LinearNoBias(c.d_model, c.d_ff, options);
  torch::nn::ModuleList gate;  // "gate.0.weight", as Wan's nn.Sequential(Linear, GELU)
  gate->push_back(gate_proj);
  register_module("gate", gate);
  fc1 = register_module("fc1", LinearNoBias(c.d_model, c.d_ff, options));
  fc2 = register_module("fc2", LinearNoBias(c.d_ff, c.d_model, options));
}

at::Tensor UMT5FeedForwardImpl::forward(const at::Tensor& x) {
  return fc2->forward(fc1->forward(x) * at::gelu(gate_proj->forward(x), "tanh"));
}

}  // namespace svg2::text

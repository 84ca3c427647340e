#include "models/wan/dit_block.h"

#include <ATen/TensorOperators.h>
#include <ATen/core/grad_mode.h>
#include <ATen/ops/add.h>
#include <ATen/ops/addcmul.h>

namespace svg2::wan {

namespace {

// x + y * gate, in place on the fp32 stream when no gradient is recorded.
at::Tensor add_gated(at::Tensor x, const at::Tensor& y, const at::Tensor& gate) {
  if (at::GradMode::is_enabled()) return at::addcmul(x, y, gate);
  return x.addcmul_(y, gate);
}

at::Tensor add_residual(at::Tensor x, const at::Tensor& y) {
  if (at::GradMode::is_enabled()) return at::add(x, y);
  return x.add_(y);
}

}  // namespace

WanBlockImpl::WanBlockImpl(std::int64_t num_heads, double eps_) : eps(eps_) {
  self_attn = register_module("self_attn", WanAttention(num_heads, eps));
  cross_attn = register_module("cross_attn", WanAttention(num_heads, eps));
  norm3 = register_module("norm3", WanLayerNorm(eps));
  ffn = register_module("ffn", GeluMlp());
  modulation = register_parameter("modulation", placeholder_parameter(), false);
}

at::Tensor WanBlockImpl::forward(at::Tensor x, const BlockInputs& in) const {
  // [Bt, 6, D] -> six [Bt, 1, D] views: shift, scale, gate (attention), shift, scale, gate (FFN).
  const auto mod = (modulation + in.time_projection).unsqueeze(2);
  auto part = [&mod](int i) { return mod.select(1, i); };

  auto h = modulated_layer_norm(x, part(0), part(1), eps).to(in.compute_dtype);
  x = add_gated(x, self_attn->self_attention(h, in.rope, in.backend, in.attention_context), part(2));

  h = norm3->forward(x).to(in.compute_dtype);
  x = add_residual(x, cross_attn->cross_attention(h, in.context));

  h = modulated_layer_norm(x, part(3), part(4), eps).to(in.compute_dtype);
  return add_gated(x, ffn->forward(h), part(5));
}

}  // namespace svg2::wan

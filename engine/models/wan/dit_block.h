#pragma once
// One Wan DiT block (`blocks.N.*`): modulated self-attention with a gate, affine-normed
// cross-attention (norm3, no gate), modulated FFN with a gate. The residual stream is fp32.
#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include <cstdint>

#include "attention/backend.h"
#include "models/wan/dit_attention.h"
#include "models/wan/dit_layers.h"
#include "models/wan/rope.h"

namespace svg2::wan {

struct BlockInputs {
  const at::Tensor& time_projection;  // e0: [Bt, 6, D] fp32, Bt = 1 (shared timestep) or B
  const at::Tensor& context;          // [B, text_len, D] compute dtype (after text_embedding)
  const RopeTables& rope;
  attention::AttentionBackend& backend;
  const attention::AttentionContext& attention_context;
  c10::ScalarType compute_dtype;
};

class WanBlockImpl : public torch::nn::Module {
 public:
  WanBlockImpl(std::int64_t num_heads, double eps);
  // x: [B, S, D] fp32 residual stream. Returns the updated stream (updated in place when grad
  // mode is off).
  at::Tensor forward(at::Tensor x, const BlockInputs& in) const;

  WanAttention self_attn{nullptr}, cross_attn{nullptr};
  WanLayerNorm norm3{nullptr};
  GeluMlp ffn{nullptr};
  at::Tensor modulation;  // [1, 6, D] fp32: shift/scale/gate for attention, then for the FFN
  double eps;
};
TORCH_MODULE(WanBlock);

}  // namespace svg2::wan

#pragma once
// The DiT's two attention layers, with the original Wan parameter names (q, k, v, o, norm_q,
// norm_k). q and k get RMSNorm over the full width (all heads together) before the head split.
#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include <cstdint>

#include "attention/backend.h"
#include "models/wan/dit_layers.h"
#include "models/wan/rope.h"

namespace svg2::wan {

class WanAttentionImpl : public torch::nn::Module {
 public:
  WanAttentionImpl(std::int64_t num_heads, double eps);

  // Self-attention: x [B, S, D] (compute dtype) -> [B, S, D]. RoPE on q and k, then the
  // backend gets q/k/v as [B, H, S, head_dim] views of [B, S, H, head_dim] memory (no copies).
  at::Tensor self_attention(const at::Tensor& x, const RopeTables& rope, attention::AttentionBackend& backend,
                            const attention::AttentionContext& ctx) const;

  // Cross-attention to the text context [B, L, D]: dense SDPA, no RoPE, no mask.
  at::Tensor cross_attention(const at::Tensor& x, const at::Tensor& context) const;

  WanLinear q{nullptr}, k{nullptr}, v{nullptr}, o{nullptr};
  WanRMSNorm norm_q{nullptr}, norm_k{nullptr};
  std::int64_t num_heads;
};
TORCH_MODULE(WanAttention);

}  // namespace svg2::wan

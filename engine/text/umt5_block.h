#pragma once
// One umT5 encoder layer (pre-norm): x += attn(norm1(x)); x += ffn(norm2(x)); each layer owns
// its relative position bias (Wan: blocks.N.pos_embedding.embedding.weight).
#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include "text/relative_position_bias.h"
#include "text/t5_layer_norm.h"
#include "text/umt5_attention.h"
#include "text/umt5_config.h"
#include "text/umt5_feed_forward.h"

namespace svg2::text {

class UMT5BlockImpl : public torch::nn::Module {
 public:
  UMT5BlockImpl(const UMT5Config& config, const at::TensorOptions& options);
  // x [B, L, d]; buckets [L, L]; key_mask [B, 1, 1, L] bool, true on padding keys (or undefined).
  at::Tensor forward(const at::Tensor& x, const at::Tensor& buckets, const at::Tensor& key_mask);

  T5LayerNorm norm1{nullptr}, norm2{nullptr};
  UMT5Attention attn{nullptr};
  UMT5FeedForward ffn{nullptr};
  RelativePositionBias pos_embedding{nullptr};
};
TORCH_MODULE(UMT5Block);

}  // namespace svg2::text

#include "text/umt5_block.h"

#include <ATen/ops/clamp.h>
#include <ATen/ops/isinf.h>

#include <limits>

#include <c10/util/BFloat16.h>
#include <c10/util/Half.h>

namespace svg2::text {
namespace {

// The reference clamps fp16 activations that overflowed (T5 is known to overflow in fp16).
at::Tensor fp16_clamp(const at::Tensor& x) {
  if (x.scalar_type() != at::kHalf || !at::isinf(x).any().item<bool>()) return x;
  const double limit = static_cast<double>(std::numeric_limits<c10::Half>::max()) - 1000.0;
  return at::clamp(x, -limit, limit);
}

// torch.finfo(dtype).min, which the reference writes into masked logits.
double lowest_of(at::ScalarType dtype) {
  switch (dtype) {
    case at::kHalf:
      return static_cast<double>(std::numeric_limits<c10::Half>::lowest());
    case at::kBFloat16:
      return static_cast<double>(std::numeric_limits<c10::BFloat16>::lowest());
    case at::kDouble:
      return std::numeric_limits<double>::lowest();
    default:
      return std::numeric_limits<float>::lowest();
  }
}

}  // namespace

UMT5BlockImpl::UMT5BlockImpl(const UMT5Config& c, const at::TensorOptions& options) {
  norm1 = register_module("norm1", T5LayerNorm(c.d_model, c.eps, options));
  attn = register_module("attn", UMT5Attention(c, options));
  norm2 = register_module("norm2", T5LayerNorm(c.d_model, c.eps, options));
  ffn = register_module("ffn", UMT5FeedForward(c, options));
  pos_embedding = register_module("pos_embedding", RelativePositionBias(c.num_buckets, c.num_heads, options));
}

at::Tensor UMT5BlockImpl::forward(const at::Tensor& x, const at::Tensor& buckets,
                                  const at::Tensor& key_mask) {
  at::Tensor bias = pos_embedding->forward(buckets).to(x.scalar_type());  // [1, H, L, L]
  if (key_mask.defined()) {
    // Padding keys get the dtype's lowest value in place of the position bias (as the reference).
    bias = bias.expand({key_mask.size(0), -1, -1, -1}).masked_fill(key_mask, lowest_of(x.scalar_type()));
  }
  at::Tensor h = fp16_clamp(x + attn->forward(norm1->forward(x), bias));
  return fp16_clamp(h + ffn->forward(norm2->forward(h)));
}

}  // namespace svg2::text

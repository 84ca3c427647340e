#include "models/wan/vae_attention_block.h"

#include <ATen/ops/scaled_dot_product_attention.h>

namespace svg2::wan {

VaeAttentionBlockImpl::VaeAttentionBlockImpl(int64_t c, const at::TensorOptions& options) {
  norm = register_module("norm", VaeRmsNorm(c, /*images=*/true, options));
  to_qkv = register_module("to_qkv", VaeConv2d(c, 3 * c, 1, 1, 0, options));
  proj = register_module("proj", VaeConv2d(c, c, 1, 1, 0, options));
}

at::Tensor VaeAttentionBlockImpl::forward(const at::Tensor& x) {
  const int64_t b = x.size(0), c = x.size(1), t = x.size(2), h = x.size(3), w = x.size(4);
  at::Tensor frames = x.permute({0, 2, 1, 3, 4}).reshape({b * t, c, h, w});
  at::Tensor qkv =
      to_qkv->forward(norm->forward(frames)).reshape({b * t, 1, 3 * c, h * w}).permute({0, 1, 3, 2});
  auto parts = qkv.contiguous().chunk(3, -1);  // q, k, v: [b*t, 1, h*w, c]
  at::Tensor out = at::scaled_dot_product_attention(parts[0], parts[1], parts[2]);
  out = proj->forward(out.squeeze(1).permute({0, 2, 1}).reshape({b * t, c, h, w}));
  return out.view({b, t, c, h, w}).permute({0, 2, 1, 3, 4}) + x;
}

}  // namespace svg2::wan

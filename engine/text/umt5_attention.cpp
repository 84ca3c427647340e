#include "text/umt5_attention.h"

#include <ATen/ops/scaled_dot_product_attention.h>

namespace svg2::text {

UMT5AttentionImpl::UMT5AttentionImpl(const UMT5Config& c, const at::TensorOptions& options)
    : heads_(c.num_heads), d_kv_(c.d_kv) {
  q = register_module("q", LinearNoBias(c.d_model, c.inner_dim(), options));
  k = register_module("k", LinearNoBias(c.d_model, c.inner_dim(), options));
  v = register_module("v", LinearNoBias(c.d_model, c.inner_dim(), options));
  o = register_module("o", LinearNoBias(c.inner_dim(), c.d_model, options));
}

at::Tensor UMT5AttentionImpl::forward(const at::Tensor& x, const at::Tensor& bias) {
  const int64_t b = x.size(0), l = x.size(1);
  auto heads = [&](const at::Tensor& t) { return t.view({b, l, heads_, d_kv_}).transpose(1, 2); };
  // T5 does not scale the logits: scale = 1.
  at::Tensor out =
      at::scaled_dot_product_attention(heads(q->forward(x)), heads(k->forward(x)), heads(v->forward(x)), bias,
                                       /*dropout_p=*/0.0, /*is_causal=*/false, /*scale=*/1.0);
  return o->forward(out.transpose(1, 2).reshape({b, l, heads_ * d_kv_}));
}

}  // namespace svg2::text

#include "models/wan/dit_attention.h"

#include <ATen/ops/scaled_dot_product_attention.h>

namespace svg2::wan {

namespace {

// [B, S, D] -> [B, H, S, D/H] as a view (strides of [B, S, H, D/H]).
at::Tensor split_heads(const at::Tensor& x, std::int64_t heads) {
  return x.unflatten(-1, {heads, x.size(-1) / heads}).transpose(1, 2);
}

// [B, H, S, d] -> [B, S, H*d]; a view when the attention kernel wrote [B, S, H, d] memory
// (flash / cuDNN do), else one copy.
at::Tensor merge_heads(const at::Tensor& x) {
  return x.transpose(1, 2).flatten(2);
}

}  // namespace

WanAttentionImpl::WanAttentionImpl(std::int64_t heads, double eps) : num_heads(heads) {
  q = register_module("q", WanLinear());
  k = register_module("k", WanLinear());
  v = register_module("v", WanLinear());
  o = register_module("o", WanLinear());
  norm_q = register_module("norm_q", WanRMSNorm(eps));
  norm_k = register_module("norm_k", WanRMSNorm(eps));
}

at::Tensor WanAttentionImpl::self_attention(const at::Tensor& x, const RopeTables& rope,
                                            attention::AttentionBackend& backend,
                                            const attention::AttentionContext& ctx) const {
  const auto head_dim = x.size(-1) / num_heads;
  auto qs = norm_q->forward(q->forward(x)).unflatten(-1, {num_heads, head_dim});
  auto ks = norm_k->forward(k->forward(x)).unflatten(-1, {num_heads, head_dim});
  auto qh = apply_rope(qs, rope).transpose(1, 2);
  auto kh = apply_rope(ks, rope).transpose(1, 2);
  auto vh = split_heads(v->forward(x), num_heads);
  return o->forward(merge_heads(backend.forward(qh, kh, vh, ctx)));
}

at::Tensor WanAttentionImpl::cross_attention(const at::Tensor& x, const at::Tensor& context) const {
  auto qh = split_heads(norm_q->forward(q->forward(x)), num_heads);
  auto kh = split_heads(norm_k->forward(k->forward(context)), num_heads);
  auto vh = split_heads(v->forward(context), num_heads);
  return o->forward(merge_heads(at::scaled_dot_product_attention(qh, kh, vh)));
}

}  // namespace svg2::wan

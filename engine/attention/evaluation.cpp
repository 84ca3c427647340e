#include "attention/evaluation.h"

#include <ATen/ops/bmm.h>
#include <ATen/ops/scaled_dot_product_attention.h>
#include <ATen/ops/softmax.h>
#include <ATen/ops/zeros.h>

#include <algorithm>
#include <cmath>

#include "attention/shape_text.h"
#include "core/check.h"

namespace svg2::attention {
namespace {

// Bounds the [H, rows, S] probability block of one recall chunk (64 MiB of fp32).
constexpr std::int64_t kRecallChunkElements = std::int64_t{16} << 20;

}  // namespace

at::Tensor dense_attention_fp32(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v) {
  return at::scaled_dot_product_attention(q.to(at::kFloat), k.to(at::kFloat), v.to(at::kFloat));
}

double relative_l2_error(const at::Tensor& out, const at::Tensor& ref) {
  SVG2_CHECK(out.sizes() == ref.sizes(), "relative L2 error: shapes differ, {} vs {}", shape_text(out),
             shape_text(ref));
  const double diff = (out.to(at::kDouble) - ref.to(at::kDouble)).norm().item<double>();
  const double base = ref.to(at::kDouble).norm().item<double>();
  return base > 0 ? diff / base : diff;
}

at::Tensor attention_recall(const at::Tensor& q, const at::Tensor& k, const SparseLayout& layout) {
  SVG2_CHECK(q.dim() == 3 && k.sizes() == q.sizes(),
             "attention recall: q, k must be [H, S, D] of one shape, got {} {}", shape_text(q),
             shape_text(k));
  const std::int64_t h = q.size(0), s = q.size(1), kc = layout.mask.size(2);
  const double scale = 1.0 / std::sqrt(static_cast<double>(q.size(2)));
  const at::Tensor qf = q.to(at::kFloat), kt = k.to(at::kFloat).transpose(1, 2);
  const at::Tensor mask = layout.mask.to(at::kFloat);
  at::Tensor covered = at::zeros({h}, qf.options().dtype(at::kDouble));
  const std::int64_t rows =
      std::clamp<std::int64_t>(kRecallChunkElements / std::max<std::int64_t>(1, h * s), 1, s);
  for (std::int64_t r0 = 0; r0 < s; r0 += rows) {
    const std::int64_t r = std::min(rows, s - r0);
    const at::Tensor p = at::softmax(at::bmm(qf.narrow(1, r0, r), kt).mul_(scale), -1);  // [H, r, S]
    // Mass per key cluster, then keep the selected clusters of each row's query cluster.
    const at::Tensor per_cluster =
        at::zeros({h, r, kc}, p.options()).scatter_add_(2, layout.k_labels.unsqueeze(1).expand({h, r, s}), p);
    const at::Tensor row_mask =
        mask.gather(1, layout.q_labels.narrow(1, r0, r).unsqueeze(-1).expand({h, r, kc}));
    covered += (per_cluster * row_mask).sum({1, 2}).to(at::kDouble);
  }
  return (covered / static_cast<double>(s)).to(at::kFloat);
}

}  // namespace svg2::attention

#include "attention/block_sparse_attention.h"

#include <ATen/ops/arange.h>
#include <ATen/ops/bmm.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/searchsorted.h>
#include <ATen/ops/softmax.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "attention/block_sparse_checks.h"
#include "attention/permutation.h"

namespace svg2::attention {
namespace {

// Bounds the [N, rows, S] score block of one reference chunk (64 MiB of fp32).
constexpr std::int64_t kReferenceChunkElements = std::int64_t{16} << 20;

// Cluster index of every permuted position: [N, S] int64 (position p is in cluster c when
// off[c] <= p < off[c+1]).
at::Tensor position_clusters(const at::Tensor& sizes, std::int64_t s) {
  const at::Tensor ends = sizes.to(at::kLong).cumsum(1).contiguous();  // off[1..C]
  const at::Tensor pos = at::arange(s, ends.options()).unsqueeze(0).expand({ends.size(0), s}).contiguous();
  return at::searchsorted(ends, pos, /*out_int32=*/false, /*right=*/true).clamp_max(sizes.size(1) - 1);
}

}  // namespace

at::Tensor block_sparse_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                  const at::Tensor& mask, const at::Tensor& q_sizes,
                                  const at::Tensor& k_sizes, std::optional<double> scale) {
  if (q.device().is_cpu()) return block_sparse_attention_cpu(q, k, v, mask, q_sizes, k_sizes, scale);
  return block_sparse_attention_reference(q, k, v, mask, q_sizes, k_sizes, scale);
}

at::Tensor block_sparse_attention_reference(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                            const at::Tensor& mask, const at::Tensor& q_sizes,
                                            const at::Tensor& k_sizes, std::optional<double> scale) {
  check_block_sparse_inputs(q, k, v, mask, q_sizes, k_sizes, "block_sparse_attention_reference");
  const std::int64_t n = q.size(0), s = q.size(1), d = q.size(2), kc = mask.size(2);
  const double sc = scale.value_or(1.0 / std::sqrt(static_cast<double>(d)));
  const at::Tensor qf = q.to(at::kFloat), kf_t = k.to(at::kFloat).transpose(1, 2), vf = v.to(at::kFloat);
  const at::Tensor q_cluster = position_clusters(q_sizes, s);  // [N, S]
  const at::Tensor k_cluster = position_clusters(k_sizes, s);  // [N, S]
  const at::Tensor mask_b = mask.to(at::kBool);
  at::Tensor out = at::empty({n, s, d}, qf.options());
  const std::int64_t rows =
      std::clamp<std::int64_t>(kReferenceChunkElements / std::max<std::int64_t>(1, n * s), 1, s);
  for (std::int64_t r0 = 0; r0 < s; r0 += rows) {
    const std::int64_t r = std::min(rows, s - r0);
    at::Tensor scores = at::bmm(qf.narrow(1, r0, r), kf_t).mul_(sc);  // [N, r, S]
    // allowed[n, a, b] = mask[n, cluster(q row a), cluster(k column b)]
    const at::Tensor row_mask = mask_b.gather(1, q_cluster.narrow(1, r0, r).unsqueeze(-1).expand({n, r, kc}));
    const at::Tensor allowed = row_mask.gather(2, k_cluster.unsqueeze(1).expand({n, r, s}));
    scores.masked_fill_(allowed.logical_not(), -std::numeric_limits<float>::infinity());
    // Rows with nothing allowed softmax to NaN; they get zeros.
    const at::Tensor probs = at::softmax(scores, -1).masked_fill_(allowed.logical_not(), 0.0);
    out.narrow(1, r0, r).copy_(at::bmm(probs, vf));
  }
  return out.to(q.scalar_type());
}

}  // namespace svg2::attention

#include "attention/block_selection.h"

#include <ATen/ops/arange.h>
#include <ATen/ops/bmm.h>
#include <ATen/ops/cat.h>
#include <ATen/ops/full.h>
#include <ATen/ops/softmax.h>
#include <ATen/ops/sort.h>
#include <ATen/ops/zeros.h>
#include <ATen/ops/zeros_like.h>

#include <algorithm>
#include <cmath>

#include "attention/shape_text.h"
#include "core/check.h"

namespace svg2::attention {
namespace {

void check_mass(const at::Tensor& mass, const char* fn) {
  SVG2_CHECK(mass.defined() && mass.dim() == 3 && mass.size(2) >= 1, "{}: mass must be [N, QC, KC], got {}",
             fn, shape_text(mass));
}

void check_sizes(const at::Tensor& sizes, std::int64_t n, std::int64_t c, const char* what) {
  SVG2_CHECK(sizes.defined() && sizes.dim() == 2 && sizes.size(0) == n && sizes.size(1) == c,
             "block selection: {} must be [N={}, C={}], got {}", what, n, c, shape_text(sizes));
}

// Key clusters of each row sorted by mass, descending; ties keep the lower index first.
at::Tensor mass_order(const at::Tensor& mass) {
  return std::get<1>(at::sort(mass, /*stable=*/true, /*dim=*/-1, /*descending=*/true));
}

// Keep the first count[n, i] clusters of each sorted row: mask[n, i, order[n, i, r]] = r < count[n, i].
at::Tensor keep_prefix(const at::Tensor& order, const at::Tensor& count) {
  const std::int64_t kc = order.size(2);
  const at::Tensor rank = at::arange(kc, order.options()).view({1, 1, kc});
  const at::Tensor keep = rank < count.unsqueeze(-1);
  return at::zeros(order.sizes(), order.options().dtype(at::kBool)).scatter_(-1, order, keep);
}

// Exclusive running sum along the last dim (the amount before each position).
at::Tensor exclusive_cumsum(const at::Tensor& x) {
  const at::Tensor inclusive = x.cumsum(-1);
  return at::cat({at::zeros_like(inclusive.narrow(-1, 0, 1)), inclusive.narrow(-1, 0, x.size(-1) - 1)}, -1);
}

}  // namespace

at::Tensor centroid_scores(const at::Tensor& cq, const at::Tensor& ck) {
  SVG2_CHECK(cq.defined() && ck.defined() && cq.dim() == 3 && ck.dim() == 3 && cq.size(0) == ck.size(0) &&
                 cq.size(2) == ck.size(2),
             "centroid_scores: need cq [N, QC, D] and ck [N, KC, D] with equal N and D, got {} and {}",
             shape_text(cq), shape_text(ck));
  const double scale = 1.0 / std::sqrt(static_cast<double>(cq.size(2)));
  return at::bmm(cq.to(at::kFloat), ck.to(at::kFloat).transpose(1, 2)).mul_(scale);
}

at::Tensor cluster_mass(const at::Tensor& scores, const at::Tensor& k_sizes) {
  check_mass(scores, "cluster_mass");
  check_sizes(k_sizes, scores.size(0), scores.size(2), "k_sizes");
  // softmax_j(s_ij + log|K_j|) = |K_j| exp(s_ij) / sum; log 0 = -inf gives empty clusters no mass.
  const at::Tensor log_size = k_sizes.to(at::kFloat).log().unsqueeze(1);
  return at::softmax(scores.to(at::kFloat) + log_size, -1);
}

KeyClusterBudget key_cluster_budget(std::int64_t key_clusters, double min_ratio, double max_ratio) {
  SVG2_CHECK(key_clusters >= 1, "attention: key_clusters must be >= 1, got {}", key_clusters);
  SVG2_CHECK(min_ratio >= 0.0 && min_ratio <= 1.0, "attention: min_kc_ratio must be in [0, 1], got {}",
             min_ratio);
  SVG2_CHECK(max_ratio > 0.0 && max_ratio <= 1.0, "attention: max_kc_ratio must be in (0, 1], got {}",
             max_ratio);
  KeyClusterBudget b;
  b.min_clusters = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::floor(min_ratio * key_clusters)));
  b.max_clusters = std::max(b.min_clusters, static_cast<std::int64_t>(std::floor(max_ratio * key_clusters)));
  b.max_clusters = std::min(b.max_clusters, key_clusters);
  b.min_clusters = std::min(b.min_clusters, b.max_clusters);
  return b;
}

at::Tensor select_top_p(const at::Tensor& mass, double top_p, KeyClusterBudget budget) {
  check_mass(mass, "select_top_p");
  SVG2_CHECK(top_p > 0.0 && top_p <= 1.0, "select_top_p: top_p must be in (0, 1], got {}", top_p);
  SVG2_CHECK(budget.min_clusters >= 1 && budget.max_clusters >= budget.min_clusters,
             "select_top_p: budget must have 1 <= min ({}) <= max ({})", budget.min_clusters,
             budget.max_clusters);
  const at::Tensor order = mass_order(mass);
  const std::int64_t kc = mass.size(2);
  at::Tensor count;
  if (top_p >= 1.0) {
    count = at::full({mass.size(0), mass.size(1)}, kc, order.options());
  } else {
    // A cluster is kept while the mass before it is still short of top_p, so the crossing cluster
    // is included and the top-1 (nothing before it) always is.
    const at::Tensor before = exclusive_cumsum(mass.to(at::kFloat).gather(-1, order));
    count = (before < top_p).sum(-1);
  }
  count = count.clamp(budget.min_clusters, std::min(budget.max_clusters, kc));
  return keep_prefix(order, count);
}

at::Tensor select_fixed_density(const at::Tensor& mass, const at::Tensor& k_sizes, double density) {
  check_mass(mass, "select_fixed_density");
  check_sizes(k_sizes, mass.size(0), mass.size(2), "k_sizes");
  SVG2_CHECK(density > 0.0 && density <= 1.0, "select_fixed_density: density must be in (0, 1], got {}",
             density);
  const at::Tensor order = mass_order(mass);
  const at::Tensor sizes = k_sizes.to(at::kLong).unsqueeze(1).expand(order.sizes()).gather(-1, order);
  const at::Tensor before = exclusive_cumsum(sizes).to(at::kDouble);
  const at::Tensor target =
      k_sizes.to(at::kLong).sum(-1).to(at::kDouble).mul(density).view({mass.size(0), 1, 1});
  const at::Tensor count = (before < target).sum(-1).clamp_min(1);
  return keep_prefix(order, count);
}

at::Tensor block_density(const at::Tensor& mask, const at::Tensor& q_sizes, const at::Tensor& k_sizes) {
  check_mass(mask, "block_density");
  const std::int64_t n = mask.size(0);
  check_sizes(q_sizes, n, mask.size(1), "q_sizes");
  check_sizes(k_sizes, n, mask.size(2), "k_sizes");
  const at::Tensor qs = q_sizes.to(at::kDouble);
  const at::Tensor ks = k_sizes.to(at::kDouble);
  // sum_ij M_ij |Q_i| |K_j| = sum_i |Q_i| (M_i . |K|), one batched mat-vec.
  const at::Tensor covered = at::bmm(mask.to(at::kDouble), ks.unsqueeze(-1)).squeeze(-1).mul(qs).sum(-1);
  const at::Tensor total = qs.sum(-1) * ks.sum(-1);
  return (covered / total).to(at::kFloat);
}

}  // namespace svg2::attention

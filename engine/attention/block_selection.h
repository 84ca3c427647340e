#pragma once
// Which (query cluster x key cluster) blocks to compute: centroid-pair scores, size-weighted
// softmax, per-row top-p or fixed density. Shapes and semantics: docs/attention.md "Block selection".
#include <ATen/core/Tensor.h>

#include <cstdint>

namespace svg2::attention {

// s_ij = cq_i . ck_j / sqrt(D): cq [N, QC, D], ck [N, KC, D] -> [N, QC, KC] fp32.
at::Tensor centroid_scores(const at::Tensor& cq, const at::Tensor& ck);

// p_ij = |K_j| exp(s_ij) / sum_j' |K_j'| exp(s_ij'): scores [N, QC, KC], k_sizes [N, KC] int64 ->
// [N, QC, KC] fp32, rows sum to 1, empty key clusters get 0.
at::Tensor cluster_mass(const at::Tensor& scores, const at::Tensor& k_sizes);

struct KeyClusterBudget {
  std::int64_t min_clusters = 1;  // per query cluster, never fewer (>= 1: the top-1 is always kept)
  std::int64_t max_clusters = 1;  // per query cluster, never more
};
// min = max(1, floor(min_ratio * KC)), max = max(min, floor(max_ratio * KC)).
KeyClusterBudget key_cluster_budget(std::int64_t key_clusters, double min_ratio, double max_ratio);

// Per row, the shortest prefix of key clusters (sorted by mass, descending, ties to the lower index)
// whose cumulative mass reaches top_p, clamped to the budget. top_p = 1 keeps every key cluster.
// mass [N, QC, KC] -> mask [N, QC, KC] bool.
at::Tensor select_top_p(const at::Tensor& mass, double top_p, KeyClusterBudget budget);

// Per row, key clusters in the same mass order until they cover at least density * S key tokens
// (S = sum of k_sizes), so each row overshoots by less than one cluster. Ignores top_p and budget.
at::Tensor select_fixed_density(const at::Tensor& mass, const at::Tensor& k_sizes, double density);

// sum_ij M_ij |Q_i| |K_j| / S^2 per problem: [N] fp32.
at::Tensor block_density(const at::Tensor& mask, const at::Tensor& q_sizes, const at::Tensor& k_sizes);

}  // namespace svg2::attention

#include <ATen/ops/arange.h>
#include <ATen/ops/zeros.h>

#include "attention/baselines.h"
#include "attention/block_selection.h"
#include "attention/kmeans.h"

namespace svg2::attention {

BlockTopKBackend::BlockTopKBackend(AttentionConfig config) : config_(std::move(config)) {
  validate(config_);
}

SparseLayout BlockTopKBackend::plan(const at::Tensor& q, const at::Tensor& k, const at::Tensor&,
                                    const AttentionContext&, int, StageClock& clock,
                                    AttentionStageTimes& times) {
  const std::int64_t heads = q.size(0), tokens = q.size(1), dim = q.size(2);
  const std::int64_t block = config_.block_size;
  const std::int64_t blocks = (tokens + block - 1) / block;  // the last block may be shorter
  const at::Tensor labels = at::arange(tokens, q.options().dtype(at::kLong))
                                .div(block, "floor")
                                .unsqueeze(0)
                                .expand({heads, tokens})
                                .contiguous();
  // Mean-pooling is a k-means update with the positional blocks as clusters.
  const at::Tensor none = at::zeros({heads, blocks, dim}, q.options().dtype(at::kFloat));
  KMeansUpdate pooled_q = kmeans_update(q, labels, none);
  KMeansUpdate pooled_k = kmeans_update(k, labels, none);
  const at::Tensor mass =
      cluster_mass(centroid_scores(pooled_q.centroids, pooled_k.centroids), pooled_k.sizes);
  SparseLayout layout;
  if (config_.fixed_density) {
    layout.mask = select_fixed_density(mass, pooled_k.sizes, *config_.fixed_density);
  } else {
    layout.mask = select_top_p(mass, config_.top_p,
                               key_cluster_budget(blocks, config_.min_kc_ratio, config_.max_kc_ratio));
  }
  times.select_ms += clock.lap();
  layout.q_labels = labels;
  layout.k_labels = labels;
  layout.q_sizes = std::move(pooled_q.sizes);
  layout.k_sizes = std::move(pooled_k.sizes);
  layout.token_order = true;
  return layout;
}

}  // namespace svg2::attention

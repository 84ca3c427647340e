#pragma once
// The SVG2 reference backend through LibTorch ops (fast CPU path included): per batch element and
// head, k-means on Q and on K (warm-started from the per-(job, layer, branch) centroid cache),
// top-p or fixed-density block selection, permutation, block-sparse attention, inverse
// permutation. The policy (dense steps/layers) wraps it: see attention/factory.h.
#include <memory>
#include <mutex>
#include <optional>

#include "attention/backend.h"
#include "attention/centroid_cache.h"
#include "attention/cluster_counts.h"
#include "attention/kmeans.h"
#include "attention/sparse_backend.h"
#include "svg2/attention_config.h"

namespace svg2::attention {

// Seed of one clustering: the config seed mixed with the layer, branch and which side (0 = Q,
// 1 = K), so layers do not all start from the same tokens and a seed reproduces a render.
std::uint64_t clustering_seed(std::uint64_t seed, int layer, int branch, int side);

// Initial centroids [N, C, D] for x [N, S, D] by the configured init.
at::Tensor initial_centroids(const at::Tensor& x, std::int64_t clusters, KMeansInit init, std::uint64_t seed);

class Svg2Backend final : public SparseBackend {
 public:
  explicit Svg2Backend(AttentionConfig config);  // validates

  void warm_up(const at::Tensor& q, const at::Tensor& k, const AttentionContext& ctx) override;
  void reset() override;
  std::string name() const override { return "svg2"; }

  // For tests and the inspector: the centroids cached for (job, layer, branch), if any.
  std::optional<CachedCentroids> cached_centroids(std::uint64_t job, int layer, int branch) const;
  std::size_t cache_entries() const;

 protected:
  SparseLayout plan(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                    const AttentionContext& ctx, int b, StageClock& clock,
                    AttentionStageTimes& times) override;

 private:
  struct Clustering {
    KMeansResult query, key;
  };
  // k-means of one batch element's q, k [H, S, D], warm-started from (and stored back into) the cache.
  Clustering cluster(const at::Tensor& q, const at::Tensor& k, const AttentionContext& ctx, int b);

  AttentionConfig config_;
  mutable std::mutex mutex_;
  CentroidCache cache_;
};

}  // namespace svg2::attention

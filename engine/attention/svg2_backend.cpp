#include "attention/svg2_backend.h"

#include "attention/block_selection.h"
#include "attention/input_checks.h"

namespace svg2::attention {
namespace {

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

std::uint64_t clustering_seed(std::uint64_t seed, int layer, int branch, int side) {
  std::uint64_t h = splitmix64(seed);
  h = splitmix64(h ^ static_cast<std::uint64_t>(layer));
  h = splitmix64(h ^ static_cast<std::uint64_t>(branch));
  return splitmix64(h ^ static_cast<std::uint64_t>(side));
}

at::Tensor initial_centroids(const at::Tensor& x, std::int64_t clusters, KMeansInit init,
                             std::uint64_t seed) {
  return init == KMeansInit::KMeansPlusPlus ? kmeans_init_plus_plus(x, clusters, seed)
                                            : kmeans_init_random(x, clusters, seed);
}

Svg2Backend::Svg2Backend(AttentionConfig config) : config_(std::move(config)) {
  validate(config_);
}

Svg2Backend::Clustering Svg2Backend::cluster(const at::Tensor& q, const at::Tensor& k,
                                             const AttentionContext& ctx, int b) {
  const std::int64_t heads = q.size(0), tokens = q.size(1), dim = q.size(2);
  const ClusterCounts counts = effective_cluster_counts(tokens, config_.query_clusters, config_.key_clusters);
  const CentroidKey key{ctx.job_id, ctx.layer, ctx.branch_of(b)};
  at::Tensor q_init, k_init;
  int iterations = config_.kmeans_iters_init;
  {
    std::lock_guard lock(mutex_);
    cache_.begin_job(ctx.job_id);
    const CachedCentroids* c = cache_.find(key, heads, counts.query, counts.key, dim);
    // A branch without centroids of its own starts from another branch's, as in the reference.
    if (c == nullptr) c = cache_.find_other_branch(key, heads, counts.query, counts.key, dim);
    if (c != nullptr) {
      q_init = c->query.to(q.device());
      k_init = c->key.to(k.device());
      iterations = config_.kmeans_iters_step;
    }
  }
  if (!q_init.defined()) {
    q_init = initial_centroids(q, counts.query, config_.kmeans_init,
                               clustering_seed(config_.seed, key.layer, key.branch, 0));
    k_init = initial_centroids(k, counts.key, config_.kmeans_init,
                               clustering_seed(config_.seed, key.layer, key.branch, 1));
  }
  Clustering c{kmeans(q, q_init, iterations), kmeans(k, k_init, iterations)};
  std::lock_guard lock(mutex_);
  cache_.store(key, {c.query.centroids, c.key.centroids});
  return c;
}

SparseLayout Svg2Backend::plan(const at::Tensor& q, const at::Tensor& k, const at::Tensor&,
                               const AttentionContext& ctx, int b, StageClock& clock,
                               AttentionStageTimes& times) {
  Clustering c = cluster(q, k, ctx, b);
  times.kmeans_ms += clock.lap();
  const at::Tensor mass = cluster_mass(centroid_scores(c.query.centroids, c.key.centroids), c.key.sizes);
  SparseLayout layout;
  if (config_.fixed_density) {
    layout.mask = select_fixed_density(mass, c.key.sizes, *config_.fixed_density);
  } else {
    const KeyClusterBudget budget =
        key_cluster_budget(mass.size(2), config_.min_kc_ratio, config_.max_kc_ratio);
    layout.mask = select_top_p(mass, config_.top_p, budget);
  }
  times.select_ms += clock.lap();
  layout.q_labels = std::move(c.query.labels);
  layout.k_labels = std::move(c.key.labels);
  layout.q_sizes = std::move(c.query.sizes);
  layout.k_sizes = std::move(c.key.sizes);
  layout.q_inertia = std::move(c.query.inertia);
  layout.k_inertia = std::move(c.key.inertia);
  return layout;
}

void Svg2Backend::warm_up(const at::Tensor& q, const at::Tensor& k, const AttentionContext& ctx) {
  check_attention_inputs(q, k, k, "svg2 warm-up");
  for (int b = 0; b < q.size(0); ++b) cluster(q[b].contiguous(), k[b].contiguous(), ctx, b);
}

void Svg2Backend::reset() {
  std::lock_guard lock(mutex_);
  cache_.clear();
}

std::optional<CachedCentroids> Svg2Backend::cached_centroids(std::uint64_t job, int layer, int branch) const {
  std::lock_guard lock(mutex_);
  const CachedCentroids* c = cache_.get({job, layer, branch});
  return c ? std::optional<CachedCentroids>(*c) : std::nullopt;
}

std::size_t Svg2Backend::cache_entries() const {
  std::lock_guard lock(mutex_);
  return cache_.size();
}

}  // namespace svg2::attention

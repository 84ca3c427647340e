// The SVG2 attention backend on CUDA devices: the whole pipeline (k-means of Q and K warm-started
// from the centroid cache, block selection, block-sparse attention with fused permutations) runs on
// the kernels library, with the reference backend's semantics (attention/svg2_backend.h): same
// cold-start centroids and seeds, same per-(job, layer, branch) cache, same cluster counts, budget
// and selection. Inputs the kernels cannot take (head dims other than 64/128) go to the reference
// backend on the device.
#include "attention/svg2_cuda_backend.h"

#include <ATen/ops/cat.h>
#include <ATen/ops/empty_like.h>

#include <cmath>
#include <cstdlib>
#include <mutex>

#include "attention/block_selection.h"
#include "attention/centroid_cache.h"
#include "attention/cluster_counts.h"
#include "attention/cuda/svg2_cuda_backend_options.h"
#include "attention/cuda/svg2_cuda_pipeline.h"
#include "attention/input_checks.h"
#include "attention/kmeans.h"
#include "attention/sparse_backend.h"
#include "attention/stage_clock.h"
#include "attention/svg2_backend.h"
#include "attention/telemetry_recorder.h"
#include "core/check.h"
#include "svg2k/status.h"

namespace svg2::attention {
namespace {

using cuda::AttentionKernelChoice;
using cuda::PipelineShape;
using cuda::Svg2CudaPipeline;

class Svg2CudaBackend final : public AttentionBackend {
 public:
  Svg2CudaBackend(const AttentionConfig& config, const Svg2CudaBackendOptions& options)
      : config_(config), options_(options), reference_(config) {}

  at::Tensor forward(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                     const AttentionContext& ctx) override {
    check_attention_inputs(q, k, v, "svg2-cuda");
    SVG2_CHECK(ctx.branches.empty() || static_cast<std::int64_t>(ctx.branches.size()) == q.size(0),
               "svg2-cuda: the context has {} CFG branches for a batch of {}", ctx.branches.size(),
               q.size(0));
    if (options_.reference_stages) return reference_.forward(q, k, v, ctx);
    if (cuda::kernels_support(q, k, v)) return run(q, k, &v, ctx);
    if (kernel_head_dim(q)) {
      // Right head dim, other dtype or layout: the kernels on bf16 copies.
      const at::Tensor qb = bf16(q), kb = bf16(k), vb = bf16(v);
      if (cuda::kernels_support(qb, kb, vb)) return run(qb, kb, &vb, ctx).to(q.scalar_type());
    }
    return reference_.forward(q, k, v, ctx);
  }

  // k-means only (dense steps with kmeans_during_dense): warms the cache like the reference.
  void warm_up(const at::Tensor& q, const at::Tensor& k, const AttentionContext& ctx) override {
    check_attention_inputs(q, k, k, "svg2-cuda warm-up");
    if (options_.reference_stages) return reference_.warm_up(q, k, ctx);
    if (cuda::kernels_support(q, k, k)) {
      run(q, k, nullptr, ctx);
      return;
    }
    if (kernel_head_dim(q)) {
      const at::Tensor qb = bf16(q), kb = bf16(k);
      if (cuda::kernels_support(qb, kb, kb)) {
        run(qb, kb, nullptr, ctx);
        return;
      }
    }
    reference_.warm_up(q, k, ctx);
  }

  void reset() override {
    std::lock_guard lock(mutex_);
    cache_.clear();
    reference_.reset();
  }
  std::string name() const override { return "svg2-cuda"; }

 private:
  static bool kernel_head_dim(const at::Tensor& q) { return q.size(3) == 64 || q.size(3) == 128; }
  static at::Tensor bf16(const at::Tensor& t) { return t.to(at::kBFloat16).contiguous(); }

  cuda::SelectionSettings selection(const ClusterCounts& counts) const {
    cuda::SelectionSettings s;
    if (config_.fixed_density) {
      s.fixed_density = config_.fixed_density;
      s.min_clusters = 1;
      s.max_clusters = counts.key;
    } else {
      const KeyClusterBudget budget =
          key_cluster_budget(counts.key, config_.min_kc_ratio, config_.max_kc_ratio);
      s.top_p = config_.top_p;
      s.min_clusters = budget.min_clusters;
      s.max_clusters = budget.max_clusters;
    }
    return s;
  }

  // Centroids of batch element b: the cached ones (warm) or the reference's cold start.
  CachedCentroids start_centroids(const at::Tensor& q, const at::Tensor& k, std::int64_t b,
                                  const CentroidKey& key, const ClusterCounts& counts, int* iterations) {
    const std::int64_t heads = q.size(1), dim = q.size(3);
    if (const CachedCentroids* c = cache_.find(key, heads, counts.query, counts.key, dim)) {
      *iterations = config_.kmeans_iters_step;
      return {c->query.to(q.device(), at::kFloat).contiguous(),
              c->key.to(q.device(), at::kFloat).contiguous()};
    }
    *iterations = config_.kmeans_iters_init;
    const std::uint64_t seed_q = clustering_seed(config_.seed, key.layer, key.branch, 0);
    const std::uint64_t seed_k = clustering_seed(config_.seed, key.layer, key.branch, 1);
    return {initial_centroids(q[b], counts.query, config_.kmeans_init, seed_q).to(at::kFloat).contiguous(),
            initial_centroids(k[b], counts.key, config_.kmeans_init, seed_k).to(at::kFloat).contiguous()};
  }

  // The whole batch when every element has the same iteration count (the usual case: CFG branches
  // start together), else one element at a time. v == nullptr: clustering only (warm-up).
  at::Tensor run(const at::Tensor& q, const at::Tensor& k, const at::Tensor* v, const AttentionContext& ctx) {
    std::lock_guard lock(mutex_);
    const std::int64_t batch = q.size(0), tokens = q.size(2);
    const ClusterCounts counts =
        effective_cluster_counts(tokens, config_.query_clusters, config_.key_clusters);
    cache_.begin_job(ctx.job_id);
    std::vector<CentroidKey> keys;
    std::vector<CachedCentroids> start;
    std::vector<int> iterations(static_cast<std::size_t>(batch));
    bool same = true;
    for (std::int64_t b = 0; b < batch; ++b) {
      keys.push_back(CentroidKey{ctx.job_id, ctx.layer, ctx.branch_of(static_cast<int>(b))});
      start.push_back(start_centroids(q, k, b, keys.back(), counts, &iterations[b]));
      same = same && iterations[b] == iterations[0];
    }
    at::Tensor out = v ? at::empty_like(*v) : at::Tensor();
    if (same) {
      run_group(q, k, v, out, ctx, keys, start, 0, batch, iterations[0], counts);
    } else {
      for (std::int64_t b = 0; b < batch; ++b) {
        at::Tensor ob = v ? out.narrow(0, b, 1) : at::Tensor();
        const at::Tensor vb = v ? v->narrow(0, b, 1) : at::Tensor();
        run_group(q.narrow(0, b, 1), k.narrow(0, b, 1), v ? &vb : nullptr, ob, ctx, keys, start, b, 1,
                  iterations[b], counts);
      }
    }
    return out;
  }

  // Batch elements [b0, b0 + n) of `keys`/`start` (q, k, v hold exactly those elements).
  void run_group(const at::Tensor& q, const at::Tensor& k, const at::Tensor* v, at::Tensor& out,
                 const AttentionContext& ctx, const std::vector<CentroidKey>& keys,
                 const std::vector<CachedCentroids>& start, std::int64_t b0, std::int64_t n, int iterations,
                 const ClusterCounts& counts) {
    const std::int64_t heads = q.size(1), tokens = q.size(2), dim = q.size(3);
    TelemetryRecorder* rec = ctx.telemetry != nullptr && ctx.telemetry->enabled() ? ctx.telemetry : nullptr;
    StageClock clock(rec != nullptr && rec->stage_times(), q.device());
    AttentionStageTimes times;
    pipeline_.prepare(PipelineShape{n, heads, tokens, dim, counts.query, counts.key}, q.device());
    // Working centroids: the started tensors themselves when n == 1, else gathered.
    at::Tensor qc = n == 1 ? start[b0].query : gather(start, b0, n, true);
    at::Tensor kc = n == 1 ? start[b0].key : gather(start, b0, n, false);
    pipeline_.cluster_queries(q, qc, iterations);
    pipeline_.cluster_keys(k, kc, iterations);
    times.kmeans_ms = clock.lap();
    for (std::int64_t i = 0; i < n; ++i) {
      cache_.store(keys[b0 + i], {n == 1 ? qc : qc.narrow(0, i * heads, heads).clone(),
                                  n == 1 ? kc : kc.narrow(0, i * heads, heads).clone()});
    }
    if (v == nullptr) return;
    pipeline_.select(qc, kc, selection(counts), /*with_mask=*/rec != nullptr);
    times.select_ms = clock.lap();
    pipeline_.attend(q, k, *v, out, options_.kernel, 1.0 / std::sqrt(static_cast<double>(dim)));
    times.attention_ms = clock.lap();
    if (rec != nullptr) record(ctx, q, k, qc, kc, b0, n, times);
  }

  static at::Tensor gather(const std::vector<CachedCentroids>& start, std::int64_t b0, std::int64_t n,
                           bool query) {
    std::vector<at::Tensor> parts;
    for (std::int64_t i = 0; i < n; ++i) parts.push_back(query ? start[b0 + i].query : start[b0 + i].key);
    return at::cat(parts, 0).contiguous();
  }

  // Telemetry in the reference's form (attention/sparse_backend.h), from copies of the pipeline's
  // buffers (the recorder keeps device tensors until it drains). Times of a batched call are split
  // evenly over its elements.
  void record(const AttentionContext& ctx, const at::Tensor& q, const at::Tensor& k, const at::Tensor& qc,
              const at::Tensor& kc, std::int64_t b0, std::int64_t n, AttentionStageTimes times) {
    const cuda::PipelineResults r = pipeline_.results();
    const std::int64_t heads = q.size(1), tokens = q.size(2), dim = q.size(3);
    const double share = 1.0 / static_cast<double>(n);
    times.kmeans_ms *= share;
    times.select_ms *= share;
    times.attention_ms *= share;
    for (std::int64_t i = 0; i < n; ++i) {
      SparseLayout layout;
      layout.q_labels = r.q_labels.narrow(0, i * heads, heads).to(at::kLong);
      layout.k_labels = r.k_labels.narrow(0, i * heads, heads).to(at::kLong);
      layout.q_sizes = r.q_sizes.narrow(0, i * heads, heads).to(at::kLong);
      layout.k_sizes = r.k_sizes.narrow(0, i * heads, heads).to(at::kLong);
      layout.mask = r.mask.narrow(0, i * heads, heads).to(at::kBool);
      const at::Tensor qi = q[i].reshape({heads, tokens, dim}), ki = k[i].reshape({heads, tokens, dim});
      layout.q_inertia = kmeans_inertia(qi, layout.q_labels, qc.narrow(0, i * heads, heads));
      layout.k_inertia = kmeans_inertia(ki, layout.k_labels, kc.narrow(0, i * heads, heads));
      record_sparse_call(ctx, static_cast<int>(b0 + i), layout, times);
    }
  }

  AttentionConfig config_;
  Svg2CudaBackendOptions options_;
  Svg2Backend reference_;
  std::mutex mutex_;
  CentroidCache cache_;
  Svg2CudaPipeline pipeline_;
};

}  // namespace

bool svg2_cuda_backend_available() {
  return svg2k::device_count() > 0;
}

std::unique_ptr<AttentionBackend> make_svg2_cuda_backend(const AttentionConfig& config) {
  // SVG2_CUDA_ATTENTION_KERNEL=auto|hopper|hopper-simple|ampere picks the attention kernel
  // (for comparisons); auto = hopper-simple on sm_90, ampere elsewhere.
  Svg2CudaBackendOptions options;
  if (const char* env = std::getenv("SVG2_CUDA_ATTENTION_KERNEL"); env && *env)
    options.kernel = cuda::attention_kernel_from_string(env);
  return make_svg2_cuda_backend(config, options);
}

std::unique_ptr<AttentionBackend> make_svg2_cuda_backend(const AttentionConfig& config,
                                                         const Svg2CudaBackendOptions& options) {
  if (config.mode != AttentionMode::Svg2 || !svg2_cuda_backend_available()) return nullptr;
  return std::make_unique<Svg2CudaBackend>(config, options);
}

}  // namespace svg2::attention

// The SVG2 attention backend on CUDA devices: the whole pipeline (k-means of Q and K warm-started
// from a centroid cache, block selection, block-sparse attention with fused permutations) runs on
// the kernels library. Inputs the kernels cannot take (head dims other than 64/128, odd layouts)
// run the same algorithm through the LibTorch stage functions, with the same cache.
#include "attention/svg2_cuda_backend.h"

#include <ATen/ops/empty.h>
#include <ATen/ops/empty_like.h>

#include <cmath>
#include <cstdlib>
#include <map>
#include <tuple>

#include "attention/block_selection.h"
#include "attention/block_sparse_attention.h"
#include "attention/cluster_counts.h"
#include "attention/cuda/svg2_cuda_backend_options.h"
#include "attention/cuda/svg2_cuda_pipeline.h"
#include "attention/kmeans.h"
#include "attention/permutation.h"
#include "core/check.h"
#include "svg2k/status.h"

namespace svg2::attention {
namespace {

using cuda::AttentionKernelChoice;
using cuda::PipelineShape;
using cuda::Svg2CudaPipeline;

// Seed of the cold-start initialisation of one (layer, branch, Q/K) clustering: the job's seed
// mixed with where the call happens, so layers and branches start from different tokens.
std::uint64_t init_seed(std::uint64_t seed, int layer, int branch, bool keys) {
  std::uint64_t z =
      seed + 0x9E3779B97F4A7C15ULL * (static_cast<std::uint64_t>(layer) * 4 +
                                      static_cast<std::uint64_t>(branch) * 2 + (keys ? 1 : 0) + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

class Svg2CudaBackend final : public AttentionBackend {
 public:
  Svg2CudaBackend(const AttentionConfig& config, const Svg2CudaBackendOptions& options)
      : config_(config), kernel_(options.kernel), reference_stages_(options.reference_stages) {}

  at::Tensor forward(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                     const AttentionContext& ctx) override {
    SVG2_CHECK(q.defined() && k.defined() && v.defined() && q.dim() == 4 && q.sizes() == k.sizes() &&
                   q.sizes() == v.sizes(),
               "svg2-cuda attention: q, k, v must be [B, H, S, D] of one shape, got {}, {}, {}", text(q),
               text(k), text(v));
    SVG2_CHECK(q.is_cuda() && k.device() == q.device() && v.device() == q.device(),
               "svg2-cuda attention: q, k, v must be on one CUDA device, got {}, {}, {}", q.device().str(),
               k.device().str(), v.device().str());
    const std::int64_t batch = q.size(0);
    SVG2_CHECK(ctx.branches.empty() || static_cast<std::int64_t>(ctx.branches.size()) == batch,
               "svg2-cuda attention: context has {} CFG branches for a batch of {}", ctx.branches.size(),
               batch);
    if (reference_stages_) return forward_reference(q, k, v, ctx);
    if (cuda::kernels_support(q, k, v)) return forward_kernels(q, k, v, ctx);
    if (q.size(3) == 64 || q.size(3) == 128) {
      // Same shape, wrong dtype or layout: run the kernels on bf16 contiguous copies.
      const auto prep = [](const at::Tensor& t) { return t.to(at::kBFloat16).contiguous(); };
      const at::Tensor qb = prep(q), kb = prep(k), vb = prep(v);
      if (cuda::kernels_support(qb, kb, vb)) return forward_kernels(qb, kb, vb, ctx).to(q.scalar_type());
    }
    return forward_reference(q, k, v, ctx);
  }

  void reset() override { cache_.clear(); }
  std::string name() const override { return "svg2-cuda"; }

 private:
  // Centroids of one (job, layer, CFG branch): fp32 [H, C, D] on the device.
  struct CentroidState {
    at::Tensor q, k;
  };
  using CacheKey = std::tuple<std::uint64_t, int, int>;

  static std::string text(const at::Tensor& t) {
    if (!t.defined()) return "undefined";
    std::string s = "[";
    for (std::int64_t i = 0; i < t.dim(); ++i) s += (i ? ", " : "") + std::to_string(t.size(i));
    return s + "]";
  }

  at::Tensor init_centroids(const at::Tensor& x, std::int64_t clusters, std::uint64_t seed) const {
    return config_.kmeans_init == KMeansInit::KMeansPlusPlus ? kmeans_init_plus_plus(x, clusters, seed)
                                                             : kmeans_init_random(x, clusters, seed);
  }

  // The cached state of batch element b, initialised on a cold start; returns the iteration count.
  int state_for(const at::Tensor& q, const at::Tensor& k, std::int64_t b, const AttentionContext& ctx,
                const ClusterCounts& counts, CentroidState*& state) {
    const int branch = ctx.branch_of(static_cast<int>(b));
    state = &cache_[CacheKey{ctx.job_id, ctx.layer, branch}];
    const std::int64_t heads = q.size(1), dim = q.size(3);
    const bool warm = state->q.defined() && state->q.size(0) == heads && state->q.size(1) == counts.query &&
                      state->q.size(2) == dim && state->k.size(1) == counts.key &&
                      state->q.device() == q.device();
    if (warm) return config_.kmeans_iters_step;
    state->q = init_centroids(q[b], counts.query, init_seed(config_.seed, ctx.layer, branch, false))
                   .to(q.device(), at::kFloat)
                   .contiguous();
    state->k = init_centroids(k[b], counts.key, init_seed(config_.seed, ctx.layer, branch, true))
                   .to(k.device(), at::kFloat)
                   .contiguous();
    return config_.kmeans_iters_init;
  }

  cuda::SelectionSettings selection(const ClusterCounts& counts) const {
    const KeyClusterBudget budget =
        key_cluster_budget(counts.key, config_.min_kc_ratio, config_.max_kc_ratio);
    cuda::SelectionSettings s;
    s.top_p = config_.top_p;
    s.min_clusters = budget.min_clusters;
    s.max_clusters = budget.max_clusters;
    s.fixed_density = config_.fixed_density;
    return s;
  }

  at::Tensor forward_kernels(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                             const AttentionContext& ctx) {
    const std::int64_t batch = q.size(0), heads = q.size(1), tokens = q.size(2), dim = q.size(3);
    const ClusterCounts counts =
        effective_cluster_counts(tokens, config_.query_clusters, config_.key_clusters);
    std::vector<CentroidState*> states(static_cast<std::size_t>(batch));
    std::vector<int> iterations(static_cast<std::size_t>(batch));
    bool same_iterations = true;
    for (std::int64_t b = 0; b < batch; ++b) {
      iterations[b] = state_for(q, k, b, ctx, counts, states[b]);
      same_iterations = same_iterations && iterations[b] == iterations[0];
    }
    at::Tensor out = at::empty_like(q);
    if (same_iterations) {
      run(q, k, v, out, states, 0, batch, iterations[0], counts);
    } else {
      for (std::int64_t b = 0; b < batch; ++b) {
        at::Tensor ob = out.narrow(0, b, 1);
        run(q.narrow(0, b, 1), k.narrow(0, b, 1), v.narrow(0, b, 1), ob, states, b, 1, iterations[b], counts);
      }
    }
    (void)heads;
    (void)dim;
    return out;
  }

  // Batch elements [b0, b0 + n) of the cache run together: their centroids are gathered into
  // one working buffer (no copy when n == 1) and written back after the clustering.
  void run(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, at::Tensor& out,
           const std::vector<CentroidState*>& states, std::int64_t b0, std::int64_t n, int iterations,
           const ClusterCounts& counts) {
    const std::int64_t heads = q.size(1), tokens = q.size(2), dim = q.size(3);
    pipeline_.prepare(PipelineShape{n, heads, tokens, dim, counts.query, counts.key}, q.device());
    at::Tensor qc, kc;
    if (n == 1) {
      qc = states[b0]->q;
      kc = states[b0]->k;
    } else {
      qc = working(q_work_, {n * heads, counts.query, dim}, q.device());
      kc = working(k_work_, {n * heads, counts.key, dim}, q.device());
      for (std::int64_t i = 0; i < n; ++i) {
        qc.narrow(0, i * heads, heads).copy_(states[b0 + i]->q);
        kc.narrow(0, i * heads, heads).copy_(states[b0 + i]->k);
      }
    }
    pipeline_.cluster_queries(q, qc, iterations);
    pipeline_.cluster_keys(k, kc, iterations);
    if (n > 1) {
      for (std::int64_t i = 0; i < n; ++i) {
        states[b0 + i]->q.copy_(qc.narrow(0, i * heads, heads));
        states[b0 + i]->k.copy_(kc.narrow(0, i * heads, heads));
      }
    }
    pipeline_.select(qc, kc, selection(counts), /*with_mask=*/false);
    pipeline_.attend(q, k, v, out, kernel_, 1.0 / std::sqrt(static_cast<double>(dim)));
  }

  static at::Tensor working(at::Tensor& buffer, std::vector<std::int64_t> sizes, const at::Device& device) {
    std::int64_t numel = 1;
    for (std::int64_t s : sizes) numel *= s;
    if (!buffer.defined() || buffer.device() != device || buffer.numel() < numel)
      buffer = at::empty({numel}, at::TensorOptions().dtype(at::kFloat).device(device));
    return buffer.narrow(0, 0, numel).view(sizes);
  }

  // Any head dim or layout: the LibTorch stage functions on the device, same cache and policy.
  at::Tensor forward_reference(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                               const AttentionContext& ctx) {
    const std::int64_t batch = q.size(0), heads = q.size(1), tokens = q.size(2), dim = q.size(3);
    const ClusterCounts counts =
        effective_cluster_counts(tokens, config_.query_clusters, config_.key_clusters);
    const KeyClusterBudget budget =
        key_cluster_budget(counts.key, config_.min_kc_ratio, config_.max_kc_ratio);
    at::Tensor out = at::empty_like(q);
    for (std::int64_t b = 0; b < batch; ++b) {
      CentroidState* state = nullptr;
      const int iterations = state_for(q, k, b, ctx, counts, state);
      const at::Tensor qb = q[b], kb = k[b], vb = v[b];
      KMeansResult rq = kmeans(qb, state->q, iterations);
      KMeansResult rk = kmeans(kb, state->k, iterations);
      state->q = rq.centroids.contiguous();
      state->k = rk.centroids.contiguous();
      const at::Tensor mass = cluster_mass(centroid_scores(rq.centroids, rk.centroids), rk.sizes);
      const at::Tensor mask = config_.fixed_density
                                  ? select_fixed_density(mass, rk.sizes, *config_.fixed_density)
                                  : select_top_p(mass, config_.top_p, budget);
      const at::Tensor pq = cluster_permutation(rq.labels), pk = cluster_permutation(rk.labels);
      const at::Tensor o = block_sparse_attention(permute_tokens(qb, pq), permute_tokens(kb, pk),
                                                  permute_tokens(vb, pk), mask, rq.sizes, rk.sizes);
      out[b].copy_(inverse_permute_tokens(o, pq));
    }
    (void)heads;
    (void)dim;
    return out;
  }

  AttentionConfig config_;
  AttentionKernelChoice kernel_;
  bool reference_stages_;
  std::map<CacheKey, CentroidState> cache_;
  Svg2CudaPipeline pipeline_;
  at::Tensor q_work_, k_work_;
};

}  // namespace

bool svg2_cuda_backend_available() {
  return svg2k::device_count() > 0;
}

std::unique_ptr<AttentionBackend> make_svg2_cuda_backend(const AttentionConfig& config) {
  if (config.mode != AttentionMode::Svg2 || !svg2_cuda_backend_available()) return nullptr;
  // SVG2_CUDA_ATTENTION_KERNEL=auto|hopper|hopper-simple|ampere picks the attention kernel
  // (for comparisons); auto = wgmma on Hopper, mma.sync elsewhere.
  AttentionKernelChoice kernel = AttentionKernelChoice::Auto;
  if (const char* env = std::getenv("SVG2_CUDA_ATTENTION_KERNEL"); env && *env)
    kernel = cuda::attention_kernel_from_string(env);
  return make_svg2_cuda_backend(config, Svg2CudaBackendOptions{kernel, false});
}

std::unique_ptr<AttentionBackend> make_svg2_cuda_backend(const AttentionConfig& config,
                                                         const Svg2CudaBackendOptions& options) {
  if (config.mode != AttentionMode::Svg2 || !svg2_cuda_backend_available()) return nullptr;
  validate(config);
  return std::make_unique<Svg2CudaBackend>(config, options);
}

}  // namespace svg2::attention

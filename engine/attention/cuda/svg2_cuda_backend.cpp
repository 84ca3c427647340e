// The SVG2 attention backend on CUDA devices: the whole pipeline (k-means of Q and K warm-started
// from the centroid cache, block selection, block-sparse attention with fused permutations) runs on
// the kernels library, with the reference backend's semantics (attention/svg2_backend.h): same
// cold-start centroids and seeds, same per-(job, layer, branch) cache, same cluster counts, budget
// and selection. Inputs the kernels cannot take (head dims other than 64/128) go to the reference
// backend on the device.
#include "attention/svg2_cuda_backend.h"

#include <ATen/ops/empty.h>
#include <ATen/ops/empty_like.h>

#include <cmath>
#include <cstdlib>
#include <mutex>
#include <vector>

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
#include "attention/svg2_cuda_backend_arena.h"
#include "attention/svg2_cuda_backend_inertia.h"
#include "attention/svg2_cuda_backend_start.h"
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

  // Centroids of batch element b, bf16 [H, C, D]: the cached ones (warm; the kernels assign with
  // bf16-rounded centroids anyway, and the update recomputes fp32 means in the arena), else the
  // reference's cold start (same seeds and tokens).
  // A branch without centroids of its own starts from another branch's, as the reference (and the
  // CPU backend, element by element) does: from the cache, or (*seed_element >= 0, start left
  // undefined) from the result of an earlier element of this call, copied once that one has run.
  CachedCentroids start_centroids(const at::Tensor& q, const at::Tensor& k, std::int64_t b,
                                  const std::vector<CentroidKey>& keys, const ClusterCounts& counts,
                                  int* iterations, std::int64_t* seed_element) {
    const CentroidKey& key = keys[static_cast<std::size_t>(b)];
    const std::int64_t heads = q.size(1), dim = q.size(3);
    const auto usable = [&](const CachedCentroids* c) {
      return c != nullptr && c->query.scalar_type() == at::kBFloat16 && c->query.device() == q.device();
    };
    *seed_element = -1;
    if (const CachedCentroids* c = cache_.find(key, heads, counts.query, counts.key, dim); usable(c)) {
      *iterations = config_.kmeans_iters_step;
      return *c;  // updated in place
    }
    // The lowest other branch, as the CPU backend finds it after storing this call's earlier elements.
    int cached_branch = 0;
    const CachedCentroids* other =
        cache_.find_other_branch(key, heads, counts.query, counts.key, dim, &cached_branch);
    if (!usable(other)) other = nullptr;
    for (std::int64_t e = 0; e < b; ++e) {
      const int branch = keys[static_cast<std::size_t>(e)].branch;
      if (branch == key.branch) continue;
      if ((*seed_element < 0 || branch < keys[static_cast<std::size_t>(*seed_element)].branch) &&
          (other == nullptr || branch <= cached_branch))
        *seed_element = e;
    }
    if (*seed_element >= 0 || other != nullptr) {
      *iterations = config_.kmeans_iters_step;
      if (*seed_element >= 0) return {};
      return {other->query.clone(), other->key.clone()};  // the other branch keeps its own
    }
    *iterations = config_.kmeans_iters_init;
    const std::uint64_t seed_q = clustering_seed(config_.seed, key.layer, key.branch, 0);
    const std::uint64_t seed_k = clustering_seed(config_.seed, key.layer, key.branch, 1);
    if (config_.kmeans_init == KMeansInit::Random)
      return {random_start_centroids(q[b], counts.query, seed_q),
              random_start_centroids(k[b], counts.key, seed_k)};
    return {initial_centroids(q[b], counts.query, config_.kmeans_init, seed_q).to(at::kBFloat16),
            initial_centroids(k[b], counts.key, config_.kmeans_init, seed_k).to(at::kBFloat16)};
  }

  // The chunks of a call of this shape (the planner asks the kernels for workspace sizes, so the
  // plan of the last shape is kept: every layer of a step has the same one).
  const std::vector<AttentionChunk>& chunk_plan(std::int64_t batch, std::int64_t heads, std::int64_t tokens,
                                                std::int64_t dim, const ClusterCounts& counts, bool same) {
    const std::vector<std::int64_t> key = {batch, heads, tokens, dim, counts.query, counts.key, same ? 1 : 0};
    if (key != plan_key_) {
      const auto arena_for = [&](std::int64_t problems) {
        return Svg2CudaPipeline::arena_bytes_for(
            PipelineShape{1, problems, tokens, dim, counts.query, counts.key});
      };
      plan_ = plan_attention_chunks(batch, heads, same, options_.arena_budget_bytes, arena_for);
      plan_key_ = key;
    }
    return plan_;
  }

  // Per batch element, what the telemetry needs once all its head chunks ran.
  struct ElementTelemetry {
    SparseLayout layout;
    bool labels = false;  // only when the recorder samples heads of this layer
  };

  // The call in chunks (attention/svg2_cuda_backend_arena.h): the arena is sized for one chunk,
  // so the K/V cluster-order copies and per-problem buffers do not scale with the CFG batch.
  // v == nullptr: clustering only (warm-up).
  at::Tensor run(const at::Tensor& q, const at::Tensor& k, const at::Tensor* v, const AttentionContext& ctx) {
    std::lock_guard lock(mutex_);
    const std::int64_t batch = q.size(0), heads = q.size(1), tokens = q.size(2), dim = q.size(3);
    const ClusterCounts counts =
        effective_cluster_counts(tokens, config_.query_clusters, config_.key_clusters);
    cache_.begin_job(ctx.job_id);
    std::vector<CentroidKey> keys;
    std::vector<CachedCentroids> start;
    std::vector<int> iterations(static_cast<std::size_t>(batch));
    std::vector<std::int64_t> seed_element(static_cast<std::size_t>(batch), -1);
    for (std::int64_t b = 0; b < batch; ++b)
      keys.push_back(CentroidKey{ctx.job_id, ctx.layer, ctx.branch_of(static_cast<int>(b))});
    bool same = true;
    for (std::int64_t b = 0; b < batch; ++b) {
      const auto i = static_cast<std::size_t>(b);
      start.push_back(start_centroids(q, k, b, keys, counts, &iterations[i], &seed_element[i]));
      // An element seeded from another one's result runs after it, so never in the same chunk.
      same = same && iterations[i] == iterations[0] && seed_element[i] < 0;
    }
    const std::vector<AttentionChunk>& chunks = chunk_plan(batch, heads, tokens, dim, counts, same);

    TelemetryRecorder* rec = ctx.telemetry != nullptr && ctx.telemetry->enabled() ? ctx.telemetry : nullptr;
    StageClock clock(rec != nullptr && rec->stage_times(), q.device());
    AttentionStageTimes times;
    std::vector<ElementTelemetry> telemetry;
    if (rec != nullptr && v != nullptr)
      telemetry = begin_telemetry(*rec, ctx.layer, batch, heads, tokens, counts, q);

    at::Tensor out = v ? at::empty_like(*v) : at::Tensor();
    const double scale = 1.0 / std::sqrt(static_cast<double>(dim));
    for (const AttentionChunk& c : chunks) {
      const auto part = [&c](const at::Tensor& t) {
        return t.narrow(0, c.batch_begin, c.batch_count).narrow(1, c.head_begin, c.head_count);
      };
      pipeline_.prepare(PipelineShape{c.batch_count, c.head_count, tokens, dim, counts.query, counts.key},
                        q.device());
      at::Tensor qc = pipeline_.query_centroids(), kc = pipeline_.key_centroids();
      for (std::int64_t i = 0; i < c.batch_count; ++i) {
        const auto e = static_cast<std::size_t>(c.batch_begin + i);
        if (!start[e].query.defined()) {  // seeded: its source element's chunks all ran before
          const CachedCentroids& from = start[static_cast<std::size_t>(seed_element[e])];
          start[e] = {from.query.clone(), from.key.clone()};
        }
        const CachedCentroids& st = start[e];
        qc.narrow(0, i * c.head_count, c.head_count).copy_(st.query.narrow(0, c.head_begin, c.head_count));
        kc.narrow(0, i * c.head_count, c.head_count).copy_(st.key.narrow(0, c.head_begin, c.head_count));
      }
      const at::Tensor qp = part(q), kp = part(k);
      const int iters = iterations[static_cast<std::size_t>(c.batch_begin)];
      pipeline_.cluster_queries(qp, qc, iters);
      pipeline_.cluster_keys(kp, kc, iters);
      for (std::int64_t i = 0; i < c.batch_count; ++i) {
        const CachedCentroids& st = start[static_cast<std::size_t>(c.batch_begin + i)];
        st.query.narrow(0, c.head_begin, c.head_count).copy_(qc.narrow(0, i * c.head_count, c.head_count));
        st.key.narrow(0, c.head_begin, c.head_count).copy_(kc.narrow(0, i * c.head_count, c.head_count));
      }
      times.kmeans_ms += clock.lap();
      if (v == nullptr) continue;
      pipeline_.select(qc, kc, selection(counts), /*with_mask=*/rec != nullptr);
      times.select_ms += clock.lap();
      at::Tensor op = part(out);
      pipeline_.attend(qp, kp, part(*v), op, options_.kernel, scale);
      times.attention_ms += clock.lap();
      if (rec != nullptr) {
        record_chunk(telemetry, c, q, k, qc, kc);
        (void)clock.lap();  // the telemetry copies count towards no stage
      }
    }
    for (std::int64_t b = 0; b < batch; ++b) cache_.store(keys[b], start[b]);
    if (rec != nullptr && v != nullptr) finish_telemetry(ctx, telemetry, times);
    return out;
  }

  // Telemetry in the reference's form (attention/sparse_backend.h), filled chunk by chunk from the
  // pipeline's buffers; labels only for layers whose heads the recorder samples.
  static std::vector<ElementTelemetry> begin_telemetry(const TelemetryRecorder& rec, int layer,
                                                       std::int64_t batch, std::int64_t heads,
                                                       std::int64_t tokens, const ClusterCounts& counts,
                                                       const at::Tensor& q) {
    const auto opts = q.options();
    std::vector<ElementTelemetry> t(static_cast<std::size_t>(batch));
    const bool labels = !rec.sampled_heads(layer, static_cast<int>(heads)).empty();
    for (ElementTelemetry& e : t) {
      e.labels = labels;
      if (labels) {
        e.layout.q_labels = at::empty({heads, tokens}, opts.dtype(at::kLong));
        e.layout.k_labels = at::empty({heads, tokens}, opts.dtype(at::kLong));
      }
      e.layout.q_sizes = at::empty({heads, counts.query}, opts.dtype(at::kLong));
      e.layout.k_sizes = at::empty({heads, counts.key}, opts.dtype(at::kLong));
      e.layout.mask = at::empty({heads, counts.query, counts.key}, opts.dtype(at::kBool));
      e.layout.q_inertia = at::empty({heads}, opts.dtype(at::kFloat));
      e.layout.k_inertia = at::empty({heads}, opts.dtype(at::kFloat));
    }
    return t;
  }

  void record_chunk(std::vector<ElementTelemetry>& telemetry, const AttentionChunk& c, const at::Tensor& q,
                    const at::Tensor& k, const at::Tensor& qc, const at::Tensor& kc) {
    const cuda::PipelineResults r = pipeline_.results();
    const std::int64_t nh = c.head_count, h0 = c.head_begin;
    for (std::int64_t i = 0; i < c.batch_count; ++i) {
      SparseLayout& l = telemetry[static_cast<std::size_t>(c.batch_begin + i)].layout;
      const auto rows = [&](const at::Tensor& t) { return t.narrow(0, i * nh, nh); };
      const auto heads = [&](const at::Tensor& t) { return t.narrow(0, h0, nh); };
      if (telemetry[static_cast<std::size_t>(c.batch_begin + i)].labels) {
        heads(l.q_labels).copy_(rows(r.q_labels));
        heads(l.k_labels).copy_(rows(r.k_labels));
      }
      heads(l.q_sizes).copy_(rows(r.q_sizes));
      heads(l.k_sizes).copy_(rows(r.k_sizes));
      heads(l.mask).copy_(rows(r.mask));
      const at::Tensor qi = q[c.batch_begin + i].narrow(0, h0, nh),
                       ki = k[c.batch_begin + i].narrow(0, h0, nh);
      heads(l.q_inertia).copy_(grouped_kmeans_inertia(qi, rows(r.q_labels), rows(qc)));
      heads(l.k_inertia).copy_(grouped_kmeans_inertia(ki, rows(r.k_labels), rows(kc)));
    }
  }

  // Times of the call are split evenly over its batch elements.
  static void finish_telemetry(const AttentionContext& ctx, const std::vector<ElementTelemetry>& telemetry,
                               AttentionStageTimes times) {
    const double share = 1.0 / static_cast<double>(telemetry.size());
    times.kmeans_ms *= share;
    times.select_ms *= share;
    times.attention_ms *= share;
    for (std::size_t b = 0; b < telemetry.size(); ++b)
      record_sparse_call(ctx, static_cast<int>(b), telemetry[b].layout, times);
  }

  AttentionConfig config_;
  Svg2CudaBackendOptions options_;
  Svg2Backend reference_;
  std::mutex mutex_;
  CentroidCache cache_;
  Svg2CudaPipeline pipeline_;
  std::vector<std::int64_t> plan_key_;
  std::vector<AttentionChunk> plan_;
};

}  // namespace

bool svg2_cuda_backend_available() {
  return svg2k::device_count() > 0;
}

std::unique_ptr<AttentionBackend> make_svg2_cuda_backend(const AttentionConfig& config) {
  // SVG2_CUDA_ATTENTION_KERNEL=auto|hopper-tma-ov|hopper|hopper-simple|ampere picks the attention
  // kernel (for comparisons); auto = hopper-tma-ov on sm_90, ampere elsewhere.
  Svg2CudaBackendOptions options;
  if (const char* env = std::getenv("SVG2_CUDA_ATTENTION_KERNEL"); env && *env)
    options.kernel = cuda::attention_kernel_from_string(env);
  // SVG2_CUDA_ARENA_BUDGET_MB=N caps the pipeline arena (default 512): larger = fewer, larger chunks.
  if (const char* env = std::getenv("SVG2_CUDA_ARENA_BUDGET_MB"); env && *env)
    options.arena_budget_bytes = arena_budget_from_mib_text(env);
  return make_svg2_cuda_backend(config, options);
}

std::unique_ptr<AttentionBackend> make_svg2_cuda_backend(const AttentionConfig& config,
                                                         const Svg2CudaBackendOptions& options) {
  if (config.mode != AttentionMode::Svg2 || !svg2_cuda_backend_available()) return nullptr;
  return std::make_unique<Svg2CudaBackend>(config, options);
}

}  // namespace svg2::attention

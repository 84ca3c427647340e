// CPU attention: dense SDPA vs SVG2 (k-means + selection + permutation + block-sparse attention)
// and the baselines, on structured synthetic Q/K/V at a fixed 25% density.
//   build-x/bench/bench_attention_cpu --benchmark_filter=... --benchmark_min_time=2x
// Args: {S (tokens), QC, KC, head dim}. Heads = 256 / head dim (a model width of 256), batch 1, fp32.
// Head dim 128 with QC 128 / KC 768 is the bundled demo model's attention at its defaults (QC 64
// before session 18).
#include <ATen/Parallel.h>
#include <ATen/ops/scaled_dot_product_attention.h>
#include <benchmark/benchmark.h>

#include "attention/baselines.h"
#include "attention/block_selection.h"
#include "attention/block_sparse_attention.h"
#include "attention/svg2_backend.h"
#include "attention/synthetic_qkv.h"
#include "attention/telemetry_recorder.h"

namespace svg2::attention {
namespace {

constexpr std::int64_t kModelWidth = 256;
constexpr double kDensity = 0.25;

SyntheticQkv data_for(const benchmark::State& state) {
  const std::int64_t tokens = state.range(0), dim = state.range(3);
  SyntheticQkvOptions o;
  o.heads = kModelWidth / dim;
  o.dim = dim;
  o.frames = tokens / 256;  // 16 x 16 latent grid per frame
  o.height = 16;
  o.width = 16;
  o.components = 32;
  o.seed = 1;
  return make_synthetic_qkv(o);
}

AttentionConfig svg2_config(const benchmark::State& state) {
  AttentionConfig c;
  c.query_clusters = static_cast<int>(state.range(1));
  c.key_clusters = static_cast<int>(state.range(2));
  c.fixed_density = kDensity;
  c.dense_steps = 0;
  c.dense_layers = 0;
  return c;
}

AttentionContext ctx_for() {
  AttentionContext ctx;
  ctx.job_id = 1;
  ctx.grid_h = 16;
  ctx.grid_w = 16;
  return ctx;
}

void set_counters(benchmark::State& state, std::int64_t tokens) {
  state.counters["tokens"] = static_cast<double>(tokens);
  state.counters["threads"] = at::get_num_threads();
}

void BM_DenseSdpa(benchmark::State& state) {
  const SyntheticQkv d = data_for(state);
  for (auto _ : state) benchmark::DoNotOptimize(at::scaled_dot_product_attention(d.q, d.k, d.v));
  set_counters(state, state.range(0));
}

// Steady state of a render: centroids warm from the previous step, kmeans_iters_step (2) iterations.
void BM_Svg2WarmCall(benchmark::State& state) {
  const SyntheticQkv d = data_for(state);
  Svg2Backend backend(svg2_config(state));
  const AttentionContext ctx = ctx_for();
  backend.forward(d.q, d.k, d.v, ctx);  // cold call fills the centroid cache
  // Stage times (CPU: no device sync involved) become counters, averaged over iterations.
  TelemetryOptions topt;
  topt.enabled = true;
  topt.stage_times = true;
  TelemetryRecorder recorder(topt);
  AttentionContext timed = ctx;
  timed.telemetry = &recorder;
  std::vector<SparseLayout> layouts;
  for (auto _ : state) {
    layouts.clear();
    benchmark::DoNotOptimize(backend.forward_traced(d.q, d.k, d.v, timed, &layouts));
  }
  AttentionStageTimes sum;
  const TelemetrySnapshot snap = recorder.drain();
  for (const AttentionCallStats& c : snap.calls) {
    sum.kmeans_ms += c.times.kmeans_ms;
    sum.select_ms += c.times.select_ms;
    sum.permute_ms += c.times.permute_ms;
    sum.attention_ms += c.times.attention_ms;
    sum.inverse_ms += c.times.inverse_ms;
  }
  const double n = std::max<double>(1, static_cast<double>(snap.calls.size()));
  state.counters["kmeans_ms"] = sum.kmeans_ms / n;
  state.counters["select_ms"] = sum.select_ms / n;
  state.counters["permute_ms"] = (sum.permute_ms + sum.inverse_ms) / n;
  state.counters["attn_ms"] = sum.attention_ms / n;
  state.counters["density"] =
      block_density(layouts[0].mask, layouts[0].q_sizes, layouts[0].k_sizes).mean().item<double>();
  set_counters(state, state.range(0));
}

// The first sparse call of a job: kmeans_iters_init (50) iterations from a random init.
void BM_Svg2ColdCall(benchmark::State& state) {
  const SyntheticQkv d = data_for(state);
  Svg2Backend backend(svg2_config(state));
  for (auto _ : state) {
    backend.reset();
    benchmark::DoNotOptimize(backend.forward(d.q, d.k, d.v, ctx_for()));
  }
  set_counters(state, state.range(0));
}

// The block-sparse attention stage alone, on an SVG2 layout.
void BM_Svg2AttentionStage(benchmark::State& state) {
  const SyntheticQkv d = data_for(state);
  Svg2Backend backend(svg2_config(state));
  std::vector<SparseLayout> layouts;
  backend.forward_traced(d.q, d.k, d.v, ctx_for(), &layouts);
  const SparseLayout& l = layouts[0];
  // Already-permuted inputs are not needed for timing: the work only depends on the block sizes.
  const at::Tensor q = d.q[0], k = d.k[0], v = d.v[0];
  for (auto _ : state)
    benchmark::DoNotOptimize(block_sparse_attention_cpu(q, k, v, l.mask, l.q_sizes, l.k_sizes));
  set_counters(state, state.range(0));
}

void BM_BlockTopK(benchmark::State& state) {
  const SyntheticQkv d = data_for(state);
  AttentionConfig c;
  c.fixed_density = kDensity;
  c.mode = AttentionMode::BlockTopK;
  c.block_size = 64;
  BlockTopKBackend backend(c);
  for (auto _ : state) benchmark::DoNotOptimize(backend.forward(d.q, d.k, d.v, ctx_for()));
  set_counters(state, state.range(0));
}

void shapes(benchmark::internal::Benchmark* b) {
  b->Unit(benchmark::kMillisecond)->UseRealTime();
  for (std::int64_t s : {2304, 4096, 8192}) {
    b->Args({s, 32, 128, 64});  // the demo-model spike's counts
    b->Args({s, 64, 256, 64});
    b->Args({s, 300, 1000, 64});  // the reference's Wan 720p counts
  }
  b->Args({2304, 64, 768, 128});   // the bundled demo model at its session-17 defaults
  b->Args({2304, 128, 768, 128});  // the bundled demo model at its defaults
}

BENCHMARK(BM_DenseSdpa)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Args({2304, 0, 0, 64})
    ->Args({4096, 0, 0, 64})
    ->Args({8192, 0, 0, 64})
    ->Args({2304, 0, 0, 128});
BENCHMARK(BM_Svg2WarmCall)->Apply(shapes);
BENCHMARK(BM_Svg2ColdCall)->Apply(shapes);
BENCHMARK(BM_Svg2AttentionStage)->Apply(shapes);
BENCHMARK(BM_BlockTopK)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Args({2304, 0, 0, 64})
    ->Args({4096, 0, 0, 64})
    ->Args({8192, 0, 0, 64})
    ->Args({2304, 0, 0, 128});

}  // namespace
}  // namespace svg2::attention

BENCHMARK_MAIN();

#include "attention/cuda/svg2_cuda_bench.h"

#include <ATen/Context.h>
#include <ATen/core/Generator.h>
#include <ATen/ops/_scaled_dot_product_cudnn_attention.h>
#include <ATen/ops/empty_like.h>
#include <ATen/ops/randn.h>
#include <ATen/ops/scaled_dot_product_attention.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <cuda_runtime_api.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <mutex>

#include "attention/block_selection.h"
#include "attention/cuda/svg2_cuda_pipeline.h"
#include "attention/kmeans.h"
#include "core/check.h"
#include "svg2k/status.h"

namespace svg2::attention::cuda {
namespace {

void check_cuda(cudaError_t err, const char* what) {
  if (err != cudaSuccess) fail("svg2 bench attention: {} failed: {}", what, cudaGetErrorString(err));
}

class Events {
 public:
  explicit Events(int count) : events_(static_cast<std::size_t>(count)) {
    for (cudaEvent_t& e : events_) check_cuda(cudaEventCreate(&e), "cudaEventCreate");
  }
  ~Events() {
    for (cudaEvent_t e : events_) cudaEventDestroy(e);
  }
  void record(int i, cudaStream_t stream) {
    check_cuda(cudaEventRecord(events_[i], stream), "cudaEventRecord");
  }
  float ms(int from, int to) {
    check_cuda(cudaEventSynchronize(events_[to]), "cudaEventSynchronize");
    float t = 0;
    check_cuda(cudaEventElapsedTime(&t, events_[from], events_[to]), "cudaEventElapsedTime");
    return t;
  }

 private:
  std::vector<cudaEvent_t> events_;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

double time_median(const std::function<void()>& f, int warmup, int repeats, cudaStream_t stream) {
  for (int i = 0; i < warmup; ++i) f();
  Events ev(2);
  std::vector<double> t;
  for (int i = 0; i < repeats; ++i) {
    ev.record(0, stream);
    f();
    ev.record(1, stream);
    t.push_back(ev.ms(0, 1));
  }
  return median(t);
}

}  // namespace

std::string bench_device_description() {
  SVG2_CHECK(svg2k::device_count() > 0,
             "svg2 bench attention: --device cuda needs a CUDA device; none is visible");
  int device = 0;
  check_cuda(cudaGetDevice(&device), "cudaGetDevice");
  cudaDeviceProp prop{};
  check_cuda(cudaGetDeviceProperties(&prop, device), "cudaGetDeviceProperties");
  return std::string(prop.name) + " (sm_" + std::to_string(prop.major * 10 + prop.minor) + ", " +
         std::to_string(prop.multiProcessorCount) + " SMs)";
}

std::vector<BenchAttentionRow> bench_shape_cuda(const BenchAttentionShape& shape,
                                                const BenchAttentionOptions& o, std::string* dense_backend) {
  const at::Device device(at::kCUDA, 0);
  const c10::cuda::CUDAGuard guard(device);
  const cudaStream_t stream = c10::cuda::getCurrentCUDAStream().stream();
  const std::int64_t heads = shape.heads, tokens = shape.tokens, dim = shape.head_dim;
  // Drawn on the device (a CPU draw of a 14B 720p tensor takes seconds), from the seeded default
  // CUDA generator.
  at::Generator gen = at::globalContext().defaultGenerator(device);
  {
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_current_seed(o.seed);
  }
  const auto random = [&] {
    return at::randn({1, heads, tokens, dim}, gen, at::TensorOptions().dtype(at::kBFloat16).device(device));
  };
  const at::Tensor q = random(), k = random(), v = random();
  at::Tensor out = at::empty_like(q);

  // Dense baseline: cuDNN's fused attention (what at::scaled_dot_product_attention picks on
  // Hopper), falling back to SDPA's own choice where cuDNN refuses the shape.
  std::function<void()> dense = [&] {
    out = std::get<0>(at::_scaled_dot_product_cudnn_attention(q, k, v, std::nullopt, false));
  };
  *dense_backend = "cuDNN SDPA (at::_scaled_dot_product_cudnn_attention)";
  try {
    dense();
  } catch (const std::exception&) {
    dense = [&] { out = at::scaled_dot_product_attention(q, k, v); };
    *dense_backend = "at::scaled_dot_product_attention (cuDNN refused the shape)";
  }
  const double dense_ms = time_median(dense, o.warmup, o.repeats, stream);
  const double dense_flops = 4.0 * static_cast<double>(tokens) * tokens * dim * heads;

  Svg2CudaPipeline pipe;
  pipe.prepare(PipelineShape{1, heads, tokens, dim, shape.query_clusters, shape.key_clusters}, device);
  const at::Tensor q_init =
      kmeans_init_random(q.view({heads, tokens, dim}), shape.query_clusters, o.seed + 1).contiguous();
  const at::Tensor k_init =
      kmeans_init_random(k.view({heads, tokens, dim}), shape.key_clusters, o.seed + 2).contiguous();
  const double scale = 1.0 / std::sqrt(static_cast<double>(dim));
  std::vector<AttentionKernelChoice> kernels;
  for (const std::string& name : o.kernels)
    kernels.push_back(resolve_attention_kernel(attention_kernel_from_string(name)));
  SVG2_CHECK(!kernels.empty(), "svg2 bench attention: at least one attention kernel is needed");

  std::vector<BenchAttentionRow> rows;
  for (const double density : o.densities) {
    SVG2_CHECK(density > 0 && density <= 1, "svg2 bench attention: densities must be in (0, 1], got {}",
               density);
    BenchAttentionRow row;
    row.shape = shape;
    row.target_density = density;
    row.dense_ms = dense_ms;
    row.dense_tflops = dense_flops / (dense_ms * 1e9);
    row.inverse_fused = true;
    SelectionSettings settings;
    settings.fixed_density = density;
    settings.min_clusters = 1;
    settings.max_clusters = shape.key_clusters;

    // Converge first, so the timed calls are warm (the centroid cache of a real render).
    at::Tensor qc = q_init.clone(), kc = k_init.clone();
    pipe.cluster_queries(q, qc, o.kmeans_cold_iterations);
    pipe.cluster_keys(k, kc, o.kmeans_cold_iterations);

    const auto run = [&](AttentionKernelChoice kernel, Events* ev) {
      if (ev) ev->record(0, stream);
      pipe.cluster_queries(q, qc, o.kmeans_iterations);
      if (ev) ev->record(1, stream);
      pipe.cluster_keys(k, kc, o.kmeans_iterations);
      if (ev) ev->record(2, stream);
      pipe.select(qc, kc, settings, false);
      if (ev) ev->record(3, stream);
      pipe.permute_keys_values(k, v);
      if (ev) ev->record(4, stream);
      pipe.attend_permuted(q, out, kernel, scale);
      if (ev) ev->record(5, stream);
    };
    for (int i = 0; i < o.warmup; ++i) run(kernels.front(), nullptr);
    Events ev(6);
    std::vector<double> tq, tk, ts, tp, ta, tt;
    for (int i = 0; i < o.repeats; ++i) {
      run(kernels.front(), &ev);
      tq.push_back(ev.ms(0, 1));
      tk.push_back(ev.ms(1, 2));
      ts.push_back(ev.ms(2, 3));
      tp.push_back(ev.ms(3, 4));
      ta.push_back(ev.ms(4, 5));
      tt.push_back(ev.ms(0, 5));
    }
    row.kmeans_q_ms = median(tq);
    row.kmeans_k_ms = median(tk);
    row.select_ms = median(ts);
    row.permute_ms = median(tp);
    row.attention_ms = median(ta);
    row.total_ms = median(tt);

    // The block list of the last run (same clusters for every kernel below).
    const double pairs = static_cast<double>(pipe.results().pairs.sum().item<std::int64_t>());
    row.density = pairs / (static_cast<double>(tokens) * tokens * heads);
    const double sparse_flops = 4.0 * dim * pairs;
    row.sparse_tflops = sparse_flops / (row.attention_ms * 1e9);
    row.speedup = dense_ms / row.total_ms;
    row.overhead_percent =
        100.0 * (row.kmeans_q_ms + row.kmeans_k_ms + row.select_ms + row.permute_ms) / dense_ms;
    // How much of each kernel's tile work is real: query rows pad to the row tile of the last tile
    // of each cluster, key positions to the key tile of each row's stream.
    const at::Tensor q_sizes = pipe.results().q_sizes.to(at::kDouble).cpu();
    const at::Tensor row_tokens = pipe.results().row_tokens.to(at::kDouble).cpu();
    const auto tile_efficiency = [&](double rows, double keys) {
      const at::Tensor padded = (q_sizes / rows).ceil() * rows * ((row_tokens / keys).ceil() * keys);
      return pairs / std::max(1.0, padded.sum().item<double>());
    };
    for (const AttentionKernelChoice kernel : kernels) {
      BenchAttentionKernelTime kt;
      // hopper-tma-ov splits a <= 64-row tail across both consumer warpgroups (64-row granularity),
      // the Hopper kernels stream 128-key tiles (the TMA kernel's 8-row key group padding is not
      // counted); ampere computes 64 x 64 tiles.
      const AttentionKernelChoice resolved = resolve_attention_kernel(kernel);
      const bool row_tiles_of_64 = resolved == AttentionKernelChoice::HopperTmaOv;
      kt.tile_efficiency = resolved == AttentionKernelChoice::Ampere ? tile_efficiency(64, 64)
                           : row_tiles_of_64                         ? tile_efficiency(64, 128)
                                                                     : tile_efficiency(128, 128);
      kt.kernel = to_string(kernel);
      kt.ms = time_median([&] { pipe.attend_permuted(q, out, kernel, scale); }, o.warmup, o.repeats, stream);
      kt.tflops = sparse_flops / (kt.ms * 1e9);
      row.kernels.push_back(kt);
    }
    rows.push_back(row);
  }
  return rows;
}

}  // namespace svg2::attention::cuda

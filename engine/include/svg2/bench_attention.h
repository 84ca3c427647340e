#pragma once
// `svg2 bench attention`: dense attention vs each SVG2 stage, from one run on one device.
// Plain C++ (no LibTorch): options in, a result struct out, plus table and JSON renderings.
#include <cstdint>
#include <string>
#include <vector>

namespace svg2 {

struct BenchAttentionShape {
  std::string name;  // e.g. "wan2.1-14b-720p"
  int heads = 0;
  int tokens = 0;
  int head_dim = 128;
  int query_clusters = 300;
  int key_clusters = 1000;
};

// The issue-#7 shapes: Wan2.1-1.3B 480p (12 x 32,760), Wan2.1-14B 720p (40 x 75,600),
// HunyuanVideo 720p (24 x 118,800), head dim 128, QC 300 / KC 1000 (QC 400 for Hunyuan).
std::vector<BenchAttentionShape> default_gpu_bench_shapes();
// Small shapes the CPU reference path finishes in seconds.
std::vector<BenchAttentionShape> default_cpu_bench_shapes();

// "--shapes" syntax: comma-separated preset names (wan1.3b-480p, wan14b-720p, hunyuan-720p,
// cpu-small, cpu-medium) or custom entries name:heads:tokens[:qc:kc[:dim]]. Throws svg2::Error.
std::vector<BenchAttentionShape> parse_bench_shapes(const std::string& spec);

struct BenchAttentionOptions {
  std::string device = "cuda";                   // "cuda" or "cpu"
  std::vector<BenchAttentionShape> shapes;       // empty: the device's defaults
  std::vector<double> densities = {0.30, 0.13};  // fixed-density mode targets
  // CUDA attention kernels to time ("auto", "hopper-tma-ov", "hopper", "hopper-simple", "ampere");
  // the first one is the one in the SVG2 total.
  std::vector<std::string> kernels = {"auto"};
  int warmup = 3;
  int repeats = 10;                 // median of this many timed runs
  int kmeans_iterations = 2;        // warm iterations per call (Q and K each)
  int kmeans_cold_iterations = 20;  // before timing, so the timed calls start from converged centroids
  std::uint64_t seed = 0;
};

struct BenchAttentionKernelTime {
  std::string kernel;
  double ms = 0;
  double tflops = 0;           // effective, on computed blocks
  double tile_efficiency = 0;  // computed pairs / pairs in the kernel's padded row x key tiles
};

struct BenchAttentionRow {
  BenchAttentionShape shape;
  double target_density = 0;
  double density = 0;           // achieved: sum over heads of computed pairs / (heads * S^2)
  double dense_ms = 0;          // dense attention (cuDNN SDPA on CUDA), same run
  double dense_tflops = 0;      // 4 * S^2 * D * heads / dense time
  double kmeans_q_ms = 0;       // warm k-means of Q (kmeans_iterations iterations)
  double kmeans_k_ms = 0;       // warm k-means of K
  double select_ms = 0;         // centroid scores + weighted softmax + per-row selection + block list
  double permute_ms = 0;        // permutation gather of Q, K, V (0 when fused into the attention)
  double attention_ms = 0;      // block-sparse attention with the first kernel
  double inverse_ms = 0;        // inverse permutation of the output (0 when fused)
  double total_ms = 0;          // the whole SVG2 call, timed end to end
  double overhead_percent = 0;  // (k-means + selection + permutations) / dense time
  double speedup = 0;           // dense_ms / total_ms
  double sparse_tflops = 0;     // 4 * D * computed pairs / attention time
  bool inverse_fused =
      false;  // CUDA: Q's gather and the output's inverse scatter live in the attention kernel
  std::vector<BenchAttentionKernelTime> kernels;  // every requested kernel
};

struct BenchAttentionResult {
  std::string device;  // e.g. "NVIDIA H100 80GB HBM3 (sm_90)" or "CPU (8 threads)"
  std::string dense_backend;
  std::string timing;  // how times were taken
  std::string flop_convention;
  std::vector<BenchAttentionRow> rows;
};

// Throws svg2::Error for bad options or a missing device.
BenchAttentionResult run_bench_attention(const BenchAttentionOptions& options);

std::string bench_attention_table(const BenchAttentionResult& result);
std::string bench_attention_json(const BenchAttentionResult& result);

}  // namespace svg2

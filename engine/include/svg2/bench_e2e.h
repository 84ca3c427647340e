#pragma once
// `svg2 bench e2e`: end-to-end Wan 2.1 timings with random weights (speed does not depend on the
// weight values at a fixed density). One run measures T5 encode, dense DiT steps, the first sparse
// step (cold k-means), warm sparse steps and the VAE decode, then computes the whole-video total
// for a reference schedule from those per-step times (a full 50-step 14B video takes longer than
// one benchmark run should) and the speedup over all-dense, with peak device memory and a
// per-phase breakdown.
#include <optional>
#include <string>
#include <vector>

#include "svg2/attention_config.h"

namespace svg2 {

struct BenchE2EOptions {
  std::string arch = "wan-1.3b";  // random-weights architecture: wan-1.3b, wan-14b (tiny: tests)
  int width = 0, height = 0;      // 0 = the architecture's default size
  int frames = 81;                // 4n+1
  int steps = 50;                 // of the reference schedule the totals are computed for
  double guidance = 5.0;          // > 1: CFG on (cond and uncond batched)
  AttentionConfig attention;      // the sparse side (mode svg2 by default; dense_steps, dense_layers)
  std::optional<double> density;  // fixed-density mode at this density (overrides top_p)
  std::string device = "auto", dtype = "auto";
  bool offload_blocks = false;
  int warmup_steps = 1;    // untimed dense steps first (allocator, cuDNN/cuBLAS autotuning)
  int dense_repeats = 2;   // timed dense steps
  int sparse_repeats = 3;  // timed warm sparse steps (after the cold one)
  bool breakdown = true;   // one extra dense and sparse step with per-stage timing
  std::string prompt = "A cat walks on the grass, realistic style, detailed fur, soft light.";
};

struct BenchPhase {
  std::string name;  // "text", "dense warm-up steps", "k-means", "selection", ...
  double ms = 0;     // over the reference schedule
  double share = 0;  // of the sparse total
};

struct BenchE2EResult {
  std::string arch, device, device_name, dtype;
  int width = 0, height = 0, frames = 0, steps = 0, tokens = 0;
  int dense_steps = 0, dense_layers = 0;  // of the reference schedule
  int dense_final_steps = 0;              // dense steps after the sparse ones
  double text_ms = 0;
  double dense_step_ms = 0;         // mean of the timed dense steps (DiT + sampler, CFG batch)
  double first_sparse_step_ms = 0;  // cold k-means
  double sparse_step_ms = 0;        // mean of the warm sparse steps
  double vae_ms = 0;
  double density = 1;  // mean over the sparse calls of the timed sparse steps
  double dense_total_ms = 0, sparse_total_ms = 0, speedup = 1;
  std::int64_t text_peak_bytes = 0, dense_peak_bytes = 0, sparse_peak_bytes = 0, vae_peak_bytes = 0;
  std::vector<BenchPhase> phases;  // of the sparse schedule's total
  std::vector<double> dense_steps_measured_ms, sparse_steps_measured_ms;
  std::string json;  // everything above, for --json
  std::string text;  // the human report (says the totals are computed from per-step times)
};

// Throws svg2::Error on bad options (naming them).
BenchE2EResult run_bench_e2e(const BenchE2EOptions& options);

}  // namespace svg2

#pragma once
// `svg2 inspect attention`: how close each sparse attention backend gets to dense attention over a
// sweep of top_p / density, on Q/K/V saved from a model run or on structured synthetic data.
// Reports relative L2 error of the output vs dense, attention recall (share of the dense softmax
// mass on computed pairs) and density; writes JSON and a Pareto plot (error vs density).
#include <cstdint>
#include <string>
#include <vector>

#include "svg2/attention_config.h"

namespace svg2 {

struct InspectAttentionOptions {
  // A .safetensors file with tensors "q", "k", "v" ([B, H, S, D] or [H, S, D], one shape), e.g.
  // written by `svg2 render --dump-qkv`. Empty: synthetic data (below).
  std::string input;

  // Synthetic Q/K/V: per head a Gaussian mixture scattered across token positions.
  int synthetic_heads = 4;
  int synthetic_frames = 8, synthetic_height = 16, synthetic_width = 16;  // S = f * h * w
  int synthetic_dim = 64;
  int synthetic_components = 32;
  std::uint64_t synthetic_seed = 0;

  // Token grid for svg1 (frames x height x width = S). 0 = from the file's metadata (grid_f,
  // grid_h, grid_w) or the synthetic grid; svg1 is skipped when no grid is known.
  int grid_f = 0, grid_h = 0, grid_w = 0;

  // Backends to sweep: "svg2", "block-topk", "svg1" (dense is the reference).
  std::vector<std::string> backends = {"svg2", "block-topk", "svg1"};
  // Sweep points. top_p applies to svg2 and block-topk; densities (fixed-density mode) to all.
  std::vector<double> top_p = {0.5, 0.7, 0.8, 0.9, 0.95};
  std::vector<double> densities = {0.1, 0.15, 0.25, 0.35, 0.5};

  // Cluster counts, iterations, budget, block size and seed; mode, top_p and fixed_density are
  // set per sweep point. The sequence is clustered cold (kmeans_iters_init iterations).
  AttentionConfig config;

  std::string device = "cpu";  // "cpu" or "cuda[:N]"
  std::string json_path;       // write the JSON result here (atomically); empty = don't
  std::string plot_path;       // write the Pareto plot PNG here; empty = don't
};

// Runs the sweep and returns the result as a JSON object:
//   {"input", "shape": [B, H, S, D], "grid": [f, h, w], "config": {...},
//    "points": [{"backend", "knob": "top_p"|"density", "value", "density", "relative_l2_error",
//                "recall", "ms"}, ...], "skipped": [{"backend", "reason"}], "json", "plot"}
// Throws svg2::Error naming the file, key, backend or parameter on bad input.
std::string inspect_attention(const InspectAttentionOptions& options);

}  // namespace svg2

#pragma once
// Self-attention backend selection and SVG2 hyper-parameters. Plain data, no LibTorch, so the
// UI and CLI can include it. Defaults equal the reference's Wan T2V 720p settings.
#include <optional>
#include <string>
#include <vector>

namespace svg2 {

enum class AttentionMode {
  Dense,      // at::scaled_dot_product_attention
  Svg2,       // semantic-aware permutation (k-means clusters + top-p block selection)
  BlockTopK,  // baseline: position-based fixed blocks, top-p by mean-pooled q.k mass
  Svg1,       // baseline: SVG1-style spatial / temporal head classifier
};

enum class KMeansInit { Random, KMeansPlusPlus };

struct AttentionConfig {
  AttentionMode mode = AttentionMode::Svg2;

  // --- SVG2 clustering ---
  int query_clusters = 300;    // QC
  int key_clusters = 1000;     // KC
  double top_p = 0.9;          // cumulative mass to reach per query cluster, in (0, 1]
  double min_kc_ratio = 0.10;  // never fewer than this fraction of key clusters per row
  double max_kc_ratio = 1.0;   // never more than this fraction (1 = no cap)
  int kmeans_iters_init = 50;  // first sparse call of a job (cold start)
  int kmeans_iters_step = 2;   // later calls, warm-started from the centroid cache
  KMeansInit kmeans_init = KMeansInit::Random;
  bool kmeans_during_dense = false;  // warm the centroid cache during dense steps
  // Fixed-density mode for controlled benchmarks: choose key clusters by mass until this
  // fraction of the (query x key) token pairs is covered. Overrides top_p when set.
  std::optional<double> fixed_density;

  // --- policy ---
  // Dense for the first N steps: a count when dense_steps >= 1, a fraction of the steps
  // when 0 < dense_steps < 1 (floor(fraction * steps), like the reference).
  double dense_steps = 0.2;
  // Dense again for the last N steps, counted the same way (0 = none, the reference's schedule).
  // The low-noise steps draw fine detail (a star's points), which a sparse step can lose.
  double dense_final_steps = 0;
  int dense_layers = 1;  // the first L layers are always dense

  // --- baselines ---
  int block_size = 64;  // BlockTopK token block size (64 or 128)

  // --- k-means determinism ---
  unsigned long long seed = 0;
};

// Number of leading denoising steps that run dense for a schedule of `steps`.
int dense_step_count(const AttentionConfig& config, int steps);

// Number of trailing denoising steps that run dense (dense_final_steps) for `steps`.
int dense_final_step_count(const AttentionConfig& config, int steps);

// True when denoising step `step` of `steps` runs dense in every layer: mode dense, or one of the
// leading or the final dense steps. (Leading dense layers run dense in every step besides.)
bool step_runs_dense(const AttentionConfig& config, int step, int steps);

// Throws svg2::Error naming the offending parameter and its allowed range.
void validate(const AttentionConfig& config);

std::string to_string(AttentionMode mode);
AttentionMode attention_mode_from_string(const std::string& name);  // throws svg2::Error

}  // namespace svg2

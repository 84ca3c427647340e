#include "svg2/attention_config.h"

#include <cmath>

#include "core/check.h"

namespace svg2 {

namespace {

// A count when >= 1, else a fraction of the steps (floor), never more than `steps`.
int steps_of(double count_or_fraction, int steps) {
  if (count_or_fraction >= 1.0) return std::min(steps, static_cast<int>(count_or_fraction));
  return static_cast<int>(std::floor(count_or_fraction * steps));
}

}  // namespace

int dense_step_count(const AttentionConfig& config, int steps) {
  if (config.mode == AttentionMode::Dense) return steps;
  return steps_of(config.dense_steps, steps);
}

int dense_final_step_count(const AttentionConfig& config, int steps) {
  if (config.mode == AttentionMode::Dense) return 0;  // dense_step_count covers every step
  return steps_of(config.dense_final_steps, steps);
}

bool step_runs_dense(const AttentionConfig& config, int step, int steps) {
  return step < dense_step_count(config, steps) || step >= steps - dense_final_step_count(config, steps);
}

void validate(const AttentionConfig& c) {
  SVG2_CHECK(c.query_clusters > 0, "attention: query_clusters (QC) must be >= 1, got {}", c.query_clusters);
  SVG2_CHECK(c.key_clusters > 0, "attention: key_clusters (KC) must be >= 1, got {}", c.key_clusters);
  SVG2_CHECK(c.top_p > 0.0 && c.top_p <= 1.0, "attention: top_p must be in (0, 1], got {}", c.top_p);
  SVG2_CHECK(c.min_kc_ratio >= 0.0 && c.min_kc_ratio <= 1.0,
             "attention: min_kc_ratio must be in [0, 1], got {}", c.min_kc_ratio);
  SVG2_CHECK(c.max_kc_ratio > 0.0 && c.max_kc_ratio <= 1.0,
             "attention: max_kc_ratio must be in (0, 1], got {}", c.max_kc_ratio);
  SVG2_CHECK(c.max_kc_ratio >= c.min_kc_ratio, "attention: max_kc_ratio ({}) must be >= min_kc_ratio ({})",
             c.max_kc_ratio, c.min_kc_ratio);
  SVG2_CHECK(c.kmeans_iters_init >= 1, "attention: kmeans_iters_init must be >= 1, got {}",
             c.kmeans_iters_init);
  SVG2_CHECK(c.kmeans_iters_step >= 0, "attention: kmeans_iters_step must be >= 0, got {}",
             c.kmeans_iters_step);
  if (c.fixed_density) {
    SVG2_CHECK(*c.fixed_density > 0.0 && *c.fixed_density <= 1.0,
               "attention: fixed_density must be in (0, 1], got {}", *c.fixed_density);
  }
  SVG2_CHECK(c.dense_steps >= 0.0, "attention: dense_steps must be >= 0 (a count, or a fraction < 1), got {}",
             c.dense_steps);
  SVG2_CHECK(c.dense_final_steps >= 0.0,
             "attention: dense_final_steps must be >= 0 (a count, or a fraction < 1), got {}",
             c.dense_final_steps);
  SVG2_CHECK(c.dense_layers >= 0, "attention: dense_layers must be >= 0, got {}", c.dense_layers);
  SVG2_CHECK(c.block_size == 64 || c.block_size == 128, "attention: block_size must be 64 or 128, got {}",
             c.block_size);
}

std::string to_string(AttentionMode mode) {
  switch (mode) {
    case AttentionMode::Dense:
      return "dense";
    case AttentionMode::Svg2:
      return "svg2";
    case AttentionMode::BlockTopK:
      return "block-topk";
    case AttentionMode::Svg1:
      return "svg1";
  }
  return "?";
}

AttentionMode attention_mode_from_string(const std::string& name) {
  if (name == "dense") return AttentionMode::Dense;
  if (name == "svg2") return AttentionMode::Svg2;
  if (name == "block-topk" || name == "block_topk") return AttentionMode::BlockTopK;
  if (name == "svg1") return AttentionMode::Svg1;
  fail("unknown attention mode '{}' (allowed: dense, svg2, block-topk, svg1)", name);
}

}  // namespace svg2

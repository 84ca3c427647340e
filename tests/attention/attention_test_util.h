#pragma once
// Small helpers shared by the attention tests.
#include <ATen/ATen.h>

#include "attention/backend.h"
#include "svg2/attention_config.h"

namespace svg2::attention::test {

inline at::Tensor randn(std::initializer_list<std::int64_t> shape, std::uint64_t seed) {
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  return at::randn(shape, gen, at::kFloat);
}

// A small SVG2 config that runs fast on the CPU.
inline AttentionConfig small_svg2_config() {
  AttentionConfig c;
  c.mode = AttentionMode::Svg2;
  c.query_clusters = 8;
  c.key_clusters = 16;
  c.kmeans_iters_init = 5;
  c.kmeans_iters_step = 1;
  c.dense_steps = 0;
  c.dense_layers = 0;
  return c;
}

inline AttentionContext context(int layer = 0, int step = 0, std::uint64_t job = 1) {
  AttentionContext ctx;
  ctx.layer = layer;
  ctx.num_layers = 4;
  ctx.step = step;
  ctx.num_steps = 10;
  ctx.job_id = job;
  return ctx;
}

}  // namespace svg2::attention::test

#pragma once
// Architectures for random-weights mode: full-size Wan 2.1 1.3B / 14B (benchmarks without
// checkpoints) and a tiny one for tests. Speed does not depend on the weight values.
#include <string>
#include <vector>

#include "svg2/model_info.h"

namespace svg2::pipeline {

struct RandomArch {
  std::string name;
  // DiT
  int dim = 0, ffn_dim = 0, heads = 0, layers = 0;
  // umT5 encoder
  int t5_vocab = 0, t5_dim = 0, t5_ffn = 0, t5_heads = 0, t5_layers = 0, t5_buckets = 32;
  // VAE
  int vae_base_dim = 96, z_dim = 16;
  // render defaults
  int width = 0, height = 0, frames = 0, steps = 0;
};

const RandomArch& random_arch(const std::string& name);  // throws svg2::Error listing the names

}  // namespace svg2::pipeline

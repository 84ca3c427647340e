#include "pipeline/random_arch.h"

#include "core/check.h"
#include "pipeline/wan_constants.h"

namespace svg2::pipeline {

namespace {

const std::vector<RandomArch>& archs() {
  static const std::vector<RandomArch> all = {
      // Wan2.1-T2V-1.3B / -14B and umT5-XXL, sizes as in wan-architecture.md §1.1 / §2.1.
      {"wan-1.3b", 1536, 8960, 12, 30, 256384, 4096, 10240, 64, 24, 32, 96, 16, 832, 480, 81, 50},
      {"wan-14b", 5120, 13824, 40, 40, 256384, 4096, 10240, 64, 24, 32, 96, 16, 1280, 720, 81, 50},
      // Tests: head_dim 128 keeps the RoPE split real; everything else as small as it gets.
      {"tiny", 256, 512, 2, 2, 512, 64, 128, 2, 2, 32, 8, 16, 64, 48, 5, 3},
  };
  return all;
}

}  // namespace

const RandomArch& random_arch(const std::string& name) {
  std::string names;
  for (const auto& a : archs()) {
    if (a.name == name) return a;
    names += (names.empty() ? "" : ", ") + a.name;
  }
  fail("unknown random-weights architecture '{}' (allowed: {})", name, names);
}

}  // namespace svg2::pipeline

namespace svg2 {

std::vector<std::string> random_weights_architectures() {
  return {"wan-1.3b", "wan-14b", "tiny"};
}

ModelInfo random_weights_model_info(const std::string& name) {
  const auto& a = pipeline::random_arch(name);
  ModelInfo info;
  info.dir = "";
  info.family = "wan2.1-t2v";
  info.size_name = name == "wan-1.3b" ? "1.3B" : name == "wan-14b" ? "14B" : "tiny";
  info.format = "random";
  info.random_weights = name;
  info.dim = a.dim;
  info.ffn_dim = a.ffn_dim;
  info.heads = a.heads;
  info.head_dim = a.dim / a.heads;
  info.layers = a.layers;
  // patch + text + time embeddings + per block (4 self, 4 cross, 2 ffn linears, norms, modulation) + head
  const std::int64_t d = a.dim, f = a.ffn_dim, t = a.t5_dim;
  const std::int64_t per_block = 8 * (d * d + d) + 4 * d + 2 * d + (d * f + f) + (f * d + d) + 6 * d;
  info.dit_params = (d * 16 * 4 + d) + (d * t + d) + (d * d + d) + (d * 256 + d) + (d * d + d) +
                    (6 * d * d + 6 * d) + a.layers * per_block + (64 * d + 64) + 2 * d;
  info.latent_channels = a.z_dim;
  info.default_width = a.width;
  info.default_height = a.height;
  info.default_frames = a.frames;
  info.default_steps = a.steps;
  info.default_guidance = 5.0;
  info.default_shift = 5.0;
  info.default_sampler = "unipc";
  info.default_negative_prompt = std::string(pipeline::kWanDefaultNegativePrompt);
  info.sizes = {{a.width, a.height}};
  if (name == "wan-14b") info.sizes.push_back({832, 480});
  info.description = fmt::format("random weights, {} architecture", name);
  return info;
}

}  // namespace svg2

#pragma once
// svg2_model.json: the manifest layout of a model folder (the bundled demo model, self-made
// models). The format is documented in docs/models.md.
#include <array>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "svg2/attention_config.h"

namespace svg2::pipeline {

inline constexpr const char* kManifestFileName = "svg2_model.json";
inline constexpr int kManifestFormatVersion = 1;

struct ModelManifest {
  std::string path;  // the svg2_model.json file
  std::string family, size_name, description;
  // Absolute paths of the files named in "files".
  std::string dit_file, vae_file, text_encoder_file, tokenizer_file;
  int width = 0, height = 0, frames = 0, steps = 0;
  double guidance = 5.0, shift = 5.0;
  std::string sampler = "unipc";
  std::optional<std::string> negative_prompt;  // absent = Wan's default negative prompt
  std::vector<std::pair<int, int>> sizes;
  int text_len = 512;
  std::optional<int> dit_num_heads;
  std::optional<AttentionConfig> attention;              // the engine defaults overlaid with "attention"
  std::vector<float> latents_mean, latents_std;          // empty = Wan 2.1's
  std::vector<std::array<float, 3>> latent_rgb_factors;  // empty = Wan 2.1's
  std::array<float, 3> latent_rgb_bias{0.f, 0.f, 0.f};
};

// Reads and validates the manifest in `dir`; throws svg2::Error naming the file and the key.
ModelManifest read_model_manifest(const std::string& dir);

}  // namespace svg2::pipeline

#pragma once
// What a model folder holds, read from headers only (no weights loaded).
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "svg2/attention_config.h"

namespace svg2 {

struct ModelInfo {
  std::string dir;
  std::string family;      // "wan2.1-t2v"
  std::string size_name;   // "1.3B", "14B", "demo", or "custom"
  std::string format;      // "original", "diffusers", "manifest" (svg2_model.json) or "random"
  std::int64_t dit_params = 0;
  int dim = 0, layers = 0, heads = 0;
  // Defaults for a render with this model.
  int default_width = 0, default_height = 0, default_frames = 0, default_steps = 0;
  double default_guidance = 5.0, default_shift = 5.0;
  std::vector<std::pair<int, int>> sizes;  // valid (width, height) presets
  std::string description;

  // --- added by the pipeline (docs/models.md) ---
  int ffn_dim = 0, head_dim = 0;
  int latent_channels = 16;       // VAE z_dim
  int text_len = 512;             // text context rows fed to the DiT
  std::string default_sampler = "unipc";
  std::string default_negative_prompt;  // used when a render leaves its negative prompt empty
  // The model's recommended attention settings (manifest "attention"); the CLI and the GUI
  // start from these when has_attention_defaults.
  bool has_attention_defaults = false;
  AttentionConfig attention_defaults;
  std::string random_weights;     // set for random-weights architectures ("wan-1.3b", ...)
};

ModelInfo probe_model(const std::string& dir);  // throws svg2::Error naming the missing file
std::vector<ModelInfo> scan_models(const std::vector<std::string>& folders);  // skips non-models
std::string bundled_demo_model_dir();  // resources/models/demo, located at run time

// Random-weights architectures: "wan-1.3b", "wan-14b" (full size) and "tiny" (tests).
// Throws svg2::Error listing the allowed names.
ModelInfo random_weights_model_info(const std::string& arch);
std::vector<std::string> random_weights_architectures();

}  // namespace svg2

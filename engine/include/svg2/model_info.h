#pragma once
// What a model folder holds, read from headers only (no weights loaded).
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace svg2 {

struct ModelInfo {
  std::string dir;
  std::string family;      // "wan2.1-t2v"
  std::string size_name;   // "1.3B", "14B", "demo", or "custom"
  std::string format;      // "original" or "diffusers"
  std::int64_t dit_params = 0;
  int dim = 0, layers = 0, heads = 0;
  // Defaults for a render with this model.
  int default_width = 0, default_height = 0, default_frames = 0, default_steps = 0;
  double default_guidance = 5.0, default_shift = 5.0;
  std::vector<std::pair<int, int>> sizes;  // valid (width, height) presets
  std::string description;
};

ModelInfo probe_model(const std::string& dir);  // throws svg2::Error naming the missing file
std::vector<ModelInfo> scan_models(const std::vector<std::string>& folders);  // skips non-models
std::string bundled_demo_model_dir();  // resources/models/demo, located at run time

}  // namespace svg2

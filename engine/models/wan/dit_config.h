#pragma once
// Wan 2.1 DiT hyper-parameters: named presets, and detection from a checkpoint's tensor shapes
// (original Wan key names), with every inconsistency reported by key and shape.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace svg2::wan {

using TensorShape = std::vector<std::int64_t>;
// Tensor name -> shape, as read from checkpoint headers (no data needed).
using ShapeMap = std::map<std::string, TensorShape>;

struct DiTConfig {
  std::string name = "custom";  // "wan-1.3b", "wan-14b", or "custom"
  std::int64_t dim = 0;         // hidden width
  std::int64_t ffn_dim = 0;
  std::int64_t num_heads = 0;
  std::int64_t num_layers = 0;
  std::int64_t in_dim = 16;      // latent channels in
  std::int64_t out_dim = 16;     // latent channels out
  std::int64_t text_dim = 4096;  // text encoder width (umT5-XXL: 4096)
  std::int64_t text_len = 512;   // context rows after zero padding
  std::int64_t freq_dim = 256;   // timestep sinusoid width
  double eps = 1e-6;             // every LayerNorm / RMSNorm in the DiT
  std::int64_t patch_t = 1, patch_h = 2, patch_w = 2;

  std::int64_t head_dim() const { return num_heads > 0 ? dim / num_heads : 0; }
  std::int64_t patch_volume() const { return patch_t * patch_h * patch_w; }
  std::int64_t parameter_count() const;
};

// "wan-1.3b" or "wan-14b" (Wan2.1 T2V). Throws svg2::Error listing the known names.
DiTConfig dit_preset(const std::string& name);
std::vector<std::string> dit_preset_names();

// Throws svg2::Error naming the field and the allowed values when the config cannot run
// (head_dim must be even and >= 6 for the 3D RoPE split, dims positive, ...).
void validate(const DiTConfig& config);

// Every tensor the DiT owns, by original Wan name, with its shape.
ShapeMap expected_dit_shapes(const DiTConfig& config);

// Detects the config from tensor shapes (original Wan names, optionally prefixed with
// "model.diffusion_model."): dim = head.modulation.shape[-1], ffn = blocks.0.ffn.0.weight rows,
// layers = count of blocks.N, in/out/text/freq dims from their projections. The head count is
// not visible in the weights: `num_heads` (from config.json) wins, else dim / 128 (Wan's head
// width). Then checks every tensor against expected_dit_shapes: missing, unexpected and
// mis-shaped keys throw svg2::Error naming the key and both shapes. I2V / FLF2V checkpoints
// (img_emb.*) are rejected: only text-to-video is supported.
DiTConfig detect_dit_config(const ShapeMap& shapes, std::optional<std::int64_t> num_heads = std::nullopt);

// The prefix every key carries ("" or "model.diffusion_model."), detected from head.modulation.
std::string dit_key_prefix(const ShapeMap& shapes);

// The preset name whose sizes equal `config` (ignoring `name`), or "custom".
std::string matching_preset_name(const DiTConfig& config);

std::string shape_string(const TensorShape& shape);

}  // namespace svg2::wan

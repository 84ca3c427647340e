#pragma once
// Everything that defines a render, so any render can be reproduced from its JSON sidecar.
#include <cstdint>
#include <string>

#include "svg2/attention_config.h"

namespace svg2 {

enum class SamplerKind { UniPC, Euler };

struct RenderParams {
  std::string model_dir;   // folder with the checkpoint files; empty = the bundled demo model
  std::string random_weights;  // "wan-1.3b" / "wan-14b": full-size architecture, random weights
  std::string prompt;
  std::string negative_prompt;  // empty = the model's default negative prompt
  bool use_default_negative = true;
  int width = 0;    // 0 = the model's default size
  int height = 0;
  int frames = 0;   // 4n+1; 0 = the model's default
  int steps = 0;    // 0 = the model's default
  double guidance = -1.0;  // < 0 = the model's default; 1 disables CFG (single branch)
  double shift = -1.0;     // < 0 = the model's default flow shift
  SamplerKind sampler = SamplerKind::UniPC;
  bool use_default_sampler = true;  // true: the model's default sampler replaces `sampler`
  std::int64_t seed = 0;
  std::string device = "auto";  // "auto", "cpu", "cuda", "cuda:N"
  std::string dtype = "auto";   // "auto" (bf16 on CUDA, fp32 on CPU), "fp32", "bf16", "fp16"
  bool offload_blocks = false;  // block-wise CPU offload of the DiT
  bool tiled_vae = false;       // spatially tiled VAE decode
  // Cap on what the render may allocate on the device, GiB (CUDA; 0 = the whole device): run as a
  // smaller card would (an allocation past the cap fails with an out-of-memory error), or leave
  // room for other programs.
  double memory_limit_gib = 0;
  AttentionConfig attention;
  int preview_every = 1;  // emit a latent preview every N steps (0 = never)

  // Debugging: save the self-attention Q/K/V of one (0-based) step and layer, both CFG branches,
  // to a safetensors file for `svg2 inspect attention`. Empty path = off.
  std::string dump_qkv_path;
  int dump_qkv_step = -1;
  int dump_qkv_layer = -1;
};

std::string to_string(SamplerKind kind);
SamplerKind sampler_from_string(const std::string& name);  // throws svg2::Error

// JSON round trip (the render sidecar's "params" object).
std::string to_json(const RenderParams& params);
RenderParams render_params_from_json(const std::string& json);  // throws svg2::Error
// Reads a render sidecar (its "params" object) or a bare params JSON file, so `--params clip.json`
// re-runs a render. Throws svg2::Error naming the file.
RenderParams render_params_from_file(const std::string& path);

}  // namespace svg2

#pragma once
// `svg2 inspect dit`: one Wan DiT forward on saved inputs (latents, timesteps, text embeddings),
// output saved as safetensors: the hook parity tests and debugging use. Plain C++, no LibTorch.
#include <cstdint>
#include <string>

namespace svg2 {

struct InspectDitOptions {
  // Where the weights come from: a model folder (any layout of docs/models.md), an explicit DiT
  // checkpoint (a .safetensors file or a folder of shards; original or diffusers names), which
  // takes precedence, or a random-weights architecture ("wan-1.3b", "wan-14b").
  std::string model_dir;
  std::string weights;
  std::string random_weights;
  std::uint64_t seed = 0;  // random weights only
  int num_heads = 0;       // 0: config.json / the manifest, else dim / 128
  int text_len = 0;        // 0: the manifest's, else 512

  // Safetensors with "latents" [B, C, F, H, W], "timesteps" [B] or [1] (also accepted:
  // "timestep"), on the 0..1000 scale, and "context" [B, L, text_dim] (L <= text_len; zero-padded
  // like the reference).
  std::string inputs;
  // Output safetensors: "velocity" [B, C, F, H, W] fp32.
  std::string out;

  std::string device = "auto";  // auto, cpu, cuda, cuda:N
  std::string dtype = "fp32";   // compute dtype of the matmuls: fp32, bf16, fp16
};

// Returns a JSON object: weights, config, device/dtype, input and output shapes, load and
// forward times, peak memory. Throws svg2::Error on bad options, files or shapes.
std::string inspect_dit(const InspectDitOptions& options);

}  // namespace svg2

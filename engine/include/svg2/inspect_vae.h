#pragma once
// `svg2 inspect vae`: decode saved latents or encode a saved video with the Wan VAE, safetensors
// in and out (the hook the parity tests and debugging use). Plain C++, no LibTorch.
#include <string>
#include <vector>

namespace svg2 {

struct InspectVaeOptions {
  std::string mode = "decode";  // "decode" or "encode"
  // A model folder (any layout of docs/models.md) and/or an explicit weights file/folder
  // (Wan .pth, safetensors, or a diffusers vae/ folder), which takes precedence.
  std::string model_dir;
  std::string weights;
  // decode: "latents" [B, z, T, h, w] or [z, T, h, w] in the DiT's normalized space.
  // encode: "video" [B, 3, 1+4k, H, W] or [3, 1+4k, H, W] in [-1, 1].
  std::string inputs;
  std::string input_key;  // tensor name in `inputs`; default "latents" / "video"
  // Output safetensors: decode -> "video" [B, 3, frames, H, W] in [-1, 1];
  // encode -> "latents" [B, z, T, h, w] (normalized, the posterior mean).
  std::string out;

  // Latent normalization when it is not Wan 2.1's 16-channel default (and the model folder's
  // manifest does not give it): one value per latent channel.
  std::vector<double> latents_mean, latents_std;

  bool tiled = false;    // spatially tiled decode
  int tile_latent = 32;  // tile size in latent pixels
  int tile_overlap_latent = 8;

  std::string device = "auto";
  std::string dtype = "fp32";  // the reference runs the VAE in fp32
};

// Returns a JSON object: shapes, chunks, tiles, cache size, timings, peak memory.
std::string inspect_vae(const InspectVaeOptions& options);

}  // namespace svg2

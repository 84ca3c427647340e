#pragma once
// The Wan 2.1 VAE (WanVAE_): encoder + conv1 (mu, log var) and conv2 + decoder, with the causal
// feature cache so both run chunk by chunk in bounded memory: decode one latent frame at a time
// (the first yields 1 video frame, every later one temporal_factor frames), encode 1 frame, then
// temporal_factor frames at a time. Latents are in the DiT's normalized space:
// encode returns (mu - mean) / std, decode takes z and uses z * std + mean. Output video is
// clamped to [-1, 1]. Parameter names are Wan's, so io::load_into fills it from Wan2.1_VAE.pth
// or from diffusers AutoencoderKLWan files through the rename table.
#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include <functional>

#include "models/wan/causal_conv3d.h"
#include "models/wan/vae_causal_cache.h"
#include "models/wan/vae_config.h"
#include "models/wan/vae_stack.h"

namespace svg2::io {
class Checkpoint;
}

namespace svg2::wan {

// Optional spatial tiling of the decode: overlapping latent tiles, each decoded with its own
// causal cache, blended with linear ramps across the overlaps. Still streams frame by frame.
struct VaeTiling {
  bool enabled = false;
  int64_t tile_latent = 32;    // tile height and width in latent pixels (256 video pixels at 8x)
  int64_t overlap_latent = 8;  // overlap of neighbouring tiles (64 video pixels); <= tile/2
};

// Receives decoded frames as soon as they exist: frames [B, C, t, H, W] clamped to [-1, 1],
// starting at video frame `first_frame`.
using VaeFrameSink = std::function<void(const at::Tensor& frames, int64_t first_frame)>;

struct VaeDecodeStats {
  int64_t chunks = 0;
  int64_t tiles = 1;
  int64_t cache_bytes = 0;  // largest total size of the causal caches during the decode
};

class WanVaeImpl : public torch::nn::Module {
 public:
  // Parameters are allocated uninitialized with `options`; load them with io::load_into or
  // init_random_wan_vae.
  WanVaeImpl(const WanVaeConfig& config, const at::TensorOptions& options);

  // latents [B, z_dim, T, h, w] (normalized) -> video [B, C, 1 + tf*(T-1), h*sf, w*sf] in [-1, 1].
  // With a sink, chunks go to the sink and an undefined tensor is returned.
  at::Tensor decode(const at::Tensor& latents, const VaeTiling& tiling = {}, const VaeFrameSink& sink = {},
                    VaeDecodeStats* stats = nullptr);
  // video [B, C, 1 + tf*k, H, W] in [-1, 1] (H, W multiples of sf) -> normalized mu
  // [B, z_dim, 1 + k, H/sf, W/sf].
  at::Tensor encode(const at::Tensor& video);

  at::Tensor normalize(const at::Tensor& mu) const;   // (mu - mean) / std
  at::Tensor denormalize(const at::Tensor& z) const;  // z * std + mean

  // One decoder call on one latent frame (already through conv2), advancing `cache`.
  at::Tensor decode_frame(const at::Tensor& x, VaeCausalCache& cache);

  const WanVaeConfig& config() const { return config_; }
  c10::Device device() const;
  c10::ScalarType dtype() const;
  // Decoded frame count for T latent frames, and latent frames for a video of `frames` frames.
  int64_t video_frames(int64_t latent_frames) const;
  int64_t latent_frames(int64_t video_frames) const;

  VaeStack encoder{nullptr}, decoder{nullptr};
  CausalConv3d conv1{nullptr}, conv2{nullptr};

 private:
  at::Tensor stat(const std::vector<double>& values, const at::Tensor& like) const;
  void check_latents(const at::Tensor& latents) const;
  WanVaeConfig config_;
};
TORCH_MODULE(WanVae);

// Tiled decode (VaeTiling::enabled); called by WanVaeImpl::decode.
at::Tensor decode_tiled(WanVaeImpl& vae, const at::Tensor& x_after_conv2, const VaeTiling& tiling,
                        const VaeFrameSink& sink, VaeDecodeStats& stats);

// The layout of a Wan VAE checkpoint (detect_wan_vae_config over its key -> shape map).
WanVaeConfig detect_wan_vae_config(const io::Checkpoint& weights);

// Builds the VAE with the layout found in `weights` (a wan_vae checkpoint in any key format the
// io rename tables know) and loads it. latents_mean / latents_std override the defaults
// (Wan 2.1's for z_dim 16); their length must equal z_dim.
WanVae load_wan_vae(const io::Checkpoint& weights, c10::Device device, c10::ScalarType dtype,
                    const std::vector<double>& latents_mean = {},
                    const std::vector<double>& latents_std = {});

// Random weights (normal, fan-in scaled; RMS gammas 1), for benchmarks and tests.
void init_random_wan_vae(WanVaeImpl& vae, uint64_t seed);

}  // namespace svg2::wan

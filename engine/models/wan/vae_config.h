#pragma once
// Layout of a Wan VAE, read from the weights (original Wan key names), so the released
// Wan2.1_VAE.pth (base 96, z 16, dim_mult [1,2,4,4], temporal [F,T,T]) and smaller VAEs (the
// bundled demo model, test VAEs) load through one code path. Each encoder/decoder stage is
// listed as it appears under encoder.downsamples.N / decoder.upsamples.N.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "models/wan/vae_resample.h"

namespace svg2::wan {

enum class VaeLayerKind { residual, attention, resample };

struct VaeLayerSpec {
  VaeLayerKind kind = VaeLayerKind::residual;
  int64_t in = 0;                            // input channels
  int64_t out = 0;                           // output channels
  ResampleMode mode = ResampleMode::down2d;  // resample only
  bool operator==(const VaeLayerSpec&) const = default;
};

// Encoder3d or Decoder3d: conv1 (in -> first), layers, middle (res, attention, res), head.
struct VaeStackSpec {
  int64_t in_channels = 0;  // encoder: video channels (3); decoder: z_dim
  int64_t first_channels = 0;
  std::vector<VaeLayerSpec> layers;
  int64_t middle_channels = 0;  // channels at the middle block (encoder: after layers)
  int64_t out_channels = 0;     // encoder: 2 * z_dim (mu, log var); decoder: video channels
  bool operator==(const VaeStackSpec&) const = default;
};

struct WanVaeConfig {
  int64_t z_dim = 16;
  std::optional<VaeStackSpec> encoder;  // absent in decoder-only weights
  std::optional<VaeStackSpec> decoder;  // absent in encoder-only weights
  // Per-channel latent normalization (the DiT works in (mu - mean) / std). Empty: Wan 2.1's
  // 16 values when z_dim is 16, else identity.
  std::vector<double> latents_mean, latents_std;

  int64_t spatial_factor() const;   // 8 for Wan 2.1
  int64_t temporal_factor() const;  // 4 for Wan 2.1
  int64_t video_channels() const;
  std::string describe() const;
};

const std::vector<double>& wan21_latents_mean();
const std::vector<double>& wan21_latents_std();

// The layout Wan's WanVAE_ constructor builds (Encoder3d / Decoder3d arguments).
WanVaeConfig make_wan_vae_config(int64_t base_dim = 96, int64_t z_dim = 16,
                                 std::vector<int64_t> dim_mult = {1, 2, 4, 4}, int64_t num_res_blocks = 2,
                                 std::vector<bool> temporal_downsample = {false, true, true});

// Same z_dim and the same layers in both stacks (the latent statistics are not compared).
bool same_layout(const WanVaeConfig& a, const WanVaeConfig& b);

// Residual blocks in the encoder's first stage: `num_res_blocks` of make_wan_vae_config.
int64_t residual_blocks_per_stage(const VaeStackSpec& encoder);

// Key -> shape (canonical names). Throws svg2::Error naming the key and the shapes involved
// when the layout is not a Wan 2.1-style VAE.
WanVaeConfig detect_wan_vae_config(const std::map<std::string, std::vector<int64_t>>& shapes);

}  // namespace svg2::wan

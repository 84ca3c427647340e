#pragma once
// The cheap live preview: a per-pixel linear map from latent channels to RGB, applied to the
// sampler's current x0 prediction. No VAE involved, so it costs microseconds per step.
#include <ATen/core/Tensor.h>

#include <array>
#include <vector>

#include "svg2/video.h"

namespace svg2::pipeline {

class LatentPreview {
 public:
  // factors: one (r, g, b) row per latent channel; rgb = x0 . factors + bias, in [-1, 1].
  LatentPreview(std::vector<std::array<float, 3>> factors, std::array<float, 3> bias);
  // Wan 2.1's published factors (16 channels).
  static LatentPreview wan21();

  int channels() const { return static_cast<int>(factors_.size()); }

  // x0: [C, F, H, W] or [1, C, F, H, W] in the DiT's normalized latent space, any float dtype and
  // device. Returns F frames of H x W RGB (latent resolution; the UI scales them), at fps / 4.
  Video render(const at::Tensor& x0, double fps = 16.0) const;

  // Least-squares fit of the projection from pairs of latents [N, C] and RGB in [-1, 1] [N, 3];
  // used for models whose latent space has no published factors.
  static LatentPreview fit(const at::Tensor& latents, const at::Tensor& rgb);

  const std::vector<std::array<float, 3>>& factors() const { return factors_; }
  const std::array<float, 3>& bias() const { return bias_; }

 private:
  std::vector<std::array<float, 3>> factors_;
  std::array<float, 3> bias_;
};

}  // namespace svg2::pipeline

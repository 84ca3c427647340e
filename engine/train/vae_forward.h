#pragma once
// Differentiable passes through the engine's Wan VAE for training. They drive the same modules
// and causal cache as WanVaeImpl::encode/decode (encoder chunks of 1 then 4 frames, decoder one
// latent frame at a time), so what is trained is exactly what renders use, but without the
// inference-mode guard, and they return the posterior's log-variance too.
#include <ATen/core/Tensor.h>

#include <utility>

#include "models/wan/wan_vae.h"

namespace svg2::train {

// video [B, 3, 1 + 4k, H, W] in [-1, 1] -> (mu, logvar), each [B, z, 1 + k, H/8, W/8] (raw, not
// normalized by the latent statistics).
std::pair<at::Tensor, at::Tensor> vae_encode_train(wan::WanVaeImpl& vae, const at::Tensor& video);

// Raw latents [B, z, T, h, w] -> video [B, 3, 1 + 4(T-1), 8h, 8w], not clamped.
at::Tensor vae_decode_train(wan::WanVaeImpl& vae, const at::Tensor& latents);

}  // namespace svg2::train

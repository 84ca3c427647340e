#pragma once
// The VAE's mid-block attention: per frame, RMS_norm (images), to_qkv 1x1 conv, one head over
// the h*w positions (scale 1/sqrt(C)), proj 1x1 conv, residual. No time mixing, so no cache.
#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include "models/wan/causal_conv3d.h"
#include "models/wan/vae_rms_norm.h"

namespace svg2::wan {

class VaeAttentionBlockImpl : public torch::nn::Module {
 public:
  VaeAttentionBlockImpl(int64_t channels, const at::TensorOptions& options);
  at::Tensor forward(const at::Tensor& x);  // [B, C, T, H, W]

  VaeRmsNorm norm{nullptr};
  VaeConv2d to_qkv{nullptr}, proj{nullptr};
};
TORCH_MODULE(VaeAttentionBlock);

}  // namespace svg2::wan

#pragma once
// Encoder3d / Decoder3d of the Wan VAE: conv1, the stage list (encoder "downsamples", decoder
// "upsamples"), the middle block (residual, attention, residual) and the head (RMS_norm, SiLU,
// CausalConv3d). One class serves both; the spec says which stages there are. A forward call
// processes one time chunk and advances the causal cache.
#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/pimpl.h>

#include "models/wan/causal_conv3d.h"
#include "models/wan/vae_causal_cache.h"
#include "models/wan/vae_config.h"
#include "models/wan/vae_rms_norm.h"

namespace svg2::wan {

class VaeStackImpl : public torch::nn::Module {
 public:
  // decoder: true for Decoder3d (middle before the stages, "upsamples"), false for Encoder3d.
  VaeStackImpl(const VaeStackSpec& spec, bool decoder, const at::TensorOptions& options);
  at::Tensor forward(const at::Tensor& x, VaeCausalCache& cache);

  const VaeStackSpec& spec() const { return spec_; }

 private:
  at::Tensor run_middle(const at::Tensor& x, VaeCausalCache& cache);

  VaeStackSpec spec_;
  bool decoder_;
  CausalConv3d conv1_{nullptr}, head_conv_{nullptr};
  VaeRmsNorm head_norm_{nullptr};
  torch::nn::ModuleList stages_{nullptr}, middle_{nullptr};
};
TORCH_MODULE(VaeStack);

}  // namespace svg2::wan

#pragma once
// ResidualBlock(in, out): residual = [RMS_norm, SiLU, CausalConv3d 3^3, RMS_norm, SiLU, Dropout,
// CausalConv3d 3^3] (Wan keys residual.0/.2/.3/.6), plus a 1x1x1 CausalConv3d shortcut when
// in != out. Both 3^3 convolutions use the causal cache.
#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include "models/wan/causal_conv3d.h"
#include "models/wan/vae_causal_cache.h"
#include "models/wan/vae_rms_norm.h"

namespace svg2::wan {

class VaeResidualBlockImpl : public torch::nn::Module {
 public:
  VaeResidualBlockImpl(int64_t in_channels, int64_t out_channels, const at::TensorOptions& options);
  at::Tensor forward(const at::Tensor& x, VaeCausalCache& cache);

  VaeRmsNorm norm1{nullptr}, norm2{nullptr};
  CausalConv3d conv1{nullptr}, conv2{nullptr}, shortcut{nullptr};
};
TORCH_MODULE(VaeResidualBlock);

}  // namespace svg2::wan

#pragma once
// Resample stages of the Wan VAE (the 2D parts run per frame):
//   down2d: zero-pad right/bottom by 1, Conv2d(C, C, 3, stride 2)              keys resample.1
//   down3d: down2d, then time_conv CausalConv3d(C, C, (3,1,1), stride (2,1,1))  + time_conv
//   up2d:   nearest-exact x2, Conv2d(C, C_out, 3, pad 1)                        keys resample.1
//   up3d:   time_conv CausalConv3d(C, 2C, (3,1,1), pad (1,0,0)) whose two channel halves
//           interleave in time (doubling T), then up2d                          + time_conv
// The temporal parts follow the reference's cache rules: the first chunk is not resampled in
// time ("Rep" for up3d), later chunks continue from the cached frames.
#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include "models/wan/causal_conv3d.h"
#include "models/wan/vae_causal_cache.h"

namespace svg2::wan {

enum class ResampleMode { down2d, down3d, up2d, up3d };

const char* to_string(ResampleMode mode);

class VaeResampleImpl : public torch::nn::Module {
 public:
  VaeResampleImpl(ResampleMode mode, int64_t channels, int64_t out_channels,
                  const at::TensorOptions& options);
  at::Tensor forward(const at::Tensor& x, VaeCausalCache& cache);

  ResampleMode mode() const { return mode_; }
  VaeConv2d conv{nullptr};
  CausalConv3d time_conv{nullptr};

 private:
  at::Tensor spatial(const at::Tensor& x);
  ResampleMode mode_;
};
TORCH_MODULE(VaeResample);

}  // namespace svg2::wan

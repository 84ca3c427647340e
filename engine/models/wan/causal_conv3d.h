#pragma once
// CausalConv3d: a Conv3d whose temporal padding (2 * pad_t) is all in front, so output frame t
// sees input frames <= t only. With a cache, the previous chunk's last frames replace that many
// zero frames. Spatial padding is symmetric zeros, as in the reference.
#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include <array>

#include "models/wan/vae_causal_cache.h"

namespace svg2::wan {

using Dims3 = std::array<int64_t, 3>;  // (time, height, width)

class CausalConv3dImpl : public torch::nn::Module {
 public:
  CausalConv3dImpl(int64_t in_channels, int64_t out_channels, std::array<int64_t, 3> kernel,
                   std::array<int64_t, 3> stride, std::array<int64_t, 3> padding,
                   const at::TensorOptions& options);

  // x [B, C, T, H, W]; cache_frames: up to 2 frames preceding x (or undefined).
  at::Tensor forward(const at::Tensor& x, const at::Tensor& cache_frames = {});
  // The reference's cached call: uses and updates the next slot of `cache`.
  at::Tensor forward_cached(const at::Tensor& x, VaeCausalCache& cache);

  at::Tensor weight;  // [out, in, kt, kh, kw]
  at::Tensor bias;    // [out]

 private:
  std::array<int64_t, 3> stride_, padding_;
};
TORCH_MODULE(CausalConv3d);

// A plain Conv2d with uninitialized weights (they are always loaded).
class VaeConv2dImpl : public torch::nn::Module {
 public:
  VaeConv2dImpl(int64_t in_channels, int64_t out_channels, int64_t kernel, int64_t stride, int64_t padding,
                const at::TensorOptions& options);
  at::Tensor forward(const at::Tensor& x);

  at::Tensor weight, bias;

 private:
  int64_t stride_, padding_;
};
TORCH_MODULE(VaeConv2d);

}  // namespace svg2::wan

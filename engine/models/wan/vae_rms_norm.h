#pragma once
// The Wan VAE's RMS_norm: F.normalize over channels (L2, clamped at 1e-12) * sqrt(C) * gamma.
// gamma is [C,1,1,1] for video tensors and [C,1,1] for the per-frame attention ("images").
#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

namespace svg2::wan {

class VaeRmsNormImpl : public torch::nn::Module {
 public:
  VaeRmsNormImpl(int64_t channels, bool images, const at::TensorOptions& options);
  at::Tensor forward(const at::Tensor& x);  // channels on dim 1

  at::Tensor gamma;

 private:
  double scale_;
};
TORCH_MODULE(VaeRmsNorm);

}  // namespace svg2::wan

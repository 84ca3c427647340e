#pragma once
// Parameter-holding building blocks of the Wan DiT. Parameters are registered under the original
// Wan names ("weight", "bias") as empty placeholders; the loader or the random initializer gives
// them data (set_data), so building a 14B model allocates nothing.
#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include <cstdint>

namespace svg2::wan {

// y = x W^T + b.
class WanLinearImpl : public torch::nn::Module {
 public:
  WanLinearImpl();
  at::Tensor forward(const at::Tensor& x) const;
  at::Tensor weight, bias;
};
TORCH_MODULE(WanLinear);

// RMSNorm with a learned weight over the last dim.
class WanRMSNormImpl : public torch::nn::Module {
 public:
  explicit WanRMSNormImpl(double eps);
  at::Tensor forward(const at::Tensor& x) const;
  at::Tensor weight;
  double eps;
};
TORCH_MODULE(WanRMSNorm);

// Affine LayerNorm over the last dim, computed in the input's dtype (the DiT feeds it fp32).
class WanLayerNormImpl : public torch::nn::Module {
 public:
  explicit WanLayerNormImpl(double eps);
  at::Tensor forward(const at::Tensor& x) const;
  at::Tensor weight, bias;
  double eps;
};
TORCH_MODULE(WanLayerNorm);

// Linear -> GELU(tanh) -> Linear, registered as "0" and "2" like the reference's nn.Sequential
// (text_embedding, ffn). On CUDA the first GEMM carries the GELU in its epilogue.
class GeluMlpImpl : public torch::nn::Module {
 public:
  GeluMlpImpl();
  at::Tensor forward(const at::Tensor& x) const;
  WanLinear fc1{nullptr}, fc2{nullptr};
};
TORCH_MODULE(GeluMlp);

// Linear -> SiLU -> Linear ("0", "2"): the time embedding, run in fp32.
class SiluMlpImpl : public torch::nn::Module {
 public:
  SiluMlpImpl();
  at::Tensor forward(const at::Tensor& x) const;
  WanLinear fc1{nullptr}, fc2{nullptr};
};
TORCH_MODULE(SiluMlp);

// A parameter-less placeholder tensor for register_parameter.
at::Tensor placeholder_parameter();

// LayerNorm without affine parameters, then x * (1 + scale) + shift, in fp32. x: [B, S, D];
// shift/scale: [Bt, 1, D] with Bt == 1 (one timestep for the whole batch: a single fused
// layer_norm with the modulation as its affine) or Bt == B.
at::Tensor modulated_layer_norm(const at::Tensor& x, const at::Tensor& shift, const at::Tensor& scale,
                                double eps);

}  // namespace svg2::wan

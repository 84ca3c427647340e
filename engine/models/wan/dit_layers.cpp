#include "models/wan/dit_layers.h"

#include <ATen/TensorOperators.h>
#include <ATen/core/grad_mode.h>
#include <ATen/ops/_addmm_activation.h>
#include <ATen/ops/addcmul.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/gelu.h>
#include <ATen/ops/layer_norm.h>
#include <ATen/ops/linear.h>
#include <ATen/ops/rms_norm.h>
#include <ATen/ops/silu.h>

namespace svg2::wan {

at::Tensor placeholder_parameter() {
  return at::empty({0}, at::TensorOptions().dtype(at::kFloat));
}

WanLinearImpl::WanLinearImpl() {
  weight = register_parameter("weight", placeholder_parameter(), false);
  bias = register_parameter("bias", placeholder_parameter(), false);
}

at::Tensor WanLinearImpl::forward(const at::Tensor& x) const {
  return at::linear(x, weight, bias);
}

WanRMSNormImpl::WanRMSNormImpl(double eps_) : eps(eps_) {
  weight = register_parameter("weight", placeholder_parameter(), false);
}

at::Tensor WanRMSNormImpl::forward(const at::Tensor& x) const {
  return at::rms_norm(x, {x.size(-1)}, weight, eps);
}

WanLayerNormImpl::WanLayerNormImpl(double eps_) : eps(eps_) {
  weight = register_parameter("weight", placeholder_parameter(), false);
  bias = register_parameter("bias", placeholder_parameter(), false);
}

at::Tensor WanLayerNormImpl::forward(const at::Tensor& x) const {
  return at::layer_norm(x, {x.size(-1)}, weight, bias, eps);
}

GeluMlpImpl::GeluMlpImpl() {
  fc1 = register_module("0", WanLinear());
  fc2 = register_module("2", WanLinear());
}

at::Tensor GeluMlpImpl::forward(const at::Tensor& x) const {
  at::Tensor hidden;
  if (x.is_cuda() && !at::GradMode::is_enabled()) {
    // cuBLASLt GELU epilogue (tanh approximation): saves a full pass over the [tokens, ffn]
    // activation. Not on the CPU, where _addmm_activation applies the exact (erf) GELU, and not
    // while training (svg2 train dit): _addmm_activation has no derivative.
    auto sizes = x.sizes().vec();
    hidden = at::_addmm_activation(fc1->bias, x.reshape({-1, x.size(-1)}), fc1->weight.t(), 1, 1,
                                   /*use_gelu=*/true);
    sizes.back() = hidden.size(-1);
    hidden = hidden.view(sizes);
  } else if (at::GradMode::is_enabled()) {
    hidden = at::gelu(fc1->forward(x), "tanh");
  } else {
    hidden = fc1->forward(x);
    at::gelu_(hidden, "tanh");
  }
  return fc2->forward(hidden);
}

SiluMlpImpl::SiluMlpImpl() {
  fc1 = register_module("0", WanLinear());
  fc2 = register_module("2", WanLinear());
}

at::Tensor SiluMlpImpl::forward(const at::Tensor& x) const {
  return fc2->forward(at::silu(fc1->forward(x)));
}

at::Tensor modulated_layer_norm(const at::Tensor& x, const at::Tensor& shift, const at::Tensor& scale,
                                double eps) {
  const auto d = x.size(-1);
  if (shift.size(0) == 1) {
    return at::layer_norm(x, {d}, scale.reshape({d}) + 1, shift.reshape({d}), eps);
  }
  return at::addcmul(shift, at::layer_norm(x, {d}, {}, {}, eps), scale + 1);
}

}  // namespace svg2::wan

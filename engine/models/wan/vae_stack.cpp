#include "models/wan/vae_stack.h"

#include <ATen/ops/silu.h>
#include <torch/nn/modules/linear.h>

#include "models/wan/vae_attention_block.h"
#include "models/wan/vae_resample.h"
#include "models/wan/vae_residual_block.h"

namespace svg2::wan {

VaeStackImpl::VaeStackImpl(const VaeStackSpec& spec, bool decoder, const at::TensorOptions& options)
    : spec_(spec), decoder_(decoder) {
  conv1_ = register_module("conv1", CausalConv3d(spec.in_channels, spec.first_channels, Dims3{3, 3, 3},
                                                 Dims3{1, 1, 1}, Dims3{1, 1, 1}, options));
  stages_ = torch::nn::ModuleList();
  for (const auto& layer : spec.layers) {
    switch (layer.kind) {
      case VaeLayerKind::residual:
        stages_->push_back(VaeResidualBlock(layer.in, layer.out, options));
        break;
      case VaeLayerKind::attention:
        stages_->push_back(VaeAttentionBlock(layer.in, options));
        break;
      case VaeLayerKind::resample:
        stages_->push_back(VaeResample(layer.mode, layer.in, layer.out, options));
        break;
    }
  }
  register_module(decoder ? "upsamples" : "downsamples", stages_);
  const int64_t mid = spec.middle_channels;
  middle_ = register_module(
      "middle", torch::nn::ModuleList(VaeResidualBlock(mid, mid, options), VaeAttentionBlock(mid, options),
                                      VaeResidualBlock(mid, mid, options)));
  const int64_t head_in = decoder ? spec.layers.back().out : mid;
  head_norm_ = VaeRmsNorm(head_in, /*images=*/false, options);
  head_conv_ =
      CausalConv3d(head_in, spec.out_channels, Dims3{3, 3, 3}, Dims3{1, 1, 1}, Dims3{1, 1, 1}, options);
  register_module("head", torch::nn::ModuleList(head_norm_, torch::nn::Identity(), head_conv_));
}

at::Tensor VaeStackImpl::run_middle(const at::Tensor& x, VaeCausalCache& cache) {
  at::Tensor y = middle_[0]->as<VaeResidualBlock>()->forward(x, cache);
  y = middle_[1]->as<VaeAttentionBlock>()->forward(y);
  return middle_[2]->as<VaeResidualBlock>()->forward(y, cache);
}

at::Tensor VaeStackImpl::forward(const at::Tensor& input, VaeCausalCache& cache) {
  at::Tensor x = conv1_->forward_cached(input, cache);
  if (decoder_) x = run_middle(x, cache);
  for (std::size_t i = 0; i < stages_->size(); ++i) {
    switch (spec_.layers[i].kind) {
      case VaeLayerKind::residual:
        x = stages_[i]->as<VaeResidualBlock>()->forward(x, cache);
        break;
      case VaeLayerKind::attention:
        x = stages_[i]->as<VaeAttentionBlock>()->forward(x);
        break;
      case VaeLayerKind::resample:
        x = stages_[i]->as<VaeResample>()->forward(x, cache);
        break;
    }
  }
  if (!decoder_) x = run_middle(x, cache);
  return head_conv_->forward_cached(at::silu(head_norm_->forward(x)), cache);
}

}  // namespace svg2::wan

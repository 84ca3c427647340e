#include "models/wan/vae_residual_block.h"

#include <ATen/ops/silu.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/linear.h>

namespace svg2::wan {

VaeResidualBlockImpl::VaeResidualBlockImpl(int64_t in, int64_t out, const at::TensorOptions& options) {
  norm1 = VaeRmsNorm(in, /*images=*/false, options);
  conv1 = CausalConv3d(in, out, Dims3{3, 3, 3}, Dims3{1, 1, 1}, Dims3{1, 1, 1}, options);
  norm2 = VaeRmsNorm(out, /*images=*/false, options);
  conv2 = CausalConv3d(out, out, Dims3{3, 3, 3}, Dims3{1, 1, 1}, Dims3{1, 1, 1}, options);
  // The reference's nn.Sequential indices: 1 SiLU, 4 SiLU and 5 Dropout hold no weights.
  torch::nn::ModuleList residual;
  residual->push_back(norm1);
  residual->push_back(torch::nn::Identity());
  residual->push_back(conv1);
  residual->push_back(norm2);
  residual->push_back(torch::nn::Identity());
  residual->push_back(torch::nn::Identity());
  residual->push_back(conv2);
  register_module("residual", residual);
  if (in != out)
    shortcut = register_module(
        "shortcut", CausalConv3d(in, out, Dims3{1, 1, 1}, Dims3{1, 1, 1}, Dims3{0, 0, 0}, options));
}

at::Tensor VaeResidualBlockImpl::forward(const at::Tensor& x, VaeCausalCache& cache) {
  at::Tensor h = shortcut ? shortcut->forward(x) : x;
  at::Tensor y = conv1->forward_cached(at::silu(norm1->forward(x)), cache);
  y = conv2->forward_cached(at::silu(norm2->forward(y)), cache);
  return y + h;
}

}  // namespace svg2::wan

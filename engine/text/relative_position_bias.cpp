#include "text/relative_position_bias.h"

#include <ATen/ops/abs.h>
#include <ATen/ops/arange.h>
#include <ATen/ops/embedding.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/full_like.h>
#include <ATen/ops/log.h>
#include <ATen/ops/minimum.h>
#include <ATen/ops/where.h>

#include <cmath>

namespace svg2::text {

at::Tensor relative_position_buckets(int64_t lq, int64_t lk, int64_t num_buckets, int64_t max_distance,
                                     const at::Device& device) {
  const auto opts = at::TensorOptions().dtype(at::kLong).device(device);
  at::Tensor rel = at::arange(lk, opts).unsqueeze(0) - at::arange(lq, opts).unsqueeze(1);
  const int64_t half = num_buckets / 2;
  at::Tensor buckets = (rel > 0).to(at::kLong) * half;
  rel = at::abs(rel);
  const int64_t max_exact = half / 2;
  // Same op order and precision as the reference: fp32 log, divided by a double log ratio.
  at::Tensor large =
      max_exact + (at::log(rel.to(at::kFloat) / static_cast<double>(max_exact)) /
                   std::log(static_cast<double>(max_distance) / static_cast<double>(max_exact)) *
                   static_cast<double>(half - max_exact))
                      .to(at::kLong);
  large = at::minimum(large, at::full_like(large, half - 1));
  return buckets + at::where(rel < max_exact, rel, large);
}

RelativePositionBiasImpl::RelativePositionBiasImpl(int64_t num_buckets, int64_t num_heads,
                                                   const at::TensorOptions& options) {
  embedding_ = std::make_shared<torch::nn::Module>("Embedding");
  weight = embedding_->register_parameter("weight", at::empty({num_buckets, num_heads}, options),
                                          /*requires_grad=*/false);
  register_module("embedding", embedding_);
}

at::Tensor RelativePositionBiasImpl::forward(const at::Tensor& buckets) {
  return at::embedding(weight, buckets).permute({2, 0, 1}).unsqueeze(0).contiguous();
}

}  // namespace svg2::text

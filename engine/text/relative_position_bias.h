#pragma once
// umT5's bidirectional relative position bias (one per layer): key j seen from query i falls in
// a bucket of r = j - i (half the buckets for r > 0, half for r <= 0; exact for |r| < buckets/4,
// log-spaced up to max_distance beyond), and each bucket holds one learned bias per head.
#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

namespace svg2::text {

// Bucket index [lq, lk] (int64) for the given sizes; computed with the reference's fp32 ops so
// the log-spaced boundaries land on the same integers.
at::Tensor relative_position_buckets(int64_t lq, int64_t lk, int64_t num_buckets, int64_t max_distance,
                                     const at::Device& device);

class RelativePositionBiasImpl : public torch::nn::Module {
 public:
  RelativePositionBiasImpl(int64_t num_buckets, int64_t num_heads, const at::TensorOptions& options);
  // buckets [Lq, Lk] -> bias [1, heads, Lq, Lk]
  at::Tensor forward(const at::Tensor& buckets);

  torch::nn::Module& embedding_module() { return *embedding_; }
  at::Tensor weight;  // [num_buckets, num_heads], stored as "embedding.weight"

 private:
  std::shared_ptr<torch::nn::Module> embedding_;
};
TORCH_MODULE(RelativePositionBias);

}  // namespace svg2::text

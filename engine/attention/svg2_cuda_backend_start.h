#pragma once
// Cold-start centroids of the CUDA SVG2 backend without a full-size fp32 copy of the tokens:
// the same tokens as kmeans_init_random (same seeded CPU generator, same draws), gathered straight
// from the bf16 input, so the result is exactly kmeans_init_random(x, C, seed) in bf16 (the rows are
// bf16 tokens, so nothing is rounded). kmeans_init_random converts all of x to fp32 first:
// 1.55 GB per branch at the Wan 14B 720p shape, at the moment the cold step peaks.
#include <ATen/core/Tensor.h>

#include <cstdint>

namespace svg2::attention {

// x: [N, S, D] (any strides, any floating dtype) -> [N, C, D] in x's dtype, on x's device.
at::Tensor random_start_centroids(const at::Tensor& x, std::int64_t clusters, std::uint64_t seed);

}  // namespace svg2::attention

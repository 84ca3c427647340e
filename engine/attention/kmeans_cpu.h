#pragma once
// The CPU k-means kernels. Assignment: per problem and chunk of tokens one GEMM (centroids x
// tokens), then a vectorised column-wise min that adds ||c||^2 on the fly, so the [S, C] distance
// matrix is never materialised whole and no separate argmin pass runs. Update: a plain vectorised
// accumulation per problem (index_add_ takes a slow generic scatter path on the CPU).
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <utility>

namespace svg2::attention {

// x [N, S, D] fp32 contiguous, centroids [N, C, D] fp32 contiguous (CPU) -> labels [N, S] int64,
// the nearest centroid by Euclidean distance, ties to the lowest index.
at::Tensor nearest_centroid_cpu(const at::Tensor& x, const at::Tensor& centroids);

// Per-cluster sums [N, C, D] fp32 and token counts [N, C] int64 of x [N, S, D] fp32 contiguous for
// labels [N, S] int64 contiguous in [0, C) (CPU).
std::pair<at::Tensor, at::Tensor> cluster_sums_cpu(const at::Tensor& x, const at::Tensor& labels,
                                                   std::int64_t clusters);

}  // namespace svg2::attention

#pragma once
// The k-means objective for telemetry, in head groups so the fp32 temporaries stay small:
// kmeans_inertia converts all tokens to fp32 and gathers a centroid per token, four [N, S, D] fp32
// tensors at once (6.2 GB per branch at the Wan 14B 720p shape, issue #8).
#include <ATen/core/Tensor.h>

#include <cstddef>

namespace svg2::attention {

// sum_s ||x_s - centroids[labels_s]||^2 per problem: x [N, S, D] (any strides), labels [N, S]
// int32/int64, centroids [N, C, D] -> [N] fp32. Each group of problems uses two fp32 [n, S, D]
// temporaries of at most `group_bytes` each (at least one problem per group).
at::Tensor grouped_kmeans_inertia(const at::Tensor& x, const at::Tensor& labels, const at::Tensor& centroids,
                                  std::size_t group_bytes = std::size_t{128} << 20);

}  // namespace svg2::attention

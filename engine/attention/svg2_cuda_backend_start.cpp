#include "attention/svg2_cuda_backend_start.h"

#include <ATen/ops/gather.h>

#include "attention/kmeans.h"
#include "core/check.h"

namespace svg2::attention {

at::Tensor random_start_centroids(const at::Tensor& x, std::int64_t clusters, std::uint64_t seed) {
  SVG2_CHECK(x.defined() && x.dim() == 3 && x.is_floating_point() && x.size(1) >= 1,
             "k-means start: x must be a floating [N, S, D] tensor with S >= 1");
  SVG2_CHECK(clusters >= 1, "k-means start: cluster count must be >= 1, got {}", clusters);
  const std::int64_t n = x.size(0);
  // The draws of kmeans_init_random, so a seed gives the reference's starting tokens.
  at::Tensor idx = kmeans_random_start_indices(n, x.size(1), clusters, seed);
  // One asynchronous copy from pinned memory (a blocking copy would synchronize the stream).
  if (x.is_cuda()) idx = idx.pin_memory().to(x.device(), /*non_blocking=*/true);
  return x.gather(1, idx.unsqueeze(-1).expand({n, clusters, x.size(2)}));
}

}  // namespace svg2::attention

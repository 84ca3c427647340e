#include "attention/svg2_cuda_backend_start.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/ops/cat.h>
#include <ATen/ops/gather.h>
#include <ATen/ops/randperm.h>
#include <ATen/ops/stack.h>

#include <vector>

#include "core/check.h"

namespace svg2::attention {

at::Tensor random_start_centroids(const at::Tensor& x, std::int64_t clusters, std::uint64_t seed) {
  SVG2_CHECK(x.defined() && x.dim() == 3 && x.is_floating_point() && x.size(1) >= 1,
             "k-means start: x must be a floating [N, S, D] tensor with S >= 1");
  SVG2_CHECK(clusters >= 1, "k-means start: cluster count must be >= 1, got {}", clusters);
  const std::int64_t n = x.size(0), s = x.size(1);
  // The draws of kmeans_init_random, in the same order: per problem, permutations of the tokens
  // until there are C indices (repeats only when C > S).
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  std::vector<at::Tensor> rows;
  rows.reserve(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    std::vector<at::Tensor> parts;
    for (std::int64_t have = 0; have < clusters; have += s) parts.push_back(at::randperm(s, gen, at::kLong));
    rows.push_back(at::cat(parts).narrow(0, 0, clusters));
  }
  at::Tensor idx = at::stack(rows);
  // One asynchronous copy from pinned memory (a blocking copy would synchronize the stream).
  if (x.is_cuda()) idx = idx.pin_memory().to(x.device(), /*non_blocking=*/true);
  return x.gather(1, idx.unsqueeze(-1).expand({n, clusters, x.size(2)}));
}

}  // namespace svg2::attention

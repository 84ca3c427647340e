#include "attention/svg2_cuda_backend_inertia.h"

#include <ATen/ops/arange.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/index_select.h>

#include <algorithm>

#include "core/check.h"

namespace svg2::attention {

at::Tensor grouped_kmeans_inertia(const at::Tensor& x, const at::Tensor& labels, const at::Tensor& centroids,
                                  std::size_t group_bytes) {
  SVG2_CHECK(x.defined() && x.dim() == 3 && labels.dim() == 2 && centroids.dim() == 3 &&
                 labels.size(0) == x.size(0) && labels.size(1) == x.size(1) &&
                 centroids.size(0) == x.size(0) && centroids.size(2) == x.size(2),
             "k-means inertia: expected x [N, S, D], labels [N, S], centroids [N, C, D]");
  const std::int64_t n = x.size(0), s = x.size(1), d = x.size(2), c = centroids.size(1);
  const std::size_t per_problem = static_cast<std::size_t>(s * d) * sizeof(float);
  const std::int64_t group = std::clamp<std::int64_t>(
      static_cast<std::int64_t>(group_bytes / std::max<std::size_t>(per_problem, 1)), 1, n);
  at::Tensor out = at::empty({n}, x.options().dtype(at::kFloat));
  const at::Tensor cf = centroids.to(at::kFloat);
  for (std::int64_t p0 = 0; p0 < n; p0 += group) {
    const std::int64_t g = std::min(group, n - p0);
    at::Tensor diff = at::empty({g * s, d}, x.options().dtype(at::kFloat));
    // Row of each token's centroid in the group's flattened [g * C, D] centroids.
    const at::Tensor rows = (labels.narrow(0, p0, g).to(at::kLong) +
                             at::arange(g, labels.options().dtype(at::kLong)).unsqueeze(1) * c)
                                .reshape({-1});
    at::index_select_out(diff, cf.narrow(0, p0, g).reshape({g * c, d}), 0, rows);
    at::Tensor xf = at::empty({g, s, d}, diff.options());
    xf.copy_(x.narrow(0, p0, g));
    diff.sub_(xf.view({g * s, d}));
    xf = at::Tensor();
    out.narrow(0, p0, g).copy_(diff.square_().view({g, s * d}).sum(1));
  }
  return out;
}

}  // namespace svg2::attention

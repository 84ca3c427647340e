#include "attention/kmeans.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <ATen/core/Generator.h>
#include <ATen/ops/arange.h>
#include <ATen/ops/argmin.h>
#include <ATen/ops/bmm.h>
#include <ATen/ops/cat.h>
#include <ATen/ops/clamp.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/minimum.h>
#include <ATen/ops/ones.h>
#include <ATen/ops/rand.h>
#include <ATen/ops/randperm.h>
#include <ATen/ops/searchsorted.h>
#include <ATen/ops/stack.h>
#include <ATen/ops/sum.h>
#include <ATen/ops/where.h>
#include <ATen/ops/zeros.h>

#include <algorithm>
#include <cmath>
#include <tuple>
#include <utility>

#include "attention/kmeans_cpu.h"
#include "attention/shape_text.h"
#include "core/check.h"

namespace svg2::attention {
namespace {

// Bounds the [N, rows, C] distance block of one assignment chunk (64 MiB of fp32).
constexpr std::int64_t kAssignChunkElements = std::int64_t{16} << 20;

void check_points(const at::Tensor& x, const char* what) {
  SVG2_CHECK(x.defined() && x.dim() == 3, "k-means: {} must be [N, S, D], got {} dims", what,
             x.defined() ? x.dim() : 0);
  SVG2_CHECK(at::isFloatingType(x.scalar_type()), "k-means: {} must be floating point, got {}", what,
             c10::toString(x.scalar_type()));
  SVG2_CHECK(x.size(1) >= 1 && x.size(2) >= 1, "k-means: {} needs S >= 1 and D >= 1, got [{}, {}, {}]", what,
             x.size(0), x.size(1), x.size(2));
}

void check_centroids(const at::Tensor& x, const at::Tensor& c, const char* what) {
  SVG2_CHECK(
      c.defined() && c.dim() == 3 && c.size(0) == x.size(0) && c.size(2) == x.size(2) && c.size(1) >= 1,
      "k-means: {} must be [N={}, C>=1, D={}], got {}", what, x.size(0), x.size(2), shape_text(c));
}

void check_labels(const at::Tensor& x, const at::Tensor& labels) {
  SVG2_CHECK(
      labels.defined() && labels.dim() == 2 && labels.size(0) == x.size(0) && labels.size(1) == x.size(1),
      "k-means: labels must be [N={}, S={}], got {}", x.size(0), x.size(1), shape_text(labels));
  SVG2_CHECK(labels.scalar_type() == at::kLong, "k-means: labels must be int64, got {}",
             c10::toString(labels.scalar_type()));
}

at::Tensor as_fp32(const at::Tensor& x) {
  return x.to(at::kFloat).contiguous();
}

at::Generator seeded_cpu_generator(std::uint64_t seed) {
  return at::make_generator<at::CPUGeneratorImpl>(seed);
}

// Rows of x [N, S, D] at idx [N, C] -> [N, C, D] (index_select on the flattened rows is several
// times faster than gather with an expanded index).
at::Tensor gather_rows(const at::Tensor& x, const at::Tensor& idx) {
  const std::int64_t n = x.size(0), s = x.size(1), d = x.size(2);
  const at::Tensor flat = (idx + at::arange(n, idx.options()).unsqueeze(1) * s).reshape({-1});
  return x.reshape({n * s, d}).index_select(0, flat).view({n, idx.size(1), d});
}

// Per-cluster sums of x and token counts for labels: [N, C, D] fp32 and [N, C] int64.
std::pair<at::Tensor, at::Tensor> cluster_sums(const at::Tensor& xf, const at::Tensor& labels,
                                               std::int64_t k) {
  const std::int64_t n = xf.size(0), s = xf.size(1), d = xf.size(2);
  if (xf.device().is_cpu()) return cluster_sums_cpu(xf.contiguous(), labels.contiguous(), k);
  // Flatten (problem, cluster) so one index_add_ sums every problem at once.
  const at::Tensor flat = (labels + at::arange(n, labels.options()).unsqueeze(1) * k).reshape({n * s});
  at::Tensor sums = at::zeros({n * k, d}, xf.options()).index_add_(0, flat, xf.reshape({n * s, d}));
  at::Tensor counts =
      at::zeros({n * k}, labels.options()).index_add_(0, flat, at::ones({n * s}, labels.options()));
  return {sums.view({n, k, d}), counts.view({n, k})};
}

// Means where a cluster has tokens, else the previous centroid.
at::Tensor means_or_previous(const at::Tensor& sums, const at::Tensor& counts, const at::Tensor& previous) {
  const at::Tensor means = sums / counts.clamp_min(1).unsqueeze(-1).to(at::kFloat);
  return at::where((counts > 0).unsqueeze(-1), means, previous.to(at::kFloat));
}

// sum_s ||x_s - c_l(s)||^2 = sum ||x||^2 - 2 sum_c c_c . S_c + sum_c n_c ||c_c||^2, from the cluster
// sums S_c and counts n_c (in fp64, so the cancellation stays harmless): O(C D) instead of O(S D).
at::Tensor inertia_from_sums(const at::Tensor& xf, const at::Tensor& sums, const at::Tensor& counts,
                             const at::Tensor& centroids) {
  const at::Tensor c = centroids.to(at::kDouble);
  const at::Tensor x2 = at::sum(xf * xf, {1, 2}, false, at::kDouble);
  const at::Tensor cross = (c * sums.to(at::kDouble)).sum({1, 2});
  const at::Tensor c2 = (c.pow(2).sum(-1) * counts.to(at::kDouble)).sum(-1);
  return (x2 - 2 * cross + c2).clamp_min(0).to(at::kFloat);
}

}  // namespace

at::Tensor kmeans_random_start_indices(std::int64_t problems, std::int64_t tokens, std::int64_t clusters,
                                       std::uint64_t seed) {
  SVG2_CHECK(problems >= 1 && tokens >= 1 && clusters >= 1,
             "k-means start: problems, tokens and clusters must be >= 1, got {}, {}, {}", problems, tokens,
             clusters);
  at::Generator gen = seeded_cpu_generator(seed);
  std::vector<at::Tensor> rows;
  rows.reserve(static_cast<std::size_t>(problems));
  for (std::int64_t i = 0; i < problems; ++i) {
    // Without replacement; only when C > S do tokens repeat (then some clusters start empty).
    std::vector<at::Tensor> parts;
    for (std::int64_t have = 0; have < clusters; have += tokens)
      parts.push_back(at::randperm(tokens, gen, at::kLong));
    rows.push_back(at::cat(parts).narrow(0, 0, clusters));
  }
  return at::stack(rows);
}

at::Tensor kmeans_init_random(const at::Tensor& x, std::int64_t clusters, std::uint64_t seed) {
  check_points(x, "x");
  SVG2_CHECK(clusters >= 1, "k-means: cluster count must be >= 1, got {}", clusters);
  const at::Tensor idx = kmeans_random_start_indices(x.size(0), x.size(1), clusters, seed).to(x.device());
  return gather_rows(as_fp32(x), idx);
}

at::Tensor kmeans_init_plus_plus(const at::Tensor& x, std::int64_t clusters, std::uint64_t seed) {
  check_points(x, "x");
  SVG2_CHECK(clusters >= 1, "k-means: cluster count must be >= 1, got {}", clusters);
  const at::Tensor xf = as_fp32(x);
  const std::int64_t n = xf.size(0), s = xf.size(1), d = xf.size(2);
  // Greedy k-means++ (as scikit-learn's): each next centre is the best of `trials` D²-weighted
  // candidates, the one leaving the smallest summed squared distance. A single draw lands in an
  // already-covered cluster with probability (covered mass / total mass), a few percent per centre
  // even for well-separated clusters, and Lloyd cannot undo the merge that follows; with `trials`
  // draws that takes all of them missing.
  const std::int64_t trials = 2 + static_cast<std::int64_t>(std::log(static_cast<double>(clusters)));
  at::Generator gen = seeded_cpu_generator(seed);
  // Uniform numbers per (problem, centre, candidate), drawn on the CPU so every device picks the
  // same tokens.
  const at::Tensor u = at::rand({n, clusters, trials}, gen, at::kDouble).to(xf.device());
  at::Tensor centroids = at::empty({n, clusters, d}, xf.options());
  const at::Tensor x_norm = xf.pow(2).sum(-1).unsqueeze(1);  // [N, 1, S]
  // Squared distances of every token to each row of `centres` [N, L, D] -> [N, L, S].
  const auto distances = [&](const at::Tensor& centres) {
    const at::Tensor c_norm = centres.pow(2).sum(-1).unsqueeze(2);  // [N, L, 1]
    return at::bmm(centres, xf.transpose(1, 2)).mul_(-2.0).add_(x_norm).add_(c_norm).clamp_min_(0.0);
  };
  const at::Tensor first =
      (u.select(2, 0).select(1, 0) * static_cast<double>(s)).floor().to(at::kLong).clamp(0, s - 1);
  at::Tensor first_centre = gather_rows(xf, first.unsqueeze(1));  // [N, 1, D]
  centroids.narrow(1, 0, 1).copy_(first_centre);
  at::Tensor nearest = distances(first_centre).squeeze(1);  // [N, S]
  for (std::int64_t c = 1; c < clusters; ++c) {
    // Inverse-CDF draws proportional to the squared distance to the nearest centre so far.
    const at::Tensor cdf = nearest.to(at::kDouble).cumsum(1);
    const at::Tensor target = u.select(1, c) * cdf.narrow(1, s - 1, 1);  // [N, L]
    const at::Tensor idx = at::searchsorted(cdf, target, /*out_int32=*/false, /*right=*/true).clamp(0, s - 1);
    const at::Tensor candidates = gather_rows(xf, idx);                                          // [N, L, D]
    const at::Tensor with_candidate = at::minimum(distances(candidates), nearest.unsqueeze(1));  // [N, L, S]
    // Accumulated in fp64: the potentials of good candidates differ by little compared with their size.
    const at::Tensor best = with_candidate.sum({-1}, false, at::kDouble).argmin(1);  // [N], first on ties
    const at::Tensor chosen = idx.gather(1, best.unsqueeze(1));                      // [N, 1]
    centroids.narrow(1, c, 1).copy_(gather_rows(xf, chosen));
    nearest = with_candidate.gather(1, best.view({n, 1, 1}).expand({n, 1, s})).squeeze(1);
  }
  return centroids;
}

at::Tensor kmeans_assign(const at::Tensor& x, const at::Tensor& centroids) {
  check_points(x, "x");
  check_centroids(x, centroids, "centroids");
  const at::Tensor xf = as_fp32(x);
  const at::Tensor c = as_fp32(centroids);
  const std::int64_t n = xf.size(0), s = xf.size(1), k = c.size(1);
  // argmin_c ||x - c||^2 = argmin_c (||c||^2 - 2 x.c): one batched GEMM per chunk of tokens.
  if (xf.device().is_cpu()) return nearest_centroid_cpu(xf, c);
  // argmin_c ||x - c||^2 = argmin_c (||c||^2 - 2 x.c): one batched GEMM per chunk of tokens.
  const at::Tensor c_norm = c.pow(2).sum(-1).unsqueeze(1);  // [N, 1, C]
  const at::Tensor c_t = c.transpose(1, 2).mul(-2.0);       // [N, D, C]
  const std::int64_t rows =
      std::clamp<std::int64_t>(kAssignChunkElements / std::max<std::int64_t>(1, n * k), 1, s);
  at::Tensor labels = at::empty({n, s}, xf.options().dtype(at::kLong));
  for (std::int64_t r0 = 0; r0 < s; r0 += rows) {
    const std::int64_t r = std::min(rows, s - r0);
    labels.narrow(1, r0, r).copy_(at::argmin(at::bmm(xf.narrow(1, r0, r), c_t).add_(c_norm), -1));
  }
  return labels;
}

KMeansUpdate kmeans_update(const at::Tensor& x, const at::Tensor& labels, const at::Tensor& previous) {
  check_points(x, "x");
  check_labels(x, labels);
  check_centroids(x, previous, "previous centroids");
  if (labels.device().is_cpu() && labels.numel() > 0) {  // (on a GPU this check would sync)
    SVG2_CHECK(labels.min().item<std::int64_t>() >= 0 && labels.max().item<std::int64_t>() < previous.size(1),
               "k-means: labels must lie in [0, {})", previous.size(1));
  }
  const auto [sums, counts] = cluster_sums(as_fp32(x), labels, previous.size(1));
  return {means_or_previous(sums, counts, previous), counts};
}

at::Tensor kmeans_inertia(const at::Tensor& x, const at::Tensor& labels, const at::Tensor& centroids) {
  check_points(x, "x");
  check_labels(x, labels);
  check_centroids(x, centroids, "centroids");
  const at::Tensor xf = as_fp32(x);
  return (xf - gather_rows(as_fp32(centroids), labels)).pow(2).sum({1, 2});
}

KMeansResult kmeans(const at::Tensor& x, const at::Tensor& init, int iterations) {
  check_points(x, "x");
  check_centroids(x, init, "initial centroids");
  SVG2_CHECK(iterations >= 0, "k-means: iterations must be >= 0, got {}", iterations);
  const at::Tensor xf = as_fp32(x);
  const std::int64_t k = init.size(1);
  KMeansResult r;
  r.centroids = as_fp32(init);
  at::Tensor sums;
  // iterations = 0 only assigns: labels and sizes for the given centroids, which stay as they are.
  for (int it = 0; it < std::max(iterations, 1); ++it) {
    r.labels = kmeans_assign(xf, r.centroids);
    std::tie(sums, r.sizes) = cluster_sums(xf, r.labels, k);
    if (iterations > 0) r.centroids = means_or_previous(sums, r.sizes, r.centroids);
  }
  r.inertia = inertia_from_sums(xf, sums, r.sizes, r.centroids);
  return r;
}

}  // namespace svg2::attention

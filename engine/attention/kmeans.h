#pragma once
// Batched Lloyd k-means (Euclidean) on token features: the clustering stage of SVG2.
// Every function treats the leading dimension N as independent problems (N = B*H: one per batch
// element and head). Shapes and semantics: docs/attention.md "k-means".
#include <ATen/core/Tensor.h>

#include <cstdint>

namespace svg2::attention {

struct KMeansResult {
  at::Tensor centroids;  // [N, C, D] fp32, mean of each cluster's points (empty: previous centroid)
  at::Tensor labels;     // [N, S] int64 in [0, C)
  at::Tensor sizes;      // [N, C] int64, tokens per cluster (rows sum to S)
  at::Tensor inertia;    // [N] fp32, sum over tokens of the squared distance to its centroid
};

// C distinct tokens of each problem (tokens repeat only when C > S), drawn from a CPU generator
// seeded with `seed`, so the result is the same on every device. x: [N, S, D] floating.
at::Tensor kmeans_init_random(const at::Tensor& x, std::int64_t clusters, std::uint64_t seed);
// The token indices kmeans_init_random starts from: [problems, clusters] int64 on the CPU, per
// problem permutations of the tokens until there are `clusters` (repeats only when clusters > tokens).
at::Tensor kmeans_random_start_indices(std::int64_t problems, std::int64_t tokens, std::int64_t clusters,
                                       std::uint64_t seed);

// Greedy k-means++: first centre uniform; each next one is the best (smallest summed squared distance
// afterwards) of 2 + floor(ln C) candidates, each drawn with probability proportional to the squared
// distance to the nearest centre so far. Uniform numbers come from a seeded CPU generator.
at::Tensor kmeans_init_plus_plus(const at::Tensor& x, std::int64_t clusters, std::uint64_t seed);

// Nearest centroid of every token: x [N, S, D], centroids [N, C, D] -> labels [N, S] int64.
// Ties go to the lowest cluster index.
at::Tensor kmeans_assign(const at::Tensor& x, const at::Tensor& centroids);

struct KMeansUpdate {
  at::Tensor centroids;  // [N, C, D] fp32
  at::Tensor sizes;      // [N, C] int64
};
// Cluster means for `labels`; a cluster with no tokens keeps its centroid from `previous`.
KMeansUpdate kmeans_update(const at::Tensor& x, const at::Tensor& labels, const at::Tensor& previous);

// Sum over tokens of ||x_s - centroids[labels_s]||^2, per problem: [N] fp32.
at::Tensor kmeans_inertia(const at::Tensor& x, const at::Tensor& labels, const at::Tensor& centroids);

// `iterations` Lloyd iterations from `init` [N, C, D]: assign, then update. The returned centroids are
// the means of the returned labels, so the objective never increases from one call to the next when
// warm-started from the previous result. No early exit (that would sync the device). iterations = 0
// only assigns: labels and sizes for `init`, which comes back unchanged.
KMeansResult kmeans(const at::Tensor& x, const at::Tensor& init, int iterations);

}  // namespace svg2::attention

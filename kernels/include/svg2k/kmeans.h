#pragma once
// Batched Lloyd k-means (Euclidean) for the query and key tokens of every head at once.
//
// One iteration = assignment (tensor cores, bf16 centroids, fp32 accumulation, the token x centroid
// distance matrix is never stored) + a stable counting sort of the labels (radix sort on
// (problem, label)) + the centroid update as a segmented mean over the sorted tokens (one block per
// cluster, fixed summation order: deterministic, no float atomics). No host synchronization, no
// allocation: every buffer comes from the caller.
//
// Semantics match svg2::attention::kmeans (docs/attention.md): after the last iteration the
// centroids are the means of the returned labels, an empty cluster keeps its previous centroid,
// ties go to the lowest cluster index, and the permutation is the stable argsort of the labels.
#include <cuda_runtime_api.h>

#include <cstddef>

#include "svg2k/status.h"
#include "svg2k/tokens.h"

namespace svg2k {

constexpr int kMaxClusters = 4096;

struct KMeansShape {
  int problems = 0;  // N = batch * heads
  int tokens = 0;    // S
  int dim = 0;       // D: 64 or 128
  int clusters = 0;  // C in [1, kMaxClusters]
};

struct KMeansBuffers {
  float* centroids = nullptr;  // [N, C, D] fp32: initial centroids in, updated centroids out
  int* labels = nullptr;       // [N, S] out: cluster of each token (may be null)
  int* sizes = nullptr;        // [N, C] out: tokens per cluster
  int* offsets = nullptr;      // [N, C] out: first permuted position of each cluster in its problem
  int* permutation = nullptr;  // [N, S] out: original token index at each permuted position
};

// Workspace bytes for kmeans_run / kmeans_assign_only (0 when the shape is invalid).
std::size_t kmeans_workspace_bytes(const KMeansShape& shape);

// Checks the shape and the token view (alignment, strides).
Status kmeans_check(const KMeansShape& shape, const TokenView& x);

// `iterations` Lloyd iterations starting from buffers.centroids. Zero iterations only assign:
// labels, sizes, offsets and permutation for the given centroids, which stay unchanged.
Status kmeans_run(const KMeansShape& shape, const TokenView& x, int iterations, const KMeansBuffers& buffers,
                  void* workspace, std::size_t workspace_bytes, cudaStream_t stream);

// Only the assignment step against fp32 `centroids` [N, C, D] (rounded to bf16 for the tensor
// cores): labels [N, S]. For tests and the telemetry.
Status kmeans_assign_only(const KMeansShape& shape, const TokenView& x, const float* centroids, int* labels,
                          void* workspace, std::size_t workspace_bytes, cudaStream_t stream);

}  // namespace svg2k

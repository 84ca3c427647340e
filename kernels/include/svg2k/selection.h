#pragma once
// Block selection: centroid-pair scores, size-weighted softmax and per-row top-p (or fixed
// density), producing a compact device-side block list per query cluster. Semantics match
// svg2::attention::{centroid_scores, cluster_mass, select_top_p, select_fixed_density}
// (docs/attention.md "Block selection").
#include <cuda_runtime_api.h>

#include <cstddef>

#include "svg2k/status.h"

namespace svg2k {

struct SelectionShape {
  int problems = 0;        // N
  int tokens = 0;          // S (sum of the key-cluster sizes of every problem)
  int dim = 0;             // D (any value >= 1: the scores are fp32 dot products)
  int query_clusters = 0;  // QC in [1, kMaxClusters]
  int key_clusters = 0;    // KC in [1, kMaxClusters]
};

struct SelectionParams {
  float scale = 0.f;          // score scale, usually 1/sqrt(D)
  double top_p = 0.9;         // (0, 1]; >= 1 keeps every key cluster
  int min_clusters = 1;       // per query cluster, >= 1
  int max_clusters = 1;       // per query cluster, >= min_clusters
  double fixed_density = -1;  // in (0, 1] selects fixed-density mode (ignores top_p and the budget)
};

struct SelectionInputs {
  const float* query_centroids = nullptr;  // [N, QC, D] fp32
  const float* key_centroids = nullptr;    // [N, KC, D] fp32
  const int* key_sizes = nullptr;          // [N, KC]
  const int* query_sizes = nullptr;        // [N, QC] (only for the density)
};

// The selected blocks of query cluster i of problem n: block_keys[(n*QC + i)*KC + m] for
// m < block_counts[n*QC + i], ascending key-cluster index, empty key clusters left out (they
// contribute no tokens). row_tokens[n*QC + i] = number of key tokens the row attends.
struct BlockList {
  int* block_counts = nullptr;          // [N, QC]
  int* block_keys = nullptr;            // [N, QC, KC]
  int* row_tokens = nullptr;            // [N, QC]
  unsigned char* mask = nullptr;        // optional [N, QC, KC], 1 = selected (empty clusters included)
  float* density = nullptr;             // optional [N]: sum_ij M_ij |Q_i| |K_j| / S^2
  unsigned long long* pairs = nullptr;  // optional [N]: sum_ij M_ij |Q_i| |K_j| (computed token pairs)
};

std::size_t selection_workspace_bytes(const SelectionShape& shape);

Status select_blocks(const SelectionShape& shape, const SelectionParams& params,
                     const SelectionInputs& inputs, const BlockList& out, void* workspace,
                     std::size_t workspace_bytes, cudaStream_t stream);

}  // namespace svg2k

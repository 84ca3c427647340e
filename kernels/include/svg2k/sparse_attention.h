#pragma once
// Variable-size block-sparse flash attention forward over k-means clusters.
//
// Query cluster i of problem n (|Q_i| rows from q_offsets) attends the concatenation of its
// selected key clusters (the BlockList from select_blocks): one fp32 online softmax over exactly
// those key tokens, no padding of clusters to a fixed block size. Q/K/V are read through the
// k-means permutations and the output is written back through Q's, so the permutation gather and
// the inverse scatter are fused into the kernel's loads and stores (pass null permutations when
// the inputs are already cluster-ordered). No host synchronization, no allocation; the work list
// lives in the caller's workspace, so a call can be captured in a CUDA graph.
#include <cuda_runtime_api.h>

#include <cstddef>

#include "svg2k/status.h"
#include "svg2k/tokens.h"

namespace svg2k {

enum class AttentionKernel {
  Auto,          // HopperTmaOv on sm_90, Ampere elsewhere
  Hopper,        // wgmma + warp-specialized cp.async producer, consumers ping-ponged (sm_90a only)
  HopperSimple,  // the same without ping-pong (sm_90a only; measured 1-3% faster)
  Ampere,        // mma.sync (sm_80+)
  HopperTmaOv,   // TMA copies of 8-row key groups (three stages), producer/consumer register split,
                 // P V overlapped with the next softmax (sm_90a; needs cluster-ordered K/V, i.e. no
                 // k_permutation, else runs HopperSimple)
};

struct SparseAttentionShape {
  int problems = 0;        // N = batch * heads
  int tokens = 0;          // S
  int dim = 0;             // D: 64 or 128
  int query_clusters = 0;  // QC
  int key_clusters = 0;    // KC in [1, kMaxClusters]
};

struct SparseAttentionArgs {
  TokenView q, k, v;                   // original token order (v shares k's permutation)
  MutableTokenView out;                // original token order
  const int* q_permutation = nullptr;  // [N, S] or null (q already cluster-ordered)
  const int* q_offsets = nullptr;      // [N, QC] first position of each query cluster
  const int* q_sizes = nullptr;        // [N, QC]
  const int* k_permutation = nullptr;  // [N, S] or null
  const int* k_offsets = nullptr;      // [N, KC]
  const int* k_sizes = nullptr;        // [N, KC]
  const int* block_counts = nullptr;   // [N, QC] from select_blocks
  const int* block_keys = nullptr;     // [N, QC, KC]
  float scale = 0.f;                   // softmax scale, usually 1/sqrt(D)
};

// Which kernel Auto picks on the current device (never Auto).
AttentionKernel resolve_attention_kernel(AttentionKernel requested);

std::size_t sparse_attention_workspace_bytes(const SparseAttentionShape& shape);

Status sparse_attention_forward(const SparseAttentionShape& shape, const SparseAttentionArgs& args,
                                AttentionKernel kernel, void* workspace, std::size_t workspace_bytes,
                                cudaStream_t stream);

// Standalone permutation kernels (the attention kernel fuses them; these serve tests and callers
// that want cluster-ordered tensors): out[n, p] = x[n, perm[n, p]] and out[n, perm[n, p]] = y[n, p].
Status gather_tokens(const TokenView& x, const int* permutation, int problems, int tokens, int dim,
                     const MutableTokenView& out, cudaStream_t stream);
Status scatter_tokens(const TokenView& y, const int* permutation, int problems, int tokens, int dim,
                      const MutableTokenView& out, cudaStream_t stream);

}  // namespace svg2k

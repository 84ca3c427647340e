#pragma once
// Shared by the block-sparse attention kernels: kernel parameters, the work item of a block
// (problem, query cluster, row tile), and the key stream of a query cluster (its selected key
// clusters concatenated, addressed through prefix sums in shared memory).
#include "block_reduce.cuh"
#include "device_common.cuh"
#include "svg2k/sparse_attention.h"

namespace svg2k::detail {

struct AttentionParams {
  SparseAttentionArgs a;
  int problems, tokens, query_clusters, key_clusters;
  const int* tile_prefix;  // [N, QC + 1]: first row tile of each query cluster
  float scale_log2;        // softmax scale * log2(e)
};

struct WorkItem {
  int n;          // problem
  int cluster;    // query cluster
  int row0;       // first cluster-ordered query position of the tile
  int rows;       // valid rows in the tile (1..BM)
  int key_count;  // selected non-empty key clusters
};

// Block (blockIdx.x, blockIdx.y = problem) -> work item; false when the slot is beyond the
// problem's tiles. Thread 0 searches, the block reads the result from shared memory.
template <int BM>
__device__ __forceinline__ bool find_work_item(const AttentionParams& p, WorkItem& w, int* s_item) {
  if (threadIdx.x == 0) {
    const int n = blockIdx.y;
    const int qc = p.query_clusters;
    const int* tp = p.tile_prefix + static_cast<long long>(n) * (qc + 1);
    const int slot = blockIdx.x;
    int valid = slot < tp[qc];
    int cluster = 0, tile = 0;
    if (valid) {
      cluster = upper_bound_index(tp, qc + 1, slot);
      tile = slot - tp[cluster];
    }
    s_item[0] = valid;
    s_item[1] = cluster;
    s_item[2] = tile;
  }
  __syncthreads();
  if (!s_item[0]) return false;
  w.n = blockIdx.y;
  w.cluster = s_item[1];
  const long long ci = static_cast<long long>(w.n) * p.query_clusters + w.cluster;
  const int tile = s_item[2];
  w.row0 = p.a.q_offsets[ci] + tile * BM;
  w.rows = min(BM, p.a.q_sizes[ci] - tile * BM);
  w.key_count = p.a.block_counts[ci];
  return true;
}

// seg_prefix[m] = key tokens before selected cluster m (seg_prefix[count] = total), and
// seg_base[m] = k_offsets[j_m] - seg_prefix[m], so key-stream position pos of segment m sits at
// cluster-ordered key position seg_base[m] + pos. Returns the stream length.
__device__ __forceinline__ int build_key_stream(const AttentionParams& p, const WorkItem& w, int* seg_prefix,
                                                int* seg_base, int* scratch) {
  const long long ci = static_cast<long long>(w.n) * p.query_clusters + w.cluster;
  const int* list = p.a.block_keys + ci * p.key_clusters;
  const int* ksizes = p.a.k_sizes + static_cast<long long>(w.n) * p.key_clusters;
  const int* koffs = p.a.k_offsets + static_cast<long long>(w.n) * p.key_clusters;
  const int count = w.key_count;
  const int per_thread = (count + blockDim.x - 1) / blockDim.x;
  const int r0 = min(static_cast<int>(threadIdx.x) * per_thread, count), r1 = min(r0 + per_thread, count);
  int local = 0;
  for (int r = r0; r < r1; ++r) local += ksizes[list[r]];
  int total = 0;
  int before = block_exclusive_scan(local, scratch, &total);
  for (int r = r0; r < r1; ++r) {
    const int j = list[r];
    seg_prefix[r] = before;
    seg_base[r] = koffs[j] - before;
    before += ksizes[j];
  }
  if (threadIdx.x == 0) seg_prefix[count] = total;
  __syncthreads();
  return total;
}

// Walks the key stream for one row slot of successive tiles: positions only grow, so the segment
// of each position is found by advancing past the boundaries in between (about two per tile)
// instead of a binary search per row.
struct KeyCursor {
  int segment = 0;
  // Original (or, with no K permutation, cluster-ordered) key token of stream position pos.
  __device__ __forceinline__ int source(const AttentionParams& p, int n, const int* seg_prefix,
                                        const int* seg_base, int count, int pos) {
    while (segment + 1 < count && seg_prefix[segment + 1] <= pos) ++segment;
    const int ordered = seg_base[segment] + pos;
    return p.a.k_permutation ? p.a.k_permutation[static_cast<long long>(n) * p.tokens + ordered] : ordered;
  }
};

__device__ __forceinline__ int query_source(const AttentionParams& p, int n, int ordered) {
  return p.a.q_permutation ? p.a.q_permutation[static_cast<long long>(n) * p.tokens + ordered] : ordered;
}

// The dynamic shared memory, rounded up to 1024 bytes (the SWIZZLE_128B atom's alignment).
__device__ __forceinline__ unsigned char* aligned_smem_1024(unsigned char* raw) {
  return reinterpret_cast<unsigned char*>((reinterpret_cast<std::uintptr_t>(raw) + 1023) &
                                          ~std::uintptr_t(1023));
}

// 1 / the softmax denominators of a thread's two rows of an m16 fragment: each row's partial sums
// are spread over the four lanes of a quad.
__device__ __forceinline__ void inverse_row_sums(const float (&row_sum)[2], float (&inv)[2]) {
#pragma unroll
  for (int h = 0; h < 2; ++h) {
    float l = row_sum[h];
    l += __shfl_xor_sync(0xffffffffu, l, 1);
    l += __shfl_xor_sync(0xffffffffu, l, 2);
    inv[h] = 1.f / l;
  }
}

__device__ __forceinline__ float fast_exp2(float x) {
  float y;
  asm("ex2.approx.ftz.f32 %0, %1;\n" : "=f"(y) : "f"(x));
  return y;
}

// Writes zeros to the valid rows of a tile whose query cluster selected no key token.
template <int D>
__device__ __forceinline__ void write_zero_rows(const AttentionParams& p, const WorkItem& w) {
  constexpr int kChunks = D / 8;
  for (int q = threadIdx.x; q < w.rows * kChunks; q += blockDim.x) {
    const int r = q / kChunks, c = q % kChunks;
    __nv_bfloat16* dst = token_row(p.a.out, w.n, query_source(p, w.n, w.row0 + r)) + c * 8;
    *reinterpret_cast<uint4*>(dst) = make_uint4(0, 0, 0, 0);
  }
}

}  // namespace svg2k::detail

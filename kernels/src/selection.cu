// Block selection: fp32 centroid-pair scores, size-weighted softmax, per-row top-p (on CUB's block
// radix sort) or fixed density (a radix select on the same keys, no sort), and the compact per-row
// block list. See svg2k/selection.h.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <cub/block/block_radix_sort.cuh>

#include "block_reduce.cuh"
#include "device_common.cuh"
#include "launch_check.cuh"
#include "svg2k/kmeans.h"
#include "svg2k/selection.h"
#include "workspace.cuh"

namespace svg2k {
namespace detail {
namespace {

// ---- scores: s[n, i, j] = scale * cq[n, i] . ck[n, j] (fp32 SIMT tiles of 64 x 64) ---------------

constexpr int kScoreTile = 64;
constexpr int kScoreDepth = 32;

__global__ void __launch_bounds__(256)
    centroid_scores_kernel(const float* __restrict__ cq, const float* __restrict__ ck,
                           float* __restrict__ scores, int qc, int kc, int dim, float scale) {
  __shared__ float sa[kScoreDepth][kScoreTile + 4];
  __shared__ float sb[kScoreDepth][kScoreTile + 4];
  const int n = blockIdx.z;
  const int i0 = blockIdx.y * kScoreTile, j0 = blockIdx.x * kScoreTile;
  const int tid = threadIdx.x, ty = tid / 16, tx = tid % 16;
  const float* a = cq + static_cast<long long>(n) * qc * dim;
  const float* b = ck + static_cast<long long>(n) * kc * dim;
  float acc[4][4] = {};
  for (int k0 = 0; k0 < dim; k0 += kScoreDepth) {
    for (int q = tid; q < kScoreTile * kScoreDepth; q += 256) {
      const int r = q / kScoreDepth, c = q % kScoreDepth;
      const int k = k0 + c;
      sa[c][r] = (i0 + r < qc && k < dim) ? a[static_cast<long long>(i0 + r) * dim + k] : 0.f;
      sb[c][r] = (j0 + r < kc && k < dim) ? b[static_cast<long long>(j0 + r) * dim + k] : 0.f;
    }
    __syncthreads();
#pragma unroll 8
    for (int c = 0; c < kScoreDepth; ++c) {
      const float4 av = *reinterpret_cast<const float4*>(&sa[c][ty * 4]);
      const float4 bv = *reinterpret_cast<const float4*>(&sb[c][tx * 4]);
      const float ar[4] = {av.x, av.y, av.z, av.w};
      const float br[4] = {bv.x, bv.y, bv.z, bv.w};
#pragma unroll
      for (int u = 0; u < 4; ++u)
#pragma unroll
        for (int v = 0; v < 4; ++v) acc[u][v] = fmaf(ar[u], br[v], acc[u][v]);
    }
    __syncthreads();
  }
#pragma unroll
  for (int u = 0; u < 4; ++u) {
    const int i = i0 + ty * 4 + u;
    if (i >= qc) continue;
#pragma unroll
    for (int v = 0; v < 4; ++v) {
      const int j = j0 + tx * 4 + v;
      if (j < kc) scores[(static_cast<long long>(n) * qc + i) * kc + j] = acc[u][v] * scale;
    }
  }
}

// The same scores, 64 x 128 tiles: each thread 4 rows x 8 columns (two runs of 4, 64 apart, so a
// warp's shared reads are contiguous), float4 global loads into the k-major shared tiles (lanes on
// consecutive rows: conflict-free stores), 32-deep chunks (with Prefetch, the next one loaded into
// registers while this one is multiplied). Every score is the same fmaf chain as centroid_scores_kernel's (k
// ascending from 0, zero-filled to a multiple of 32, then * scale), so the results are bit-identical.
// Needs dim % 4 == 0 and 16-byte aligned centroids.
constexpr int kScoreTileJ = 128;

// Default <3, false>: at most 80 registers (24 bytes of spill), 3 blocks per SM (the 14B grid, 1,600
// blocks, in 4.04 instead of 6.06 waves), each chunk loaded right before its store to shared memory (no
// registers held across the products; the other blocks on the SM cover the latency): 131-133 us per
// 14B launch against 135 us. <2, true> is the session-13b build (117 registers, the next chunk
// prefetched into registers), SVG2K_SELECT_SCORES=wide2. Both are bound by shared memory (ncu L1/TEX
// 85-90%): docs/PERF.md "Session 14".
template <int MinBlocks, bool Prefetch>
__global__ void __launch_bounds__(256, MinBlocks)
    centroid_scores_wide_kernel(const float* __restrict__ cq, const float* __restrict__ ck,
                                float* __restrict__ scores, int qc, int kc, int dim, float scale) {
  __shared__ __align__(16) float sa[kScoreDepth][kScoreTile + 4];
  __shared__ __align__(16) float sb[kScoreDepth][kScoreTileJ + 4];
  const int n = blockIdx.z;
  const int i0 = blockIdx.y * kScoreTile, j0 = blockIdx.x * kScoreTileJ;
  const int tid = threadIdx.x, ty = tid / 16, tx = tid % 16;
  const float* a = cq + static_cast<long long>(n) * qc * dim;
  const float* b = ck + static_cast<long long>(n) * kc * dim;
  // Loader: A chunk = 64 rows x 8 float4 (2 per thread), B chunk = 128 rows x 8 float4 (4 per thread).
  float4 pa[2], pb[4];
  auto load = [&](int k0) {
#pragma unroll
    for (int m = 0; m < 2; ++m) {
      const int q = tid + m * 256, r = q % kScoreTile, k = k0 + 4 * (q / kScoreTile);
      pa[m] = (i0 + r < qc && k < dim) ? *reinterpret_cast<const float4*>(a + static_cast<long long>(i0 + r) * dim + k)
                                       : make_float4(0.f, 0.f, 0.f, 0.f);
    }
#pragma unroll
    for (int m = 0; m < 4; ++m) {
      const int q = tid + m * 256, r = q % kScoreTileJ, k = k0 + 4 * (q / kScoreTileJ);
      pb[m] = (j0 + r < kc && k < dim) ? *reinterpret_cast<const float4*>(b + static_cast<long long>(j0 + r) * dim + k)
                                       : make_float4(0.f, 0.f, 0.f, 0.f);
    }
  };
  float acc[4][8] = {};
  if constexpr (Prefetch) load(0);
  for (int k0 = 0; k0 < dim; k0 += kScoreDepth) {
    if constexpr (!Prefetch) load(k0);
#pragma unroll
    for (int m = 0; m < 2; ++m) {
      const int q = tid + m * 256, r = q % kScoreTile, c = 4 * (q / kScoreTile);
      sa[c][r] = pa[m].x;
      sa[c + 1][r] = pa[m].y;
      sa[c + 2][r] = pa[m].z;
      sa[c + 3][r] = pa[m].w;
    }
#pragma unroll
    for (int m = 0; m < 4; ++m) {
      const int q = tid + m * 256, r = q % kScoreTileJ, c = 4 * (q / kScoreTileJ);
      sb[c][r] = pb[m].x;
      sb[c + 1][r] = pb[m].y;
      sb[c + 2][r] = pb[m].z;
      sb[c + 3][r] = pb[m].w;
    }
    __syncthreads();
    if constexpr (Prefetch) {
      if (k0 + kScoreDepth < dim) load(k0 + kScoreDepth);
    }
#pragma unroll 8
    for (int c = 0; c < kScoreDepth; ++c) {
      const float4 av = *reinterpret_cast<const float4*>(&sa[c][ty * 4]);
      const float4 b0 = *reinterpret_cast<const float4*>(&sb[c][tx * 4]);
      const float4 b1 = *reinterpret_cast<const float4*>(&sb[c][64 + tx * 4]);
      const float ar[4] = {av.x, av.y, av.z, av.w};
      const float br[8] = {b0.x, b0.y, b0.z, b0.w, b1.x, b1.y, b1.z, b1.w};
#pragma unroll
      for (int u = 0; u < 4; ++u)
#pragma unroll
        for (int v = 0; v < 8; ++v) acc[u][v] = fmaf(ar[u], br[v], acc[u][v]);
    }
    __syncthreads();
  }
#pragma unroll
  for (int u = 0; u < 4; ++u) {
    const int i = i0 + ty * 4 + u;
    if (i >= qc) continue;
    float* out = scores + (static_cast<long long>(n) * qc + i) * kc;
#pragma unroll
    for (int h = 0; h < 2; ++h) {
      const int j = j0 + h * 64 + tx * 4;
      if ((kc % 4) == 0 && j + 3 < kc) {
        *reinterpret_cast<float4*>(out + j) = make_float4(acc[u][4 * h] * scale, acc[u][4 * h + 1] * scale,
                                                          acc[u][4 * h + 2] * scale, acc[u][4 * h + 3] * scale);
      } else {
#pragma unroll
        for (int v = 0; v < 4; ++v)
          if (j + v < kc) out[j + v] = acc[u][4 * h + v] * scale;
      }
    }
  }
}

// ---- per-row selection ---------------------------------------------------------------------------

constexpr int kSelectThreads = 256;

struct SelectRowParams {
  const float* scores;  // [N, QC, KC]
  const int* key_sizes;
  int query_clusters, key_clusters;
  float top_p;  // compared in fp32, as the reference compares its fp32 cumulative sums
  bool keep_all;
  int min_clusters, max_clusters;
  bool fixed_density_mode;
  double density;
  BlockList out;
};

// One block per (problem, query cluster). The masses (non-negative floats, so their bit patterns
// order like the values) are sorted descending with CUB's block radix sort, which is stable: ties
// keep the lower key-cluster index first, like the reference's stable descending sort. Each thread
// then holds kItems consecutive ranks.
template <int kItems>
__global__ void __launch_bounds__(kSelectThreads) select_rows_kernel(const SelectRowParams p) {
  using Sort = cub::BlockRadixSort<unsigned, kSelectThreads, kItems, int>;
  __shared__ typename Sort::TempStorage sort_storage;
  __shared__ unsigned char flags[kMaxClusters];
  __shared__ float scratch_f[33];
  __shared__ long long scratch_l[33];
  __shared__ int scratch_i[33];

  const int kc = p.key_clusters;
  const long long row = blockIdx.x;
  const int n = static_cast<int>(row / p.query_clusters);
  const float* s = p.scores + row * kc;
  const int* ks = p.key_sizes + static_cast<long long>(n) * kc;
  const int tid = threadIdx.x;
  const float neg_inf = -__int_as_float(0x7f800000);

  // Size-weighted softmax: p_j = softmax_j(s_j + log|K_j|); empty clusters get exactly 0.
  float logit[kItems];
  float mx = neg_inf;
#pragma unroll
  for (int i = 0; i < kItems; ++i) {
    const int j = tid * kItems + i;
    const int size = j < kc ? ks[j] : 0;
    logit[i] = size > 0 ? s[j] + logf(static_cast<float>(size)) : neg_inf;
    mx = fmaxf(mx, logit[i]);
  }
  mx = block_reduce(mx, MaxOp{}, neg_inf, scratch_f);
  float sum = 0.f;
#pragma unroll
  for (int i = 0; i < kItems; ++i) {
    logit[i] = logit[i] == neg_inf ? 0.f : expf(logit[i] - mx);
    sum += logit[i];
  }
  sum = block_reduce(sum, SumOp{}, 0.f, scratch_f);
  unsigned key[kItems];
  int index[kItems];
#pragma unroll
  for (int i = 0; i < kItems; ++i) {
    const int j = tid * kItems + i;
    key[i] = j < kc ? __float_as_uint(logit[i] / sum) : 0u;
    index[i] = j;
  }
  for (int j = tid; j < kc; j += kSelectThreads) flags[j] = 0;
  Sort(sort_storage).SortDescending(key, index);

  // How many of the sorted clusters to keep: a cluster is kept while the amount before it is still
  // short of the target. Ranks r = tid * kItems + i.
  const int r0 = tid * kItems;
  int count = 0;
  if (p.fixed_density_mode) {
    long long local = 0;
#pragma unroll
    for (int i = 0; i < kItems; ++i)
      if (r0 + i < kc) local += ks[index[i]];
    long long total = 0;
    long long before = block_exclusive_scan(local, scratch_l, &total);
    const double target = static_cast<double>(total) * p.density;
    int kept = 0;
#pragma unroll
    for (int i = 0; i < kItems; ++i) {
      if (r0 + i >= kc) break;
      if (static_cast<double>(before) < target) ++kept;
      before += ks[index[i]];
    }
    count = block_reduce(kept, SumOp{}, 0, scratch_i);
    count = max(count, 1);
  } else {
    if (p.keep_all) {
      count = kc;
    } else {
      float local = 0.f;
#pragma unroll
      for (int i = 0; i < kItems; ++i)
        if (r0 + i < kc) local += __uint_as_float(key[i]);
      float total = 0.f;
      float before = block_exclusive_scan(local, scratch_f, &total);
      int kept = 0;
#pragma unroll
      for (int i = 0; i < kItems; ++i) {
        if (r0 + i >= kc) break;
        if (before < p.top_p) ++kept;
        before += __uint_as_float(key[i]);
      }
      count = block_reduce(kept, SumOp{}, 0, scratch_i);
    }
    count = min(max(count, p.min_clusters), min(p.max_clusters, kc));
  }
  __syncthreads();  // flags were zeroed before the sort by other threads
#pragma unroll
  for (int i = 0; i < kItems; ++i)
    if (r0 + i < count) flags[index[i]] = 1;
  __syncthreads();

  // Compact list in ascending key-cluster order, empty clusters left out.
  const int per_thread = (kc + kSelectThreads - 1) / kSelectThreads;
  const int j0 = min(tid * per_thread, kc), j1 = min(j0 + per_thread, kc);
  int local_count = 0;
  long long local_tokens = 0;
  for (int j = j0; j < j1; ++j) {
    if (flags[j] && ks[j] > 0) {
      ++local_count;
      local_tokens += ks[j];
    }
  }
  int list_size = 0;
  int pos = block_exclusive_scan(local_count, scratch_i, &list_size);
  const long long row_tokens = block_reduce(local_tokens, SumOp{}, 0LL, scratch_l);
  int* list = p.out.block_keys + row * kc;
  for (int j = j0; j < j1; ++j) {
    if (flags[j] && ks[j] > 0) list[pos++] = j;
    if (p.out.mask) p.out.mask[row * kc + j] = flags[j];
  }
  if (tid == 0) {
    p.out.block_counts[row] = list_size;
    p.out.row_tokens[row] = static_cast<int>(row_tokens);
  }
}

// ---- per-row selection, fixed-density mode: radix select instead of the sort ----------------------
//
// Same blocks, same softmax (same thread layout and reductions, so the same fp32 masses bit for
// bit) as select_rows_kernel; the kept set is found without sorting. In the sorted order (mass
// descending, ties by ascending index) a cluster is kept while the tokens before it are short of
// target = total * density, so the kept set is a prefix of that order. Let G(k) = tokens of the
// clusters with mass bits > k. The last kept cluster has the smallest mass bits K* present with
// G(K*) < target: every cluster above K* is kept (the tokens before it are at most G(K*)), every
// cluster below is not (the tokens before it are at least G(K*) + all of K*'s tokens, which is
// G of the next present key, >= target), and of the clusters with mass bits exactly K* (ties, in
// index order) those whose G(K*) + tokens of lower-indexed ties < target are kept. K* is found
// with four 8-bit digit passes over per-digit (count, tokens) histograms from the most significant
// digit down; every warp searches each histogram itself (no block-wide scan per pass). All token
// sums are integers, so the result is that of the sorted path exactly. Token sums in a histogram
// bucket are 32-bit: a problem's key sizes sum to its token count (< 2^31).
constexpr int kRadixBuckets = 256;

struct MinOp {
  template <class T>
  __device__ __forceinline__ T operator()(T a, T b) const {
    return a < b ? a : b;
  }
};

template <int kItems>
// 5 blocks per SM at 4 items (48 registers, no spill); the wider rows may use more registers.
__global__ void __launch_bounds__(kSelectThreads, kItems == 4 ? 5 : 1) select_rows_fixed_kernel(const SelectRowParams p) {
  __shared__ __align__(16) unsigned hist_count[4][kRadixBuckets];
  __shared__ __align__(16) unsigned hist_tokens[4][kRadixBuckets];
  __shared__ float scratch_f[33];
  __shared__ long long scratch_l[33];
  __shared__ unsigned scratch_u[33];

  const int kc = p.key_clusters;
  const long long row = blockIdx.x;
  const int n = static_cast<int>(row / p.query_clusters);
  const float* s = p.scores + row * kc;
  const int* ks = p.key_sizes + static_cast<long long>(n) * kc;
  const int tid = threadIdx.x, lane = tid % 32;
  const float neg_inf = -__int_as_float(0x7f800000);

  for (int q = tid; q < 4 * kRadixBuckets; q += kSelectThreads) {
    (&hist_count[0][0])[q] = 0u;
    (&hist_tokens[0][0])[q] = 0u;
  }

  // Size-weighted softmax, exactly as select_rows_kernel computes it.
  float logit[kItems];
  int size[kItems];
  float mx = neg_inf;
#pragma unroll
  for (int i = 0; i < kItems; ++i) {
    const int j = tid * kItems + i;
    size[i] = j < kc ? ks[j] : 0;
    logit[i] = size[i] > 0 ? s[j] + logf(static_cast<float>(size[i])) : neg_inf;
    mx = fmaxf(mx, logit[i]);
  }
  mx = block_reduce(mx, MaxOp{}, neg_inf, scratch_f);
  float sum = 0.f;
#pragma unroll
  for (int i = 0; i < kItems; ++i) {
    logit[i] = logit[i] == neg_inf ? 0.f : expf(logit[i] - mx);
    sum += logit[i];
  }
  sum = block_reduce(sum, SumOp{}, 0.f, scratch_f);  // its barriers also order the zeroing above
  unsigned key[kItems];
#pragma unroll
  for (int i = 0; i < kItems; ++i) key[i] = __float_as_uint(logit[i] / sum);

  const int j_first = tid * kItems;
  unsigned prefix = 0;    // the digits of K* found so far
  long long above = 0;    // tokens of the clusters whose mass bits are above the current prefix
  double target = 0.0;
  unsigned tie_count = 0; // clusters with mass bits exactly K*
  bool degenerate = false;
#pragma unroll
  for (int pass = 0; pass < 4; ++pass) {
    const int shift = 24 - 8 * pass;
#pragma unroll
    for (int i = 0; i < kItems; ++i) {
      const bool in_group = j_first + i < kc && (pass == 0 || (key[i] >> (shift + 8)) == prefix);
      if (in_group) {
        const unsigned d = (key[i] >> shift) & 0xffu;
        atomicAdd(&hist_count[pass][d], 1u);
        atomicAdd(&hist_tokens[pass][d], static_cast<unsigned>(size[i]));
      }
    }
    __syncthreads();
    // Every warp: lane L holds digits 8L .. 8L+7.
    unsigned cnt[8], tok[8];
    {
      const uint4 c0 = *reinterpret_cast<const uint4*>(&hist_count[pass][lane * 8]);
      const uint4 c1 = *reinterpret_cast<const uint4*>(&hist_count[pass][lane * 8 + 4]);
      const uint4 t0 = *reinterpret_cast<const uint4*>(&hist_tokens[pass][lane * 8]);
      const uint4 t1 = *reinterpret_cast<const uint4*>(&hist_tokens[pass][lane * 8 + 4]);
      cnt[0] = c0.x; cnt[1] = c0.y; cnt[2] = c0.z; cnt[3] = c0.w;
      cnt[4] = c1.x; cnt[5] = c1.y; cnt[6] = c1.z; cnt[7] = c1.w;
      tok[0] = t0.x; tok[1] = t0.y; tok[2] = t0.z; tok[3] = t0.w;
      tok[4] = t1.x; tok[5] = t1.y; tok[6] = t1.z; tok[7] = t1.w;
    }
    long long lane_tokens = 0;
#pragma unroll
    for (int u = 0; u < 8; ++u) lane_tokens += tok[u];
    // Tokens of the higher lanes' digits (suffix sum over lanes).
    long long incl = lane_tokens;
#pragma unroll
    for (int off = 1; off < 32; off <<= 1) {
      const long long other = __shfl_down_sync(0xffffffffu, incl, off);
      if (lane + off < 32) incl += other;
    }
    if (pass == 0) {
      const long long total = __shfl_sync(0xffffffffu, incl, 0);
      target = static_cast<double>(total) * p.density;
      if (!(target > 0.0)) {  // no tokens at all: the sorted path keeps its first cluster only
        degenerate = true;
        break;
      }
    }
    long long higher = above + (incl - lane_tokens);
    unsigned cand = 0xffffffffu;
    long long cand_above = 0;
#pragma unroll
    for (int u = 7; u >= 0; --u) {
      if (cnt[u] > 0 && static_cast<double>(higher) < target) {
        cand = static_cast<unsigned>(lane * 8 + u);
        cand_above = higher;
      }
      higher += tok[u];
    }
    const unsigned digit = __reduce_min_sync(0xffffffffu, cand);
    above = __shfl_sync(0xffffffffu, cand_above, static_cast<int>(digit >> 3));
    {
      unsigned my_cnt = 0;
#pragma unroll
      for (int u = 0; u < 8; ++u)
        if (static_cast<unsigned>(lane * 8 + u) == digit) my_cnt = cnt[u];
      tie_count = __shfl_sync(0xffffffffu, my_cnt, static_cast<int>(digit >> 3));
    }
    prefix = (prefix << 8) | digit;
  }

  bool keep[kItems];
  if (degenerate) {
    // count = 1: the first cluster of the sorted order (largest mass bits, lowest index).
    unsigned local_max = 0;
#pragma unroll
    for (int i = 0; i < kItems; ++i)
      if (j_first + i < kc) local_max = max(local_max, key[i]);
    const unsigned kmax = block_reduce(local_max, MaxOp{}, 0u, scratch_u);
    unsigned local_first = 0xffffffffu;
#pragma unroll
    for (int i = 0; i < kItems; ++i)
      if (j_first + i < kc && key[i] == kmax) local_first = min(local_first, static_cast<unsigned>(j_first + i));
    const unsigned first = block_reduce(local_first, MinOp{}, 0xffffffffu, scratch_u);
#pragma unroll
    for (int i = 0; i < kItems; ++i) keep[i] = static_cast<unsigned>(j_first + i) == first;
  } else {
    // Ties at K*: in index order, kept while G(K*) + tokens of lower-indexed ties < target.
    long long before = above;
    if (tie_count > 1) {
      long long local = 0;
#pragma unroll
      for (int i = 0; i < kItems; ++i)
        if (j_first + i < kc && key[i] == prefix) local += size[i];
      long long ignored = 0;
      before += block_exclusive_scan(local, scratch_l, &ignored);
    }
#pragma unroll
    for (int i = 0; i < kItems; ++i) {
      keep[i] = false;
      if (j_first + i >= kc) continue;
      if (key[i] > prefix) {
        keep[i] = true;
      } else if (key[i] == prefix) {
        keep[i] = static_cast<double>(before) < target;
        before += size[i];
      }
    }
  }

  // Compact list in ascending key-cluster order, empty clusters left out. One scan carries both
  // the list position (low 13 bits: at most 4096 entries) and the row's tokens (above).
  long long local = 0;
#pragma unroll
  for (int i = 0; i < kItems; ++i)
    if (keep[i] && size[i] > 0) local += (static_cast<long long>(size[i]) << 13) + 1;
  long long packed_total = 0;
  const long long packed_before = block_exclusive_scan(local, scratch_l, &packed_total);
  int pos = static_cast<int>(packed_before & 8191);
  int* list = p.out.block_keys + row * kc;
#pragma unroll
  for (int i = 0; i < kItems; ++i) {
    const int j = j_first + i;
    if (j >= kc) break;
    if (keep[i] && size[i] > 0) list[pos++] = j;
    if (p.out.mask) p.out.mask[row * kc + j] = keep[i] ? 1 : 0;
  }
  if (tid == 0) {
    p.out.block_counts[row] = static_cast<int>(packed_total & 8191);
    p.out.row_tokens[row] = static_cast<int>(packed_total >> 13);
  }
}

// ---- density per problem -------------------------------------------------------------------------

__global__ void __launch_bounds__(256)
    block_density_kernel(const int* __restrict__ query_sizes, const int* __restrict__ row_tokens, int qc,
                         int tokens, float* density, unsigned long long* pairs) {
  __shared__ unsigned long long scratch[33];
  const int n = blockIdx.x;
  unsigned long long local = 0;
  for (int i = threadIdx.x; i < qc; i += blockDim.x) {
    const long long idx = static_cast<long long>(n) * qc + i;
    local +=
        static_cast<unsigned long long>(query_sizes[idx]) * static_cast<unsigned long long>(row_tokens[idx]);
  }
  const unsigned long long total = block_reduce(local, SumOp{}, 0ULL, scratch);
  if (threadIdx.x == 0) {
    if (pairs) pairs[n] = total;
    if (density) {
      const double all = static_cast<double>(tokens) * static_cast<double>(tokens);
      density[n] = static_cast<float>(static_cast<double>(total) / all);
    }
  }
}

}  // namespace
}  // namespace detail

std::size_t selection_workspace_bytes(const SelectionShape& s) {
  if (s.problems < 1 || s.query_clusters < 1 || s.key_clusters < 1) return 0;
  detail::WorkspaceCarver c(nullptr);
  c.take<float>(static_cast<std::size_t>(s.problems) * s.query_clusters * s.key_clusters);
  return c.size();
}

Status select_blocks(const SelectionShape& s, const SelectionParams& prm, const SelectionInputs& in,
                     const BlockList& out, void* workspace, std::size_t workspace_bytes,
                     cudaStream_t stream) {
  using namespace detail;
  if (s.problems < 1 || s.problems > 65535)
    return invalid_argument("select_blocks: problems must be in [1, 65535]");
  if (s.tokens < 1) return invalid_argument("select_blocks: tokens must be >= 1");
  if (s.dim < 1) return invalid_argument("select_blocks: dim must be >= 1");
  if (s.query_clusters < 1 || s.query_clusters > kMaxClusters || s.key_clusters < 1 ||
      s.key_clusters > kMaxClusters)
    return invalid_argument("select_blocks: query and key clusters must be in [1, 4096]");
  const bool fixed = prm.fixed_density > 0.0;
  if (fixed && prm.fixed_density > 1.0)
    return invalid_argument("select_blocks: fixed_density must be in (0, 1]");
  if (!fixed && !(prm.top_p > 0.0 && prm.top_p <= 1.0))
    return invalid_argument("select_blocks: top_p must be in (0, 1]");
  if (!fixed && (prm.min_clusters < 1 || prm.max_clusters < prm.min_clusters))
    return invalid_argument("select_blocks: need 1 <= min_clusters <= max_clusters");
  if (!in.query_centroids || !in.key_centroids || !in.key_sizes)
    return invalid_argument("select_blocks: centroids and key sizes are required");
  if (!out.block_counts || !out.block_keys || !out.row_tokens)
    return invalid_argument("select_blocks: block_counts, block_keys and row_tokens are required");
  if ((out.density || out.pairs) && !in.query_sizes)
    return invalid_argument("select_blocks: the density needs query sizes");
  WorkspaceCarver c(workspace);
  float* scores = c.take<float>(static_cast<std::size_t>(s.problems) * s.query_clusters * s.key_clusters);
  if (!workspace || workspace_bytes < c.size()) return invalid_argument("select_blocks: workspace too small");

  // SVG2K_SELECT_SCORES=simt64: the 64 x 64 tile kernel even where the wide one applies; wide2: the wide
  // one's session-13b build (above; read per call: the tests compare them bit for bit).
  const char* scores_env = std::getenv("SVG2K_SELECT_SCORES");
  const bool aligned = (reinterpret_cast<std::uintptr_t>(in.query_centroids) % 16) == 0 &&
                       (reinterpret_cast<std::uintptr_t>(in.key_centroids) % 16) == 0 &&
                       (reinterpret_cast<std::uintptr_t>(scores) % 16) == 0;
  const bool wide = s.dim % 4 == 0 && aligned && !(scores_env && std::string_view(scores_env) == "simt64");
  if (wide) {
    const dim3 grid(static_cast<unsigned>(ceil_div(s.key_clusters, kScoreTileJ)),
                    static_cast<unsigned>(ceil_div(s.query_clusters, kScoreTile)),
                    static_cast<unsigned>(s.problems));
    const std::string_view v = scores_env ? std::string_view(scores_env) : std::string_view();
    auto kernel = v == "wide2" ? centroid_scores_wide_kernel<2, true> : centroid_scores_wide_kernel<3, false>;
    kernel<<<grid, 256, 0, stream>>>(in.query_centroids, in.key_centroids, scores, s.query_clusters,
                                     s.key_clusters, s.dim, prm.scale);
  } else {
    const dim3 grid(static_cast<unsigned>(ceil_div(s.key_clusters, kScoreTile)),
                    static_cast<unsigned>(ceil_div(s.query_clusters, kScoreTile)),
                    static_cast<unsigned>(s.problems));
    centroid_scores_kernel<<<grid, 256, 0, stream>>>(in.query_centroids, in.key_centroids, scores,
                                                     s.query_clusters, s.key_clusters, s.dim, prm.scale);
  }
  SVG2K_RETURN_IF_ERROR(launch_status("centroid_scores launch"));

  SelectRowParams rp{};
  rp.scores = scores;
  rp.key_sizes = in.key_sizes;
  rp.query_clusters = s.query_clusters;
  rp.key_clusters = s.key_clusters;
  rp.top_p = static_cast<float>(prm.top_p);
  rp.keep_all = prm.top_p >= 1.0;
  rp.min_clusters = prm.min_clusters;
  rp.max_clusters = prm.max_clusters;
  rp.fixed_density_mode = fixed;
  rp.density = prm.fixed_density;
  rp.out = out;
  const unsigned rows = static_cast<unsigned>(static_cast<long long>(s.problems) * s.query_clusters);
  // SVG2K_SELECT_SORT=1: fixed-density rows through the sorting kernel too (the reference for the
  // radix-select kernel in tests/gpu; read per call so that a test can switch it).
  const char* sort_env = std::getenv("SVG2K_SELECT_SORT");
  const bool radix_select = fixed && !(sort_env && sort_env[0] == '1');
  if (radix_select) {
    if (s.key_clusters <= kSelectThreads * 4) {
      select_rows_fixed_kernel<4><<<rows, kSelectThreads, 0, stream>>>(rp);
    } else if (s.key_clusters <= kSelectThreads * 8) {
      select_rows_fixed_kernel<8><<<rows, kSelectThreads, 0, stream>>>(rp);
    } else {
      select_rows_fixed_kernel<16><<<rows, kSelectThreads, 0, stream>>>(rp);
    }
  } else if (s.key_clusters <= kSelectThreads * 4) {
    select_rows_kernel<4><<<rows, kSelectThreads, 0, stream>>>(rp);
  } else if (s.key_clusters <= kSelectThreads * 8) {
    select_rows_kernel<8><<<rows, kSelectThreads, 0, stream>>>(rp);
  } else {
    select_rows_kernel<16><<<rows, kSelectThreads, 0, stream>>>(rp);
  }
  SVG2K_RETURN_IF_ERROR(launch_status("select_rows launch"));

  if (out.density || out.pairs) {
    block_density_kernel<<<static_cast<unsigned>(s.problems), 256, 0, stream>>>(
        in.query_sizes, out.row_tokens, s.query_clusters, s.tokens, out.density, out.pairs);
    SVG2K_RETURN_IF_ERROR(launch_status("block_density launch"));
  }
  return {};
}

}  // namespace svg2k

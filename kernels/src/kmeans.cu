// Batched Lloyd k-means: assignment on tensor cores, stable radix sort of (problem, label), and a
// deterministic segmented-mean centroid update. See svg2k/kmeans.h.
#include <algorithm>
#include <cstdlib>
#include <cub/device/device_radix_sort.cuh>
#include <cub/device/device_scan.cuh>
#include <string>
#include <type_traits>

#include "device_common.cuh"
#include "hopper_primitives.cuh"
#include "kmeans_wgmma.cuh"
#include "launch_check.cuh"
#include "svg2k/kmeans.h"
#include "workspace.cuh"

namespace svg2k {
namespace detail {
namespace {

// ---- centroid preparation: fp32 -> bf16 copy + squared norms of the bf16 values ----------------

template <int D>
__global__ void prepare_centroids_kernel(const float* __restrict__ centroids, __nv_bfloat16* __restrict__ out,
                                         float* __restrict__ norms, int clusters, int norm_stride,
                                         long long count) {
  constexpr int kPerLane = D / 32;
  // One warp per padded centroid slot (n, c < norm_stride); slots past C get a +inf norm.
  const long long slot = (static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x) / 32;
  const int lane = threadIdx.x % 32;
  if (slot >= count) return;
  const long long n = slot / norm_stride;
  const int c = static_cast<int>(slot - n * norm_stride);
  if (c >= clusters) {
    if (lane == 0) norms[slot] = __int_as_float(0x7f800000);
    return;
  }
  const long long centroid = n * clusters + c;
  float sq = 0.f;
#pragma unroll
  for (int e = 0; e < kPerLane; ++e) {
    const long long i = centroid * D + lane * kPerLane + e;
    const __nv_bfloat16 b = __float2bfloat16(centroids[i]);
    out[i] = b;
    const float f = __bfloat162float(b);
    sq = fmaf(f, f, sq);
  }
#pragma unroll
  for (int off = 16; off > 0; off >>= 1) sq += __shfl_xor_sync(0xffffffffu, sq, off);
  if (lane == 0) norms[slot] = sq;
}

// ---- assignment -------------------------------------------------------------------------------

struct AssignParams {
  TokenView x;
  int tokens;
  int clusters;
  const __nv_bfloat16* centroids;  // [N, C, D] bf16
  const float* norms;              // [N, norm_stride], +inf past C
  int norm_stride;                 // C rounded up to 128 (padded so tiles load whole)
  int* labels;                     // [N, S]
  // Radix-sort inputs (null unless the radix sort runs).
  unsigned* sort_keys;  // [N, S]: n * C + label
  int* sort_values;     // [N, S]: token index
  int* sizes;           // [N, C], zeroed before the launch (null when only labels are wanted)
  // 31, the column bits of the Hopper assignment's keys: a parameter rather than a literal so that it
  // stays in a register, and a key is one LOP3 with the column as its immediate (not an AND and an OR).
  unsigned key_column_mask;
};

template <int D>
struct AssignTile {
  static constexpr int kWarps = 8;
  static constexpr int kRows = kWarps * 32;  // each warp: two m16 tiles
  static constexpr int kCentroids = 64;      // centroids per pipeline stage
  static constexpr int kChunks = D / 8;      // 16-byte chunks per row
  static constexpr int kPointBytes = kRows * D * 2;
  static constexpr int kCentroidBytes = kCentroids * D * 2;
  static constexpr int kSmemBytes = kPointBytes + 2 * kCentroidBytes + 2 * kCentroids * 4 + 1024;
};

// Each block owns 256 tokens of one problem (its A fragments stay in registers) and streams the
// problem's centroids through shared memory in tiles of 64, keeping a running (distance, index)
// minimum per token: distance = |c|^2 - 2 x.c (|x|^2 does not change the argmin).
template <int D>
__global__ void __launch_bounds__(256, 1) kmeans_assign_kernel(const AssignParams p) {
  using T = AssignTile<D>;
  extern __shared__ unsigned char smem_raw[];
  unsigned char* smem = reinterpret_cast<unsigned char*>((reinterpret_cast<std::uintptr_t>(smem_raw) + 1023) &
                                                         ~std::uintptr_t(1023));
  const std::uint32_t s_points = smem_addr(smem);
  const std::uint32_t s_cent = s_points + T::kPointBytes;
  float* s_norm = reinterpret_cast<float*>(smem + T::kPointBytes + 2 * T::kCentroidBytes);

  const int n = blockIdx.y;
  const int row0 = blockIdx.x * T::kRows;
  const int tid = threadIdx.x, warp = tid / 32, lane = tid % 32;
  const int C = p.clusters, S = p.tokens;
  const __nv_bfloat16* cent = p.centroids + static_cast<long long>(n) * C * D;
  const float* norms = p.norms + static_cast<long long>(n) * p.norm_stride;
  const int num_tiles = ceil_div(C, T::kCentroids);

  for (int q = tid; q < T::kRows * T::kChunks; q += blockDim.x) {
    const int r = q / T::kChunks, c = q % T::kChunks;
    const int s = row0 + r;
    const bool valid = s < S;
    cp_async_16(s_points + swizzled_offset<T::kRows>(r, c), token_row(p.x, n, valid ? s : 0) + c * 8, valid);
  }
  auto load_centroids = [&](int tile, int stage) {
    for (int q = tid; q < T::kCentroids * T::kChunks; q += blockDim.x) {
      const int r = q / T::kChunks, c = q % T::kChunks;
      const int ci = tile * T::kCentroids + r;
      const bool valid = ci < C;
      cp_async_16(s_cent + stage * T::kCentroidBytes + swizzled_offset<T::kCentroids>(r, c),
                  cent + static_cast<long long>(valid ? ci : 0) * D + c * 8, valid);
    }
    if (tid < T::kCentroids) {
      const int ci = tile * T::kCentroids + tid;
      s_norm[stage * T::kCentroids + tid] = ci < C ? norms[ci] : __int_as_float(0x7f800000);
    }
  };
  load_centroids(0, 0);
  cp_async_commit();
  if (num_tiles > 1) load_centroids(1, 1);
  cp_async_commit();
  cp_async_wait<1>();
  __syncthreads();

  std::uint32_t a[2][D / 16][4];
#pragma unroll
  for (int mt = 0; mt < 2; ++mt) {
#pragma unroll
    for (int kk = 0; kk < D / 16; ++kk) {
      ldmatrix_x4(a[mt][kk], s_points + swizzled_offset<T::kRows>(warp * 32 + mt * 16 + (lane & 15),
                                                                  kk * 2 + (lane >> 4)));
    }
  }

  float best[2][2];
  int best_index[2][2];
#pragma unroll
  for (int mt = 0; mt < 2; ++mt) {
#pragma unroll
    for (int h = 0; h < 2; ++h) {
      best[mt][h] = __int_as_float(0x7f800000);
      best_index[mt][h] = 0;
    }
  }

  for (int t = 0; t < num_tiles; ++t) {
    const int stage = t & 1;
    if (t > 0) {
      cp_async_wait<1>();
      __syncthreads();
    }
    float acc[2][8][4];
#pragma unroll
    for (int mt = 0; mt < 2; ++mt)
#pragma unroll
      for (int nb = 0; nb < 8; ++nb)
#pragma unroll
        for (int e = 0; e < 4; ++e) acc[mt][nb][e] = 0.f;

    const std::uint32_t sc = s_cent + stage * T::kCentroidBytes;
#pragma unroll
    for (int kk = 0; kk < D / 16; ++kk) {
#pragma unroll
      for (int np = 0; np < 4; ++np) {
        std::uint32_t b[4];
        ldmatrix_x4(b, sc + swizzled_offset<T::kCentroids>(np * 16 + (lane & 7) + ((lane >> 4) << 3),
                                                           kk * 2 + ((lane >> 3) & 1)));
#pragma unroll
        for (int mt = 0; mt < 2; ++mt) {
          mma_bf16_16816(acc[mt][2 * np], a[mt][kk], b[0], b[1]);
          mma_bf16_16816(acc[mt][2 * np + 1], a[mt][kk], b[2], b[3]);
        }
      }
    }
    const float* sn = s_norm + stage * T::kCentroids;
#pragma unroll
    for (int nb = 0; nb < 8; ++nb) {
#pragma unroll
      for (int e2 = 0; e2 < 2; ++e2) {
        const int col = nb * 8 + 2 * (lane & 3) + e2;
        const float cn = sn[col];
        const int ci = t * T::kCentroids + col;
#pragma unroll
        for (int mt = 0; mt < 2; ++mt) {
#pragma unroll
          for (int h = 0; h < 2; ++h) {
            const float d = fmaf(-2.f, acc[mt][nb][2 * h + e2], cn);
            if (d < best[mt][h]) {
              best[mt][h] = d;
              best_index[mt][h] = ci;
            }
          }
        }
      }
    }
    __syncthreads();
    if (t + 2 < num_tiles) load_centroids(t + 2, stage);
    cp_async_commit();
  }

#pragma unroll
  for (int mt = 0; mt < 2; ++mt) {
#pragma unroll
    for (int h = 0; h < 2; ++h) {
      float d = best[mt][h];
      int idx = best_index[mt][h];
#pragma unroll
      for (int off = 1; off <= 2; off <<= 1) {
        const float od = __shfl_xor_sync(0xffffffffu, d, off);
        const int oi = __shfl_xor_sync(0xffffffffu, idx, off);
        if (od < d || (od == d && oi < idx)) {
          d = od;
          idx = oi;
        }
      }
      const int s = row0 + warp * 32 + mt * 16 + (lane >> 2) + h * 8;
      if ((lane & 3) == 0 && s < S) {
        const long long i = static_cast<long long>(n) * S + s;
        if (p.labels) p.labels[i] = idx;
        if (p.sort_keys) {
          p.sort_keys[i] = static_cast<unsigned>(n) * static_cast<unsigned>(C) + static_cast<unsigned>(idx);
          p.sort_values[i] = s;
        }
        if (p.sizes) atomicAdd(&p.sizes[static_cast<long long>(n) * C + idx], 1);
      }
    }
  }
}

// ---- assignment on Hopper: wgmma ----------------------------------------------------------------

}  // namespace

// Centroid tile widths of the Hopper assignment (the wgmma N, a multiple of 8 up to 256; the
// accumulators take N / 2 registers per thread, so a larger N no longer fits two blocks per SM).
// hopper_tile_width picks the one with the fewest padded products, e.g. 300 centroids as 2 x 152
// (304) instead of 3 x 128 (384), 1000 as 7 x 144 (1008), 400 as 3 x 144 (432).
constexpr int kHopperTileWidths[] = {152, 144, 128};

inline int hopper_tile_width(int clusters) {
  int best = 128;
  long long best_cost = -1;
  for (const int n : kHopperTileWidths) {
    const long long cost = static_cast<long long>(ceil_div(clusters, n)) * n;
    if (best_cost < 0 || cost < best_cost) {
      best = n;
      best_cost = cost;
    }
  }
  return best;
}

// (bits & ~mask) | low in one LOP3 (lookup table 0xD8: mask ? low : bits, bit by bit).
__device__ __forceinline__ unsigned replace_low_bits(unsigned bits, unsigned low, unsigned mask) {
  unsigned key;
  asm("lop3.b32 %0, %1, %2, %3, 0xD8;\n" : "=r"(key) : "r"(bits), "r"(low), "r"(mask));
  return key;
}

__device__ __forceinline__ float2 ld_shared_float2(std::uint32_t addr) {
  float2 v;
  asm volatile("ld.shared.v2.f32 {%0, %1}, [%2];\n" : "=f"(v.x), "=f"(v.y) : "r"(addr));
  return v;
}

#if SVG2K_HOPPER_ENABLED
// 4-byte cp.async (cached in L1), always valid.
__device__ __forceinline__ void cp_async_4(std::uint32_t dst, const void* src) {
  asm volatile("cp.async.ca.shared.global [%0], [%1], 4;\n" ::"r"(dst), "l"(src) : "memory");
}
// A 128-byte-swizzle wgmma descriptor (leading 16, stride 1024 bytes, as make_smem_desc_sw128) at
// byte offset `bytes` from the one whose low word is `base_lo`: only the 14-bit start-address field
// changes, and shared addresses stay below 256 KB, so adding to the low word cannot carry out of it.
// The same bits as make_smem_desc_sw128(base + bytes, 16, 1024), but one add per k-step instead of
// the mask / shift / or chain: issuing a 144-wide tile's 8 wgmma at D 128 takes 56 instead of 79 SASS
// instructions (docs/PERF.md "Session 14").
__device__ __forceinline__ std::uint64_t sw128_desc_at(std::uint32_t base_lo, std::uint32_t bytes) {
  constexpr std::uint32_t kHi = (1024u >> 4) | (1u << 30);  // stride field, SWIZZLE_128B
  return (static_cast<std::uint64_t>(kHi) << 32) | (base_lo + (bytes >> 4));
}
__device__ __forceinline__ std::uint32_t sw128_desc_lo(std::uint32_t smem_byte_addr) {
  return static_cast<std::uint32_t>(make_smem_desc_sw128(smem_byte_addr, 16, 1024));
}
#endif  // SVG2K_HOPPER_ENABLED

// The Hopper assignment's offset B for one warp's 16 tokens (rows row .. of a 128-row swizzled tile,
// two lanes per token, `half` the lane's half of the features): (1 + 2^-10) max |x|^2, leaving out
// tokens with inf / NaN features (they get meaningless labels either way, and must not spoil the others').
template <int Rows, int Chunks>
__device__ __forceinline__ float warp_distance_offset(std::uint32_t tile, int row, int half) {
  float sq = 0.f;
#pragma unroll
  for (int i = 0; i < Chunks / 2; ++i) {
    const uint4 v = ld_shared_uint4(tile + swizzled_offset<Rows>(row, half * (Chunks / 2) + i));
    const unsigned w[4] = {v.x, v.y, v.z, v.w};
#pragma unroll
    for (int e = 0; e < 4; ++e) {
      const float lo = __uint_as_float(w[e] << 16), hi = __uint_as_float(w[e] & 0xffff0000u);
      sq = fmaf(lo, lo, sq);
      sq = fmaf(hi, hi, sq);
    }
  }
  sq += __shfl_xor_sync(0xffffffffu, sq, 1);
  if (!(sq < __int_as_float(0x7f800000))) sq = 0.f;
#pragma unroll
  for (int off = 2; off < 32; off <<= 1) sq = fmaxf(sq, __shfl_xor_sync(0xffffffffu, sq, off));
  return fmaf(sq, 1.f / 1024.f, sq);
}

template <int D, int N>
struct AssignHopperTile {
  static constexpr int kRows = 128;     // two warpgroups x 64 tokens
  static constexpr int kCentroids = N;  // per pipeline stage (the wgmma N)
  static constexpr int kChunks = D / 8;
  static constexpr int kPointPanelBytes = kRows * 128;  // 64 features x kRows rows
  static constexpr int kCentroidPanelBytes = N * 128;   // 64 features x N rows
  static constexpr int kPointBytes = kRows * D * 2;
  static constexpr int kCentroidBytes = kCentroids * D * 2;
  static constexpr int kSmemBytes = 1024 + kPointBytes + 2 * kCentroidBytes + 2 * kCentroids * 4;
  static_assert(N % 8 == 0 && N <= 256 && kCentroidBytes % 1024 == 0, "wgmma N / swizzle atoms");
};

namespace {

#if SVG2K_HOPPER_ENABLED  // the Hopper assignment kernels' shared argmin and stores
// One tile's argmin into the running (cleared d' bits, index) per row half h (the keys and the tie
// rule: the comment of kmeans_assign_hopper_kernel below). Columns 8 j0 + 2 (lane % 4) and
// 8 j1 + 2 (lane % 4) + 1: the odd one is the lower index exactly when j1 < j0, so the smaller key
// (value, then j) picks the right one on ties too.
template <int N>
__device__ __forceinline__ void argmin_tile(float (&acc)[N / 2], std::uint32_t sn, float offset,
                                            unsigned mask, int tile_base, int lane, unsigned (&best)[2],
                                            int (&best_index)[2]) {
  constexpr unsigned kLowMask = 31u;
  unsigned key[2][2] = {{0xffffffffu, 0xffffffffu}, {0xffffffffu, 0xffffffffu}};  // [h][e2]
#pragma unroll
  for (int j = 0; j < N / 8; ++j) {
    float2 cn = ld_shared_float2(sn + j * 32);
    cn.x += offset;
    cn.y += offset;
#pragma unroll
    for (int h = 0; h < 2; ++h) {
#pragma unroll
      for (int e2 = 0; e2 < 2; ++e2) {
        const float d = fmaf(-2.f, acc[4 * j + 2 * h + e2], e2 ? cn.y : cn.x);
        key[h][e2] = min(key[h][e2], replace_low_bits(__float_as_uint(d), static_cast<unsigned>(j), mask));
      }
    }
  }
#pragma unroll
  for (int h = 0; h < 2; ++h) {
    const bool odd = key[h][1] < key[h][0];
    const unsigned k = odd ? key[h][1] : key[h][0];
    const unsigned v = k & ~kLowMask;
    if (v < best[h]) {  // strict: the earlier tile (lower indices) keeps a tie
      best[h] = v;
      best_index[h] = tile_base + static_cast<int>(k & kLowMask) * 8 + 2 * (lane & 3) + (odd ? 1 : 0);
    }
  }
}

// The quad reduction of a warp's (value, index) pairs (ties to the lower index) and the outputs of
// rows row_base + lane / 4 (+ 8 for h = 1) of problem n (C clusters, S tokens).
__device__ __forceinline__ void store_assignments(const AssignParams& p, const unsigned (&best)[2],
                                                  const int (&best_index)[2], int n, int C, int S,
                                                  int row_base, int lane) {
#pragma unroll
  for (int h = 0; h < 2; ++h) {
    unsigned d = best[h];
    int idx = best_index[h];
#pragma unroll
    for (int off = 1; off <= 2; off <<= 1) {
      const unsigned od = __shfl_xor_sync(0xffffffffu, d, off);
      const int oi = __shfl_xor_sync(0xffffffffu, idx, off);
      if (od < d || (od == d && oi < idx)) {
        d = od;
        idx = oi;
      }
    }
    idx = min(idx, C - 1);  // only a token with NaN or inf features could end on a padding column
    const int s = row_base + (lane >> 2) + h * 8;
    if ((lane & 3) == 0 && s < S) {
      const long long i = static_cast<long long>(n) * S + s;
      if (p.labels) p.labels[i] = idx;
      if (p.sort_keys) {
        p.sort_keys[i] = static_cast<unsigned>(n) * static_cast<unsigned>(C) + static_cast<unsigned>(idx);
        p.sort_values[i] = s;
      }
      if (p.sizes) atomicAdd(&p.sizes[static_cast<long long>(n) * C + idx], 1);
    }
  }
}
#endif  // SVG2K_HOPPER_ENABLED

// The same computation as kmeans_assign_kernel with the x.c products on wgmma (tokens and
// centroids both from 128-byte-swizzled shared memory), in centroid tiles of N. Two blocks per SM,
// so one block's argmin epilogue overlaps the other's matrix products.
//
// The argmin epilogue was ALU-bound (compare, select value, select index per product), so it works on
// packed unsigned keys: one LOP3 per product plus half a three-way integer min (VIMNMX3):
//  - distances are made non-negative: d' = |c|^2 - 2 x.c + B with B = (1 + 2^-10) max |x|^2 over the
//    warp's 16 tokens (>= |x - c|^2 + 2^-10 |x|^2 > 0 up to rounding; computed while the first tile's
//    products run, added to the two norms a thread loads per column pair), so the order of a row's
//    distances is the order of their float bit patterns read as unsigned integers;
//  - each key is those bits with the low 5 mantissa bits replaced by the column's compile-time part
//    j (a thread holds columns 8 j + 2 (lane % 4) + e2), one integer-min chain per (row, e2).
// Tie rule (deterministic): the smallest d' with its low 5 mantissa bits cleared wins (a resolution of
// 2^-18 of d', relative), and equal values go to the lowest centroid index. Exact ties (equal d', e.g.
// duplicated centroids) therefore still go to the lowest index, as in svg2::attention::kmeans;
// distances closer than the resolution count as ties too (the fp32 products of bf16 centroids are no
// more exact than that). The per-tile merges and the final quad reduction compare the cleared values
// and then the index, so the rule holds across lanes and tiles.
// Variants (SVG2K_KMEANS_KTILE; the same products, keys and labels bit for bit, tested):
//  - 1 (default): the wgmma descriptors as one add per k-step (sw128_desc_at) and the norms copied
//    with cp.async in the centroid rows' group: 1,445-1,454 us per 14B K launch against 1,482-1,490
//    (docs/PERF.md "Session 14");
//  - 0 ("s13"): the session-13 code, descriptors rebuilt per k-step (make_smem_desc_sw128) and the norms
//    by plain loads.
template <int D, int N, int Variant>
__global__ void __launch_bounds__(256, 2) kmeans_assign_hopper_kernel(const AssignParams p) {
#if SVG2K_HOPPER_ENABLED
  using T = AssignHopperTile<D, N>;
  static_assert(N / 8 <= 32, "the column part of a key must fit the low 5 bits");
  extern __shared__ unsigned char smem_raw[];
  unsigned char* smem = reinterpret_cast<unsigned char*>((reinterpret_cast<std::uintptr_t>(smem_raw) + 1023) &
                                                         ~std::uintptr_t(1023));
  const std::uint32_t s_points = smem_addr(smem);
  const std::uint32_t s_cent = s_points + T::kPointBytes;
  float* s_norm = reinterpret_cast<float*>(smem + T::kPointBytes + 2 * T::kCentroidBytes);

  const int n = blockIdx.y;
  const int row0 = blockIdx.x * T::kRows;
  const int tid = threadIdx.x, wg = tid / 128, warp = (tid % 128) / 32, lane = tid % 32;
  const int C = p.clusters, S = p.tokens;
  const __nv_bfloat16* cent = p.centroids + static_cast<long long>(n) * C * D;
  const float* norms = p.norms + static_cast<long long>(n) * p.norm_stride;
  const int num_tiles = ceil_div(C, T::kCentroids);

  // Copies: thread tid moves 16-byte chunk tid % kChunks of rows tid / kChunks + kRowStep i. kRowStep
  // is a multiple of 8, so the chunk's swizzled position within a row is the same for all of them and
  // the addresses only step (no per-copy index arithmetic: it was a third of the issued instructions).
  constexpr int kRowStep = 256 / T::kChunks;
  static_assert(kRowStep % 8 == 0 && T::kRows % kRowStep == 0, "copy layout");
  const int copy_row = tid / T::kChunks, copy_chunk = tid % T::kChunks;
  {
    const __nv_bfloat16* x0 = token_row(p.x, n, 0) + copy_chunk * 8;
    const std::uint32_t dst = s_points + swizzled_offset<T::kRows>(copy_row, copy_chunk);
#pragma unroll
    for (int i = 0; i < T::kRows / kRowStep; ++i) {
      const int s = row0 + copy_row + i * kRowStep;
      const bool valid = s < S;
      cp_async_16(dst + i * kRowStep * 128, x0 + static_cast<long long>(valid ? s : 0) * p.x.token_stride,
                  valid);
    }
  }
  const std::uint32_t cent_dst = s_cent + swizzled_offset<T::kCentroids>(copy_row, copy_chunk);
  auto load_centroids = [&](int tile, int stage) {
    const int c0 = tile * T::kCentroids + copy_row;
    const __nv_bfloat16* src = cent + static_cast<long long>(c0) * D + copy_chunk * 8;
    const std::uint32_t dst = cent_dst + stage * T::kCentroidBytes;
#pragma unroll
    for (int i = 0; i < ceil_div(T::kCentroids, kRowStep); ++i) {
      if ((i + 1) * kRowStep <= T::kCentroids || copy_row + i * kRowStep < T::kCentroids) {
        // Rows past C copy nothing (zero-fill); their addresses stay inside the workspace, whose
        // first carve is the bf16 centroids.
        cp_async_16(dst + i * kRowStep * 128, src + i * kRowStep * D, c0 + i * kRowStep < C);
      }
    }
    if (tid < T::kCentroids) {
      const int ci = tile * T::kCentroids + tid;
      if constexpr (Variant == 0) {
        s_norm[stage * T::kCentroids + tid] = ci < C ? norms[ci] : __int_as_float(0x7f800000);
      } else if (ci < C) {
        // With the rows' cp.async group: a plain load here held its thread (and so the next tile's
        // barrier) for an L2 round trip (ncu: ~4% of the stall samples on these stores).
        cp_async_4(smem_addr(s_norm + stage * T::kCentroids + tid), norms + ci);
      } else {
        s_norm[stage * T::kCentroids + tid] = __int_as_float(0x7f800000);
      }
    }
  };
  load_centroids(0, 0);
  cp_async_commit();
  if (num_tiles > 1) load_centroids(1, 1);
  cp_async_commit();

  const unsigned mask = p.key_column_mask;        // == argmin_tile's column bits
  float offset = 0.f;                             // B, set during the first tile's products
  unsigned best[2] = {0xffffffffu, 0xffffffffu};  // cleared d' bits
  int best_index[2] = {0, 0};
  const std::uint32_t a_rows = s_points + wg * 64 * 128;
  const std::uint32_t a_lo = sw128_desc_lo(a_rows), b_lo0 = sw128_desc_lo(s_cent);
  for (int t = 0; t < num_tiles; ++t) {
    const int stage = t & 1;
    cp_async_wait<1>();
    fence_proxy_async_shared();  // cp.async wrote through the generic proxy; wgmma reads through the async
                                 // one
    __syncthreads();
    float acc[N / 2];
    const std::uint32_t b_rows = s_cent + stage * T::kCentroidBytes;
    const std::uint32_t sn = smem_addr(s_norm + stage * T::kCentroids + 2 * (lane & 3));
    wgmma_fence();
    const std::uint32_t b_lo = b_lo0 + stage * (T::kCentroidBytes >> 4);
#pragma unroll
    for (int kk = 0; kk < D / 16; ++kk) {
      std::uint64_t da, db;
      if constexpr (Variant == 1) {
        da = sw128_desc_at(a_lo, (kk >> 2) * T::kPointPanelBytes + (kk & 3) * 32);
        db = sw128_desc_at(b_lo, (kk >> 2) * T::kCentroidPanelBytes + (kk & 3) * 32);
      } else {
        da = make_smem_desc_sw128(a_rows + (kk >> 2) * T::kPointPanelBytes + (kk & 3) * 32, 16, 1024);
        db = make_smem_desc_sw128(b_rows + (kk >> 2) * T::kCentroidPanelBytes + (kk & 3) * 32, 16, 1024);
      }
      if (kk == 0) {
        KMeansWgmma<N>::first(acc, da, db);
      } else {
        KMeansWgmma<N>::mma(acc, da, db, 1);
      }
    }
    wgmma_commit();
    if (t == 0)
      offset = warp_distance_offset<T::kRows, T::kChunks>(s_points, wg * 64 + warp * 16 + lane / 2,
                                                          lane & 1);  // during the products
    wgmma_wait<0>();
    fence_registers(acc);
    argmin_tile<N>(acc, sn, offset, mask, t * T::kCentroids, lane, best, best_index);
    __syncthreads();
    if (t + 2 < num_tiles) load_centroids(t + 2, stage);
    cp_async_commit();
  }
  store_assignments(p, best, best_index, n, C, S, row0 + wg * 64 + warp * 16, lane);
#endif  // SVG2K_HOPPER_ENABLED
}

}  // namespace

// ---- assignment on Hopper with resident centroids (two tiles) -----------------------------------

// When a problem's centroids are two tiles of N (C in (N, 2 N], e.g. QC 300 as 2 x 152), they fit in
// shared memory (2 x 38 KB at D 128) together with the tokens, so one persistent block per SM keeps
// them resident and streams items of 256 tokens (a contiguous range of (problem, item) per block;
// the centroids are reloaded where the range enters the next problem) instead of loading both
// centroid tiles from L2 for every 128 tokens, as kmeans_assign_hopper_kernel does. Four warpgroups
// each own 64 rows of an item, a double-buffered cp.async stage pair (the next item's rows load
// during this one's products) and a named barrier, so they are not tied to each other per item: one's
// argmin runs under the others' products. One tile at a time (N / 2 accumulators; 512 threads leave
// 128 registers a thread). The argmin, its offset B, its keys and its tie rule are those of
// kmeans_assign_hopper_kernel on the same 16-token warps, so the labels are the same (tested).
// Measured against 3 stages with 2 warpgroups (both tiles issued before the first argmin) and with
// 3 warpgroups: docs/PERF.md "Session 11".
template <int D, int N>
struct AssignResidentTile {
  static constexpr int kWarpgroups = 4;  // each owns 64 rows of an item
  static constexpr int kThreads = 128 * kWarpgroups;
  static constexpr int kItemRows = 64 * kWarpgroups;  // tokens per item
  static constexpr int kStages = 2;                   // token stages per warpgroup
  static constexpr int kWgRows = 64;                  // tokens per warpgroup and item
  static constexpr int kChunks = D / 8;
  static constexpr int kTokPanelBytes = kWgRows * 128;
  static constexpr int kTokBytes = kWgRows * D * 2;
  static constexpr int kCentroidPanelBytes = N * 128;
  static constexpr int kCentroidBytes = N * D * 2;
  static constexpr int kSmemBytes = 1024 + 2 * kCentroidBytes + kWarpgroups * kStages * kTokBytes + 2 * N * 4;
  static_assert(kTokBytes % 1024 == 0 && kCentroidBytes % 1024 == 0, "swizzle atoms");
};

// C fits the resident kernel: exactly two tiles of the chosen width.
inline bool hopper_assign_resident(int clusters) {
  const int width = hopper_tile_width(clusters);
  return clusters > width && clusters <= 2 * width;
}

namespace {

struct ResidentSplit {
  int blocks_per_problem;  // items (AssignResidentTile::kItemRows tokens each) per problem
  long long items;         // problems x blocks_per_problem
};

template <int D, int N>
__global__ void __launch_bounds__(AssignResidentTile<D, N>::kThreads, 1)
    kmeans_assign_resident_kernel(const AssignParams p, const ResidentSplit split) {
#if SVG2K_HOPPER_ENABLED
  using T = AssignResidentTile<D, N>;
  static_assert(N / 8 <= 32, "the column part of a key must fit the low 5 bits");
  extern __shared__ unsigned char smem_raw[];
  unsigned char* smem = reinterpret_cast<unsigned char*>((reinterpret_cast<std::uintptr_t>(smem_raw) + 1023) &
                                                         ~std::uintptr_t(1023));
  const std::uint32_t s_cent = smem_addr(smem);  // two tiles
  const std::uint32_t s_tok = s_cent + 2 * T::kCentroidBytes;
  float* s_norm =
      reinterpret_cast<float*>(smem + 2 * T::kCentroidBytes + T::kWarpgroups * T::kStages * T::kTokBytes);

  const int tid = threadIdx.x, wg = tid / 128, wtid = tid % 128, warp = wtid / 32, lane = tid % 32;
  const int C = p.clusters, S = p.tokens, bpp = split.blocks_per_problem;
  const long long begin = split.items * blockIdx.x / gridDim.x;
  const long long end = split.items * (blockIdx.x + 1) / gridDim.x;
  if (begin >= end) return;  // uniform over the block

  // Centroids (both tiles, rows past C zero-filled) and their norms (+inf past C), all kThreads threads.
  constexpr int kCentRowStep = T::kThreads / T::kChunks;
  static_assert(kCentRowStep % 8 == 0, "copy layout");
  auto load_centroids = [&](int n) {
    const __nv_bfloat16* cent = p.centroids + static_cast<long long>(n) * C * D;
    const int row = tid / T::kChunks, chunk = tid % T::kChunks;
    for (int r = row; r < 2 * N; r += kCentRowStep) {
      const int tile = r >= N ? 1 : 0, rr = r - tile * N;
      cp_async_16(s_cent + tile * T::kCentroidBytes + swizzled_offset<N>(rr, chunk),
                  cent + static_cast<long long>(r < C ? r : 0) * D + chunk * 8, r < C);
    }
    const float* norms = p.norms + static_cast<long long>(n) * p.norm_stride;
    for (int c = tid; c < 2 * N; c += T::kThreads) s_norm[c] = c < C ? norms[c] : __int_as_float(0x7f800000);
  };
  // This warpgroup's 64 rows of item `item` into stage `stage` (128 threads, stepped addresses).
  constexpr int kTokRowStep = 128 / T::kChunks;
  static_assert(kTokRowStep % 8 == 0 && T::kWgRows % kTokRowStep == 0, "copy layout");
  const int tok_row = wtid / T::kChunks, tok_chunk = wtid % T::kChunks;
  auto load_tokens = [&](long long item, int stage) {
    const int n = static_cast<int>(item / bpp);
    const int row0 = static_cast<int>(item - static_cast<long long>(n) * bpp) * T::kItemRows + wg * 64;
    const __nv_bfloat16* x0 = token_row(p.x, n, 0) + tok_chunk * 8;
    const std::uint32_t dst =
        s_tok + (wg * T::kStages + stage) * T::kTokBytes + swizzled_offset<T::kWgRows>(tok_row, tok_chunk);
#pragma unroll
    for (int i = 0; i < T::kWgRows / kTokRowStep; ++i) {
      const int s = row0 + tok_row + i * kTokRowStep;
      const bool valid = s < S;
      cp_async_16(dst + i * kTokRowStep * 128, x0 + static_cast<long long>(valid ? s : 0) * p.x.token_stride,
                  valid);
    }
  };

  int cur_n = static_cast<int>(begin / bpp);
  load_centroids(cur_n);
  load_tokens(begin, 0);
  cp_async_commit();
#pragma unroll
  for (int k = 1; k < T::kStages - 1; ++k) {
    if (begin + k < end) load_tokens(begin + k, k);
    cp_async_commit();
  }
  bool reloaded = true;  // the first item waits for the centroids too (and a reload for them)

  const unsigned mask = p.key_column_mask;
  int stage = 0;
  for (long long item = begin; item < end; ++item) {
    const int n = static_cast<int>(item / bpp);
    if (n != cur_n) {
      // A new problem: every warpgroup is past its last products on the old centroids.
      __syncthreads();
      load_centroids(n);
      cp_async_commit();
      cur_n = n;
      reloaded = true;
    }
    if (reloaded) {
      cp_async_wait<0>();
      fence_proxy_async_shared();
      __syncthreads();
      reloaded = false;
    } else {
      cp_async_wait<T::kStages - 2>();  // this item's tokens (the later items' copies may be in flight)
      fence_proxy_async_shared();  // cp.async wrote through the generic proxy; wgmma reads through the async
                                   // one
      named_barrier_sync(1 + wg, 128);
    }
    {
      // Past the barrier every thread of this warpgroup is done with item - 1, so its stage takes the
      // tokens of item + kStages - 1.
      const long long next = item + (T::kStages - 1);
      int next_stage = stage + (T::kStages - 1);
      if (next_stage >= T::kStages) next_stage -= T::kStages;
      if (next < end) load_tokens(next, next_stage);
      cp_async_commit();
    }

    const std::uint32_t a_rows = s_tok + (wg * T::kStages + stage) * T::kTokBytes;
    unsigned best[2] = {0xffffffffu, 0xffffffffu};
    int best_index[2] = {0, 0};
    const std::uint32_t sn = smem_addr(s_norm + 2 * (lane & 3));
    const std::uint32_t a_lo = sw128_desc_lo(a_rows), b_lo = sw128_desc_lo(s_cent);
    auto issue = [&](float(&acc)[N / 2], int tile) {
#pragma unroll
      for (int kk = 0; kk < D / 16; ++kk) {
        // One add per descriptor (sw128_desc_at; the same bits as make_smem_desc_sw128).
        const std::uint64_t da = sw128_desc_at(a_lo, (kk >> 2) * T::kTokPanelBytes + (kk & 3) * 32);
        const std::uint64_t db = sw128_desc_at(
            b_lo, tile * T::kCentroidBytes + (kk >> 2) * T::kCentroidPanelBytes + (kk & 3) * 32);
        if (kk == 0) {
          KMeansWgmma<N>::first(acc, da, db);
        } else {
          KMeansWgmma<N>::mma(acc, da, db, 1);
        }
      }
      wgmma_commit();
    };
    float offset;  // B, set during the first tile's products
    {
      float acc[N / 2];
#pragma unroll 1
      for (int t = 0; t < 2; ++t) {
        wgmma_fence();
        issue(acc, t);
        if (t == 0)
          offset = warp_distance_offset<T::kWgRows, T::kChunks>(a_rows, warp * 16 + lane / 2, lane & 1);
        wgmma_wait<0>();
        fence_registers(acc);
        argmin_tile<N>(acc, sn + t * N * 4, offset, mask, t * N, lane, best, best_index);
      }
    }

    const int row0 = static_cast<int>(item - static_cast<long long>(n) * bpp) * T::kItemRows + wg * 64;
    store_assignments(p, best, best_index, n, C, S, row0 + warp * 16, lane);
    if (++stage == T::kStages) stage = 0;
  }
#endif  // SVG2K_HOPPER_ENABLED
}

// ---- centroid update --------------------------------------------------------------------------

struct UpdateParams {
  TokenView x;
  int tokens;
  int clusters;
  const int* permutation;     // [N, S], sorted by (problem, label)
  const int* sizes;           // [N, C]
  const int* global_offsets;  // [N * C] exclusive scan of sizes over all problems
  float* centroids;           // [N, C, D]
  __nv_bfloat16* centroids_bf16;
  float* norms;  // [N, norm_stride]
  int norm_stride;
  int* offsets;          // [N, C] out: offsets within the problem
  bool write_centroids;  // false: only the offsets (a zero-iteration call)
};

// One block per cluster: 8 warps stride over the cluster's sorted tokens with 16-byte loads (a row
// is D / 8 lanes, so one warp-wide load covers 32 / (D / 8) rows; 4 loads in flight per lane, as many
// bytes as 8 rows of 8-byte loads, in half the instructions; at most 51 registers, 5 blocks per SM);
// partial sums are combined in a fixed order (lanes of a warp, then warps): deterministic.
template <int D>
__global__ void __launch_bounds__(256, 5) kmeans_update_kernel(const UpdateParams p) {
  constexpr int kWarps = 8;
  constexpr int kLanesPerRow = D / 8;              // 16-byte chunks per row
  constexpr int kRowsPerLoad = 32 / kLanesPerRow;  // rows one warp-wide load covers
  constexpr int kUnroll = 4;                       // loads in flight per lane: the gather is latency-bound
  constexpr int kStride = kWarps * kRowsPerLoad;   // rows between a lane's consecutive loads
  __shared__ float partial[kWarps][D];
  __shared__ float norm_partial[kWarps];

  const int C = p.clusters, S = p.tokens;
  const long long cluster = blockIdx.x;
  const int n = static_cast<int>(cluster / C);
  const int count = p.sizes[cluster];
  const int start = p.global_offsets[cluster] - n * S;
  if (threadIdx.x == 0) p.offsets[cluster] = start;
  if (count == 0 || !p.write_centroids)
    return;  // empty cluster keeps its previous centroid (and bf16 copy and norm)

  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int sub = lane / kLanesPerRow, chunk = lane % kLanesPerRow;
  const int* perm = p.permutation + static_cast<long long>(n) * S + start;
  const __nv_bfloat16* x0 = token_row(p.x, n, 0) + chunk * 8;
  float acc[8];
#pragma unroll
  for (int e = 0; e < 8; ++e) acc[e] = 0.f;

  for (int r0 = warp * kRowsPerLoad + sub; r0 < count; r0 += kStride * kUnroll) {
    uint4 v[kUnroll];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) {
      const int r = r0 + u * kStride;
      v[u] = r < count ? *reinterpret_cast<const uint4*>(x0 + perm[r] * p.x.token_stride)
                       : make_uint4(0u, 0u, 0u, 0u);
    }
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) {
      const unsigned w[4] = {v[u].x, v[u].y, v[u].z, v[u].w};
#pragma unroll
      for (int e = 0; e < 4; ++e) {
        acc[2 * e] += __uint_as_float(w[e] << 16);
        acc[2 * e + 1] += __uint_as_float(w[e] & 0xffff0000u);
      }
    }
  }
#pragma unroll
  for (int off = kLanesPerRow; off < 32; off <<= 1)
#pragma unroll
    for (int e = 0; e < 8; ++e) acc[e] += __shfl_xor_sync(0xffffffffu, acc[e], off);
  if (sub == 0) {
#pragma unroll
    for (int e = 0; e < 8; ++e) partial[warp][chunk * 8 + e] = acc[e];
  }
  __syncthreads();

  float sq = 0.f;
  if (threadIdx.x < D) {
    float sum = 0.f;
#pragma unroll
    for (int w = 0; w < kWarps; ++w) sum += partial[w][threadIdx.x];
    const float mean = sum / static_cast<float>(count);
    const long long i = cluster * D + threadIdx.x;
    p.centroids[i] = mean;
    const __nv_bfloat16 b = __float2bfloat16(mean);
    p.centroids_bf16[i] = b;
    const float f = __bfloat162float(b);
    sq = f * f;
  }
#pragma unroll
  for (int off = 16; off > 0; off >>= 1) sq += __shfl_xor_sync(0xffffffffu, sq, off);
  if (lane == 0) norm_partial[warp] = sq;
  __syncthreads();
  if (threadIdx.x == 0) {
    float total = 0.f;
#pragma unroll
    for (int w = 0; w < kWarps; ++w) total += norm_partial[w];
    p.norms[n * static_cast<long long>(p.norm_stride) + (cluster - static_cast<long long>(n) * C)] = total;
  }
}

// ---- host side --------------------------------------------------------------------------------

struct KMeansWorkspace {
  __nv_bfloat16* centroids_bf16 = nullptr;
  float* norms = nullptr;
  unsigned* keys_in = nullptr;
  unsigned* keys_out = nullptr;
  int* values_in = nullptr;
  int* global_offsets = nullptr;
  int* labels = nullptr;  // used when the caller passes none
  void* sort_temp = nullptr;
  std::size_t sort_temp_bytes = 0;
  void* scan_temp = nullptr;
  std::size_t scan_temp_bytes = 0;
  std::size_t total = 0;
};

// Norms are stored [N, C rounded up to 128], padded with +inf, so assignment tiles load whole.
int norm_stride(const KMeansShape& s) {
  return ceil_div(s.clusters, 128) * 128;
}

int sort_end_bit(const KMeansShape& s) {
  const unsigned long long max_key = static_cast<unsigned long long>(s.problems) * s.clusters - 1;
  int bits = 1;
  while (bits < 32 && (max_key >> bits) != 0) ++bits;
  return bits;
}

KMeansWorkspace carve(const KMeansShape& s, void* base) {
  KMeansWorkspace w;
  const std::size_t items = static_cast<std::size_t>(s.problems) * s.tokens;
  const std::size_t cells = static_cast<std::size_t>(s.problems) * s.clusters;
  cub::DeviceRadixSort::SortPairs(nullptr, w.sort_temp_bytes, static_cast<unsigned*>(nullptr),
                                  static_cast<unsigned*>(nullptr), static_cast<int*>(nullptr),
                                  static_cast<int*>(nullptr), static_cast<int>(items), 0, sort_end_bit(s));
  cub::DeviceScan::ExclusiveSum(nullptr, w.scan_temp_bytes, static_cast<int*>(nullptr),
                                static_cast<int*>(nullptr), static_cast<int>(cells));
  WorkspaceCarver c(base);
  w.centroids_bf16 = c.take<__nv_bfloat16>(cells * s.dim);
  w.norms = c.take<float>(static_cast<std::size_t>(s.problems) * norm_stride(s));
  w.keys_in = c.take<unsigned>(items);
  w.keys_out = c.take<unsigned>(items);
  w.values_in = c.take<int>(items);
  w.global_offsets = c.take<int>(cells);
  w.labels = c.take<int>(items);
  w.sort_temp = c.take_bytes(w.sort_temp_bytes);
  w.scan_temp = c.take_bytes(w.scan_temp_bytes);
  w.total = c.size();
  return w;
}

Status prepare(const KMeansShape& s, const float* centroids, const KMeansWorkspace& w, cudaStream_t stream) {
  const int stride = norm_stride(s);
  const long long count = static_cast<long long>(s.problems) * stride;
  const int threads = 256;
  const long long blocks = (count * 32 + threads - 1) / threads;
  if (s.dim == 128) {
    prepare_centroids_kernel<128><<<static_cast<unsigned>(blocks), threads, 0, stream>>>(
        centroids, w.centroids_bf16, w.norms, s.clusters, stride, count);
  } else {
    prepare_centroids_kernel<64><<<static_cast<unsigned>(blocks), threads, 0, stream>>>(
        centroids, w.centroids_bf16, w.norms, s.clusters, stride, count);
  }
  return launch_status("kmeans prepare_centroids launch");
}

template <int V>
using Int = std::integral_constant<int, V>;  // a (head dim, tile width) argument of for_shape

template <int D, int N>
Status launch_assign_resident(const KMeansShape& s, const AssignParams& p, cudaStream_t stream) {
  constexpr int smem = AssignResidentTile<D, N>::kSmemBytes;
  SVG2K_RETURN_IF_ERROR(ensure_dynamic_smem(kmeans_assign_resident_kernel<D, N>, smem,
                                            "cudaFuncSetAttribute(kmeans_assign_resident)"));
  int device = 0, sms = 0;
  SVG2K_RETURN_IF_ERROR(call_status(cudaGetDevice(&device), "kmeans_assign_resident cudaGetDevice"));
  SVG2K_RETURN_IF_ERROR(call_status(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device),
                                    "kmeans_assign_resident SM count"));
  using T = AssignResidentTile<D, N>;
  const int items_per_problem = ceil_div(s.tokens, T::kItemRows);
  const ResidentSplit split{items_per_problem, static_cast<long long>(s.problems) * items_per_problem};
  const long long blocks = std::min<long long>(split.items, std::max(sms, 1));  // one block per SM
  kmeans_assign_resident_kernel<D, N><<<static_cast<unsigned>(blocks), T::kThreads, smem, stream>>>(p, split);
  return launch_status("kmeans_assign (Hopper, resident centroids) launch");
}

template <int D, int N, int Variant>
Status launch_assign_hopper_variant(dim3 grid, const AssignParams& p, cudaStream_t stream) {
  constexpr int smem = AssignHopperTile<D, N>::kSmemBytes;
  SVG2K_RETURN_IF_ERROR(ensure_dynamic_smem(kmeans_assign_hopper_kernel<D, N, Variant>, smem,
                                            "cudaFuncSetAttribute(kmeans_assign)"));
  kmeans_assign_hopper_kernel<D, N, Variant><<<grid, 256, smem, stream>>>(p);
  return launch_status("kmeans_assign (Hopper) launch");
}

// The per-block kernel's variant (kmeans_assign_hopper_kernel): SVG2K_KMEANS_KTILE=s13 runs the
// session-13 code (read per call: the tests compare the two).
template <int D, int N>
Status launch_assign_hopper(dim3 grid, const AssignParams& p, cudaStream_t stream) {
  const char* env = std::getenv("SVG2K_KMEANS_KTILE");
  if (env && std::string(env) == "s13") return launch_assign_hopper_variant<D, N, 0>(grid, p, stream);
  return launch_assign_hopper_variant<D, N, 1>(grid, p, stream);
}

Status assign(const KMeansShape& s, const TokenView& x, const KMeansWorkspace& w, int* labels,
              bool radix_keys, int* sizes, cudaStream_t stream) {
  AssignParams p{x,
                 s.tokens,
                 s.clusters,
                 w.centroids_bf16,
                 w.norms,
                 norm_stride(s),
                 labels,
                 radix_keys ? w.keys_in : nullptr,
                 radix_keys ? w.values_in : nullptr,
                 sizes,
                 31u};
  // Developer switches: SVG2K_KMEANS_ASSIGN=mma forces the mma.sync kernel on Hopper too, =stream
  // the Hopper kernel that streams the centroid tiles per 128 tokens where the resident one would run.
  const char* choice = std::getenv("SVG2K_KMEANS_ASSIGN");
  if (current_device_arch() == 90 && !(choice && std::string(choice) == "mma")) {
    // The Hopper kernels are built for head dims 64 / 128 and tile widths 128 / 144 / 152.
    const int width = hopper_tile_width(s.clusters);
    auto for_shape = [&](auto&& launch) -> Status {
      if (s.dim == 128) {
        if (width == 152) return launch(Int<128>{}, Int<152>{});
        if (width == 144) return launch(Int<128>{}, Int<144>{});
        return launch(Int<128>{}, Int<128>{});
      }
      if (width == 152) return launch(Int<64>{}, Int<152>{});
      if (width == 144) return launch(Int<64>{}, Int<144>{});
      return launch(Int<64>{}, Int<128>{});
    };
    if (hopper_assign_resident(s.clusters) && !(choice && std::string(choice) == "stream")) {
      return for_shape([&](auto d, auto n) {
        return launch_assign_resident<decltype(d)::value, decltype(n)::value>(s, p, stream);
      });
    }
    const dim3 grid(static_cast<unsigned>(ceil_div(s.tokens, 128)), static_cast<unsigned>(s.problems));
    return for_shape([&](auto d, auto n) {
      return launch_assign_hopper<decltype(d)::value, decltype(n)::value>(grid, p, stream);
    });
  }
  const dim3 grid(static_cast<unsigned>(ceil_div(s.tokens, 256)), static_cast<unsigned>(s.problems));
  if (s.dim == 128) {
    constexpr int smem = AssignTile<128>::kSmemBytes;
    SVG2K_RETURN_IF_ERROR(
        ensure_dynamic_smem(kmeans_assign_kernel<128>, smem, "cudaFuncSetAttribute(kmeans_assign)"));
    kmeans_assign_kernel<128><<<grid, 256, smem, stream>>>(p);
  } else {
    constexpr int smem = AssignTile<64>::kSmemBytes;
    SVG2K_RETURN_IF_ERROR(
        ensure_dynamic_smem(kmeans_assign_kernel<64>, smem, "cudaFuncSetAttribute(kmeans_assign)"));
    kmeans_assign_kernel<64><<<grid, 256, smem, stream>>>(p);
  }
  return launch_status("kmeans_assign launch");
}

}  // namespace
}  // namespace detail

Status kmeans_check(const KMeansShape& s, const TokenView& x) {
  if (s.problems < 1 || s.problems > 65535) return invalid_argument("kmeans: problems must be in [1, 65535]");
  if (s.tokens < 1) return invalid_argument("kmeans: tokens must be >= 1");
  if (s.dim != 64 && s.dim != 128) return invalid_argument("kmeans: head dim must be 64 or 128");
  if (s.clusters < 1 || s.clusters > kMaxClusters)
    return invalid_argument("kmeans: clusters must be in [1, 4096]");
  if (static_cast<long long>(s.problems) * s.tokens > (1LL << 30) ||
      static_cast<long long>(s.problems) * s.clusters > (1LL << 30))
    return invalid_argument("kmeans: problems * tokens and problems * clusters must be below 2^30");
  if (!detail::token_view_ok(x))
    return invalid_argument("kmeans: tokens must be 16-byte aligned with strides that are multiples of 8");
  return {};
}

std::size_t kmeans_workspace_bytes(const KMeansShape& shape) {
  if (!kmeans_check(shape, TokenView{reinterpret_cast<const void*>(16), 1, 0, 0, 8}).ok()) return 0;
  return detail::carve(shape, nullptr).total;
}

Status kmeans_run(const KMeansShape& s, const TokenView& x, int iterations, const KMeansBuffers& b,
                  void* workspace, std::size_t workspace_bytes, cudaStream_t stream) {
  using namespace detail;
  SVG2K_RETURN_IF_ERROR(kmeans_check(s, x));
  if (iterations < 0) return invalid_argument("kmeans: iterations must be >= 0");
  if (!b.centroids || !b.sizes || !b.offsets || !b.permutation)
    return invalid_argument("kmeans: centroids, sizes, offsets and permutation buffers are required");
  const KMeansWorkspace w = carve(s, workspace);
  if (!workspace || workspace_bytes < w.total) return invalid_argument("kmeans: workspace too small");

  const std::size_t items = static_cast<std::size_t>(s.problems) * s.tokens;
  const std::size_t cells = static_cast<std::size_t>(s.problems) * s.clusters;
  int* labels = b.labels ? b.labels : w.labels;
  SVG2K_RETURN_IF_ERROR(prepare(s, b.centroids, w, stream));
  // Zero iterations: one assignment against the given centroids (labels, sizes, permutation), the
  // centroids stay as they are.
  const int passes = iterations > 0 ? iterations : 1;
  for (int it = 0; it < passes; ++it) {
    SVG2K_RETURN_IF_ERROR(
        call_status(cudaMemsetAsync(b.sizes, 0, cells * sizeof(int), stream), "kmeans memset sizes"));
    SVG2K_RETURN_IF_ERROR(assign(s, x, w, labels, /*radix_keys=*/true, b.sizes, stream));
    std::size_t sort_bytes = w.sort_temp_bytes;
    SVG2K_RETURN_IF_ERROR(call_status(
        cub::DeviceRadixSort::SortPairs(w.sort_temp, sort_bytes, w.keys_in, w.keys_out, w.values_in,
                                        b.permutation, static_cast<int>(items), 0, sort_end_bit(s), stream),
        "kmeans radix sort"));
    std::size_t scan_bytes = w.scan_temp_bytes;
    SVG2K_RETURN_IF_ERROR(
        call_status(cub::DeviceScan::ExclusiveSum(w.scan_temp, scan_bytes, b.sizes, w.global_offsets,
                                                  static_cast<int>(cells), stream),
                    "kmeans offsets scan"));
    UpdateParams up{x,           s.tokens,         s.clusters, b.permutation,  b.sizes,   w.global_offsets,
                    b.centroids, w.centroids_bf16, w.norms,    norm_stride(s), b.offsets, iterations > 0};
    if (s.dim == 128) {
      kmeans_update_kernel<128><<<static_cast<unsigned>(cells), 256, 0, stream>>>(up);
    } else {
      kmeans_update_kernel<64><<<static_cast<unsigned>(cells), 256, 0, stream>>>(up);
    }
    SVG2K_RETURN_IF_ERROR(launch_status("kmeans_update launch"));
  }
  return {};
}

Status kmeans_assign_only(const KMeansShape& s, const TokenView& x, const float* centroids, int* labels,
                          void* workspace, std::size_t workspace_bytes, cudaStream_t stream) {
  using namespace detail;
  SVG2K_RETURN_IF_ERROR(kmeans_check(s, x));
  if (!centroids || !labels) return invalid_argument("kmeans_assign_only: centroids and labels are required");
  const KMeansWorkspace w = carve(s, workspace);
  if (!workspace || workspace_bytes < w.total) return invalid_argument("kmeans: workspace too small");
  SVG2K_RETURN_IF_ERROR(prepare(s, centroids, w, stream));
  return assign(s, x, w, labels, false, nullptr, stream);
}

}  // namespace svg2k

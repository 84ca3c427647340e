// Batched Lloyd k-means: assignment on tensor cores, stable radix sort of (problem, label), and a
// deterministic segmented-mean centroid update. See svg2k/kmeans.h.
#include <algorithm>
#include <cstdlib>
#include <cub/device/device_radix_sort.cuh>
#include <cub/device/device_scan.cuh>
#include <string>

#include "device_common.cuh"
#include "hopper_primitives.cuh"
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

template <int D>
struct AssignHopperTile {
  static constexpr int kRows = 128;       // two warpgroups x 64 tokens
  static constexpr int kCentroids = 128;  // per pipeline stage (the wgmma N)
  static constexpr int kChunks = D / 8;
  static constexpr int kPanelBytes = 128 * 128;
  static constexpr int kPointBytes = kRows * D * 2;
  static constexpr int kCentroidBytes = kCentroids * D * 2;
  static constexpr int kSmemBytes = 1024 + kPointBytes + 2 * kCentroidBytes + 2 * kCentroids * 4;
};

namespace {

// The same computation as kmeans_assign_kernel with the x.c products on wgmma (tokens and
// centroids both from 128-byte-swizzled shared memory). Two blocks per SM, so one block's argmin
// epilogue overlaps the other's matrix products.
// The argmin takes each tile's minimum first, indexed by the column's compile-time part, then merges
// once per tile: the epilogue is ALU-bound, and this saves an index add per element.
template <int D>
__global__ void __launch_bounds__(256, 2) kmeans_assign_hopper_kernel(const AssignParams p) {
#if SVG2K_HOPPER_ENABLED
  using T = AssignHopperTile<D>;
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

  float best[2] = {__int_as_float(0x7f800000), __int_as_float(0x7f800000)};
  int best_index[2] = {0, 0};
  const std::uint32_t a_rows = s_points + wg * 64 * 128;
  for (int t = 0; t < num_tiles; ++t) {
    const int stage = t & 1;
    cp_async_wait<1>();
    fence_proxy_async_shared();  // cp.async wrote through the generic proxy; wgmma reads through the async
                                 // one
    __syncthreads();
    float acc[64];
    const std::uint32_t b_rows = s_cent + stage * T::kCentroidBytes;
    wgmma_fence();
#pragma unroll
    for (int kk = 0; kk < D / 16; ++kk) {
      const std::uint32_t koff = (kk >> 2) * T::kPanelBytes + (kk & 3) * 32;
      const std::uint64_t da = make_smem_desc_sw128(a_rows + koff, 16, 1024);
      const std::uint64_t db = make_smem_desc_sw128(b_rows + koff, 16, 1024);
      if (kk == 0) {
        wgmma_m64n128k16_ss_first(acc, da, db);
      } else {
        wgmma_m64n128k16_ss(acc, da, db, 1);
      }
    }
    wgmma_commit();
    wgmma_wait<0>();
    fence_registers(acc);
    const float* sn = s_norm + stage * T::kCentroids + 2 * (lane & 3);
#pragma unroll
    for (int h = 0; h < 2; ++h) {
      float tile_best = __int_as_float(0x7f800000);
      int tile_col = 0;
#pragma unroll
      for (int j = 0; j < 16; ++j) {
#pragma unroll
        for (int e2 = 0; e2 < 2; ++e2) {
          const float d = fmaf(-2.f, acc[4 * j + 2 * h + e2], sn[j * 8 + e2]);
          if (d < tile_best) {
            tile_best = d;
            tile_col = j * 8 + e2;
          }
        }
      }
      if (tile_best < best[h]) {
        best[h] = tile_best;
        best_index[h] = t * T::kCentroids + 2 * (lane & 3) + tile_col;
      }
    }
    __syncthreads();
    if (t + 2 < num_tiles) load_centroids(t + 2, stage);
    cp_async_commit();
  }

#pragma unroll
  for (int h = 0; h < 2; ++h) {
    float d = best[h];
    int idx = best_index[h];
#pragma unroll
    for (int off = 1; off <= 2; off <<= 1) {
      const float od = __shfl_xor_sync(0xffffffffu, d, off);
      const int oi = __shfl_xor_sync(0xffffffffu, idx, off);
      if (od < d || (od == d && oi < idx)) {
        d = od;
        idx = oi;
      }
    }
    const int s = row0 + wg * 64 + warp * 16 + (lane >> 2) + h * 8;
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

// One block per cluster: 8 warps stride over the cluster's sorted tokens, each lane owning D/32
// features; partial sums are combined in warp order, so the result is deterministic.
template <int D>
__global__ void __launch_bounds__(256) kmeans_update_kernel(const UpdateParams p) {
  constexpr int kWarps = 8;
  constexpr int kPerLane = D / 32;
  constexpr int kUnroll = 8;  // rows in flight per warp: the gather is latency-bound
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
  const int* perm = p.permutation + static_cast<long long>(n) * S + start;
  float acc[kPerLane];
#pragma unroll
  for (int e = 0; e < kPerLane; ++e) acc[e] = 0.f;

  for (int r0 = warp; r0 < count; r0 += kWarps * kUnroll) {
    __nv_bfloat16 v[kUnroll][kPerLane];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) {
      const int r = r0 + u * kWarps;
      if (r < count) {
        const __nv_bfloat16* row = token_row(p.x, n, perm[r]) + lane * kPerLane;
        if constexpr (kPerLane == 4) {
          *reinterpret_cast<uint2*>(v[u]) = *reinterpret_cast<const uint2*>(row);
        } else {
          *reinterpret_cast<unsigned*>(v[u]) = *reinterpret_cast<const unsigned*>(row);
        }
      } else {
#pragma unroll
        for (int e = 0; e < kPerLane; ++e) v[u][e] = __float2bfloat16(0.f);
      }
    }
#pragma unroll
    for (int u = 0; u < kUnroll; ++u)
#pragma unroll
      for (int e = 0; e < kPerLane; ++e) acc[e] += __bfloat162float(v[u][e]);
  }
#pragma unroll
  for (int e = 0; e < kPerLane; ++e) partial[warp][lane * kPerLane + e] = acc[e];
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
                 sizes};
  // Developer switch: SVG2K_KMEANS_ASSIGN=mma forces the mma.sync kernel on Hopper too.
  const char* choice = std::getenv("SVG2K_KMEANS_ASSIGN");
  if (current_device_arch() == 90 && !(choice && std::string(choice) == "mma")) {
    const dim3 grid(static_cast<unsigned>(ceil_div(s.tokens, 128)), static_cast<unsigned>(s.problems));
    if (s.dim == 128) {
      constexpr int smem = AssignHopperTile<128>::kSmemBytes;
      SVG2K_RETURN_IF_ERROR(
          ensure_dynamic_smem(kmeans_assign_hopper_kernel<128>, smem, "cudaFuncSetAttribute(kmeans_assign)"));
      kmeans_assign_hopper_kernel<128><<<grid, 256, smem, stream>>>(p);
    } else {
      constexpr int smem = AssignHopperTile<64>::kSmemBytes;
      SVG2K_RETURN_IF_ERROR(
          ensure_dynamic_smem(kmeans_assign_hopper_kernel<64>, smem, "cudaFuncSetAttribute(kmeans_assign)"));
      kmeans_assign_hopper_kernel<64><<<grid, 256, smem, stream>>>(p);
    }
    return launch_status("kmeans_assign (Hopper) launch");
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

// Block-sparse attention on mma.sync (sm_80 and later): 4 warps x 16 query rows, key/value tiles
// of 64 tokens gathered from the key stream with cp.async into swizzled shared memory, double
// buffered, fp32 online softmax in registers (the FlashAttention-2 structure).
#include "launch_check.cuh"
#include "sparse_attention_common.cuh"
#include "sparse_attention_launch.h"

namespace svg2k::detail {
namespace {

template <int D>
struct AmpereTile {
  static constexpr int kRows = 64;  // query rows per block
  static constexpr int kKeys = 64;  // keys per tile
  static constexpr int kThreads = 128;
  static constexpr int kChunks = D / 8;
  static constexpr int kQBytes = kRows * D * 2;
  static constexpr int kKVBytes = kKeys * D * 2;
  static constexpr int kTileBytes = kQBytes + 4 * kKVBytes;  // Q, K[2], V[2]
  static int smem_bytes(int key_clusters) {
    return 1024 + kTileBytes + (2 * kKeys + kRows) * 4 + (2 * key_clusters + 1) * 4 + 33 * 4;
  }
};

template <int D>
__global__ void __launch_bounds__(128) sparse_attention_ampere_kernel(const AttentionParams p) {
  using T = AmpereTile<D>;
  extern __shared__ unsigned char smem_raw[];
  __shared__ int s_item[3];
  unsigned char* smem = aligned_smem_1024(smem_raw);
  const std::uint32_t sQ = smem_addr(smem);
  const std::uint32_t sK = sQ + T::kQBytes;
  const std::uint32_t sV = sK + 2 * T::kKVBytes;
  int* rowsrc = reinterpret_cast<int*>(smem + T::kTileBytes);  // [2][kKeys]
  int* qsrc = rowsrc + 2 * T::kKeys;                           // [kRows]
  int* seg_prefix = qsrc + T::kRows;                           // [KC + 1]
  int* seg_base = seg_prefix + p.key_clusters + 1;             // [KC]
  int* scratch = seg_base + p.key_clusters;                    // [33]

  WorkItem w;
  if (!find_work_item<T::kRows>(p, w, s_item)) return;
  const int tid = threadIdx.x, warp = tid / 32, lane = tid % 32;
  const int n = w.n;
  const int L = build_key_stream(p, w, seg_prefix, seg_base, scratch);
  if (L == 0) {
    write_zero_rows<D>(p, w);
    return;
  }
  const int num_tiles = ceil_div(L, T::kKeys);

  if (tid < T::kRows) qsrc[tid] = tid < w.rows ? query_source(p, n, w.row0 + tid) : -1;
  KeyCursor cursor;  // thread tid < kKeys owns row tid of every key tile
  auto key_rows = [&](int t, int buf) {
    if (tid < T::kKeys) {
      const int pos = t * T::kKeys + tid;
      rowsrc[buf * T::kKeys + tid] =
          pos < L ? cursor.source(p, n, seg_prefix, seg_base, w.key_count, pos) : -1;
    }
  };
  auto load_kv = [&](int stage) {
    const int* src = rowsrc + stage * T::kKeys;
    for (int q = tid; q < T::kKeys * T::kChunks; q += T::kThreads) {
      const int r = q / T::kChunks, c = q % T::kChunks;
      const int s = src[r];
      const bool valid = s >= 0;
      const std::uint32_t off = stage * T::kKVBytes + swizzled_offset<T::kKeys>(r, c);
      cp_async_16(sK + off, token_row(p.a.k, n, valid ? s : 0) + c * 8, valid);
      cp_async_16(sV + off, token_row(p.a.v, n, valid ? s : 0) + c * 8, valid);
    }
  };
  key_rows(0, 0);
  if (num_tiles > 1) key_rows(1, 1);
  __syncthreads();
  for (int q = tid; q < T::kRows * T::kChunks; q += T::kThreads) {
    const int r = q / T::kChunks, c = q % T::kChunks;
    const int s = qsrc[r];
    const bool valid = s >= 0;
    cp_async_16(sQ + swizzled_offset<T::kRows>(r, c), token_row(p.a.q, n, valid ? s : 0) + c * 8, valid);
  }
  load_kv(0);
  cp_async_commit();
  if (num_tiles > 1) load_kv(1);
  cp_async_commit();

  float o[D / 8][4];
#pragma unroll
  for (int i = 0; i < D / 8; ++i)
#pragma unroll
    for (int e = 0; e < 4; ++e) o[i][e] = 0.f;
  float row_max[2] = {-__int_as_float(0x7f800000), -__int_as_float(0x7f800000)};
  float row_sum[2] = {0.f, 0.f};
  std::uint32_t qf[D / 16][4];

  for (int t = 0; t < num_tiles; ++t) {
    const int stage = t & 1;
    cp_async_wait<1>();
    if (t + 2 < num_tiles) key_rows(t + 2, stage);
    __syncthreads();
    if (t == 0) {
#pragma unroll
      for (int kk = 0; kk < D / 16; ++kk)
        ldmatrix_x4(qf[kk], sQ + swizzled_offset<T::kRows>(warp * 16 + (lane & 15), kk * 2 + (lane >> 4)));
    }
    const std::uint32_t kbase = sK + stage * T::kKVBytes;
    const std::uint32_t vbase = sV + stage * T::kKVBytes;

    float s[T::kKeys / 8][4];
#pragma unroll
    for (int i = 0; i < T::kKeys / 8; ++i)
#pragma unroll
      for (int e = 0; e < 4; ++e) s[i][e] = 0.f;
#pragma unroll
    for (int kk = 0; kk < D / 16; ++kk) {
#pragma unroll
      for (int np = 0; np < T::kKeys / 16; ++np) {
        std::uint32_t b[4];
        ldmatrix_x4(b, kbase + swizzled_offset<T::kKeys>(np * 16 + (lane & 7) + ((lane >> 4) << 3),
                                                         kk * 2 + ((lane >> 3) & 1)));
        mma_bf16_16816(s[2 * np], qf[kk], b[0], b[1]);
        mma_bf16_16816(s[2 * np + 1], qf[kk], b[2], b[3]);
      }
    }
    if ((t + 1) * T::kKeys > L) {
#pragma unroll
      for (int nb = 0; nb < T::kKeys / 8; ++nb)
#pragma unroll
        for (int e = 0; e < 4; ++e)
          if (t * T::kKeys + nb * 8 + 2 * (lane & 3) + (e & 1) >= L) s[nb][e] = -__int_as_float(0x7f800000);
    }
    // Online softmax; each thread owns rows lane/4 (h = 0) and lane/4 + 8 (h = 1) of its warp.
#pragma unroll
    for (int h = 0; h < 2; ++h) {
      float mx = -__int_as_float(0x7f800000);
#pragma unroll
      for (int nb = 0; nb < T::kKeys / 8; ++nb) mx = fmaxf(mx, fmaxf(s[nb][2 * h], s[nb][2 * h + 1]));
      mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
      mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));
      const float m_new = fmaxf(row_max[h], mx * p.scale_log2);
      const float corr = fast_exp2(row_max[h] - m_new);
      row_max[h] = m_new;
      row_sum[h] *= corr;
#pragma unroll
      for (int db = 0; db < D / 8; ++db) {
        o[db][2 * h] *= corr;
        o[db][2 * h + 1] *= corr;
      }
#pragma unroll
      for (int nb = 0; nb < T::kKeys / 8; ++nb) {
#pragma unroll
        for (int e = 2 * h; e < 2 * h + 2; ++e) {
          const float pv = fast_exp2(fmaf(s[nb][e], p.scale_log2, -m_new));
          s[nb][e] = pv;
          row_sum[h] += pv;
        }
      }
    }
#pragma unroll
    for (int kk = 0; kk < T::kKeys / 16; ++kk) {
      const std::uint32_t a[4] = {
          pack_bf16x2(s[2 * kk][0], s[2 * kk][1]), pack_bf16x2(s[2 * kk][2], s[2 * kk][3]),
          pack_bf16x2(s[2 * kk + 1][0], s[2 * kk + 1][1]), pack_bf16x2(s[2 * kk + 1][2], s[2 * kk + 1][3])};
#pragma unroll
      for (int dp = 0; dp < D / 16; ++dp) {
        std::uint32_t b[4];
        ldmatrix_x4_trans(b,
                          vbase + swizzled_offset<T::kKeys>(kk * 16 + (lane & 7) + (((lane >> 3) & 1) << 3),
                                                            dp * 2 + (lane >> 4)));
        mma_bf16_16816(o[2 * dp], a, b[0], b[1]);
        mma_bf16_16816(o[2 * dp + 1], a, b[2], b[3]);
      }
    }
    __syncthreads();
    if (t + 2 < num_tiles) load_kv(stage);
    cp_async_commit();
  }

  // Normalize, stage the tile in shared memory (Q's space), then 16-byte stores through Q's permutation.
  float inv[2];
  inverse_row_sums(row_sum, inv);
#pragma unroll
  for (int db = 0; db < D / 8; ++db) {
#pragma unroll
    for (int h = 0; h < 2; ++h) {
      const int row = warp * 16 + (lane >> 2) + 8 * h;
      const std::uint32_t v = pack_bf16x2(o[db][2 * h] * inv[h], o[db][2 * h + 1] * inv[h]);
      const std::uint32_t addr = sQ + swizzled_offset<T::kRows>(row, db) + 4 * (lane & 3);
      asm volatile("st.shared.b32 [%0], %1;\n" ::"r"(addr), "r"(v));
    }
  }
  __syncthreads();
  for (int q = tid; q < w.rows * T::kChunks; q += T::kThreads) {
    const int r = q / T::kChunks, c = q % T::kChunks;
    const uint4 v = ld_shared_uint4(sQ + swizzled_offset<T::kRows>(r, c));
    *reinterpret_cast<uint4*>(token_row(p.a.out, n, qsrc[r]) + c * 8) = v;
  }
}

template <int D>
Status launch(const AttentionParams& p, int slots, cudaStream_t stream) {
  const int smem = AmpereTile<D>::smem_bytes(p.key_clusters);
  const Status st =
      ensure_dynamic_smem(sparse_attention_ampere_kernel<D>, smem, "cudaFuncSetAttribute(sparse attention)");
  if (!st.ok()) return st;
  const dim3 grid(static_cast<unsigned>(slots), static_cast<unsigned>(p.problems));
  sparse_attention_ampere_kernel<D><<<grid, AmpereTile<D>::kThreads, smem, stream>>>(p);
  const cudaError_t launch_err = cudaGetLastError();
  return launch_err == cudaSuccess ? Status{} : Status{launch_err, "sparse_attention_ampere launch"};
}

}  // namespace

int ampere_rows_per_block() {
  return AmpereTile<128>::kRows;
}
int ampere_smem_bytes(int dim, int key_clusters) {
  return dim == 128 ? AmpereTile<128>::smem_bytes(key_clusters) : AmpereTile<64>::smem_bytes(key_clusters);
}

Status launch_sparse_attention_ampere(const AttentionParams& p, int dim, int slots, cudaStream_t stream) {
  return dim == 128 ? launch<128>(p, slots, stream) : launch<64>(p, slots, stream);
}

}  // namespace svg2k::detail

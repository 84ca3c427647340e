// Block-sparse attention for Hopper (sm_90a): a producer warpgroup gathers the key stream with
// cp.async into a two-stage ring of swizzled shared-memory tiles (mbarrier full/empty handshakes),
// two consumer warpgroups each own 64 query rows of a 128-row tile and run S = Q K^T and O += P V
// on wgmma (fp32 accumulators, P kept in registers). With ping-pong on, the consumers take turns
// on the tensor cores so one warpgroup's softmax overlaps the other's matrix products.
// The consumers fit the 168 registers a 384-thread block gets (this ptxas does not allocate by
// setmaxnreg): they never hold S, O and P at once (PV of the previous tile completes before S).
#include "hopper_primitives.cuh"
#include "launch_check.cuh"
#include "sparse_attention_common.cuh"
#include "sparse_attention_launch.h"

namespace svg2k::detail {

template <int D>
struct HopperTile {
  static constexpr int kRows = 128;     // query rows per block (two consumer warpgroups x 64)
  static constexpr int kKeys = 128;     // keys per stage
  static constexpr int kThreads = 384;  // consumer warpgroups 0-1, producer warpgroup 2
  static constexpr int kChunks = D / 8;
  static constexpr int kPanelBytes = 128 * 128;  // 128 rows x 64 features
  static constexpr int kQBytes = kRows * D * 2;
  static constexpr int kKVBytes = kKeys * D * 2;
  static constexpr int kTileBytes = kQBytes + 4 * kKVBytes;  // Q, K[2], V[2]
  static constexpr int kBarrierBytes = 64;
  static int smem_bytes(int key_clusters) {
    return 1024 + kTileBytes + kBarrierBytes + (2 * kKeys) * 4 + (2 * key_clusters + 1) * 4 + 33 * 4;
  }
};

namespace {

#if SVG2K_HOPPER_ENABLED

// The value, hidden from the optimizer: descriptors derived from it are rebuilt each iteration (a
// few integer ops) instead of being hoisted out of the loop, where eight loop-invariant 64-bit
// Q descriptors overflowed the 168-register budget and were spilled and reloaded every tile.
__device__ __forceinline__ std::uint32_t opaque(std::uint32_t v) {
  asm volatile("" : "+r"(v));
  return v;
}

template <int D>
__device__ __forceinline__ void softmax_tile(float (&s)[64], float (&o)[D / 2], float (&row_max)[2],
                                             float (&row_sum)[2], std::uint32_t (&pf)[8][4], int tile,
                                             int stream_len, float scale_log2, int lane) {
  const float neg_inf = -__int_as_float(0x7f800000);
  if ((tile + 1) * 128 > stream_len) {
#pragma unroll
    for (int j = 0; j < 16; ++j)
#pragma unroll
      for (int e = 0; e < 4; ++e)
        if (tile * 128 + j * 8 + 2 * (lane & 3) + (e & 1) >= stream_len) s[4 * j + e] = neg_inf;
  }
#pragma unroll
  for (int h = 0; h < 2; ++h) {
    float mx = neg_inf;
#pragma unroll
    for (int j = 0; j < 16; ++j) mx = fmaxf(mx, fmaxf(s[4 * j + 2 * h], s[4 * j + 2 * h + 1]));
    mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
    mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));
    const float m_new = fmaxf(row_max[h], mx * scale_log2);
    const float corr = fast_exp2(row_max[h] - m_new);
    row_max[h] = m_new;
    row_sum[h] *= corr;
#pragma unroll
    for (int j = 0; j < D / 8; ++j) {
      o[4 * j + 2 * h] *= corr;
      o[4 * j + 2 * h + 1] *= corr;
    }
#pragma unroll
    for (int j = 0; j < 16; ++j) {
#pragma unroll
      for (int e = 2 * h; e < 2 * h + 2; ++e) {
        const float pv = fast_exp2(fmaf(s[4 * j + e], scale_log2, -m_new));
        s[4 * j + e] = pv;
        row_sum[h] += pv;
      }
    }
  }
#pragma unroll
  for (int kk = 0; kk < 8; ++kk) {
    pf[kk][0] = pack_bf16x2(s[8 * kk + 0], s[8 * kk + 1]);
    pf[kk][1] = pack_bf16x2(s[8 * kk + 2], s[8 * kk + 3]);
    pf[kk][2] = pack_bf16x2(s[8 * kk + 4], s[8 * kk + 5]);
    pf[kk][3] = pack_bf16x2(s[8 * kk + 6], s[8 * kk + 7]);
  }
}

template <int D>
__device__ __forceinline__ void issue_pv(float (&o)[D / 2], const std::uint32_t (&pf)[8][4],
                                         std::uint32_t v_stage) {
  using T = HopperTile<D>;
#pragma unroll
  for (int kk = 0; kk < 8; ++kk) {
    // V tile [keys][D] is MN-major for this product: 8-key groups 1024 bytes apart (stride),
    // 64-feature panels kKeys * 128 bytes apart (leading).
    const std::uint64_t desc = make_smem_desc_sw128(v_stage + kk * 2048, T::kKeys * 128, 1024);
    if constexpr (D == 128) {
      wgmma_m64n128k16_rs_mn(o, pf[kk], desc);
    } else {
      wgmma_m64n64k16_rs_mn(o, pf[kk], desc);
    }
  }
}

template <int D>
__device__ __forceinline__ void issue_qk(float (&s)[64], std::uint32_t q_rows, std::uint32_t k_stage) {
  using T = HopperTile<D>;
#pragma unroll
  for (int kk = 0; kk < D / 16; ++kk) {
    const std::uint32_t koff = (kk >> 2) * T::kPanelBytes + (kk & 3) * 32;
    const std::uint64_t a = make_smem_desc_sw128(q_rows + koff, 16, 1024);
    const std::uint64_t b = make_smem_desc_sw128(k_stage + koff, 16, 1024);
    if (kk == 0) {
      wgmma_m64n128k16_ss_first(s, a, b);
    } else {
      wgmma_m64n128k16_ss(s, a, b, 1);
    }
  }
}

#endif  // SVG2K_HOPPER_ENABLED

template <int D, bool PingPong>
__global__ void __launch_bounds__(384, 1) sparse_attention_hopper_kernel(const AttentionParams p) {
#if SVG2K_HOPPER_ENABLED
  using T = HopperTile<D>;
  extern __shared__ unsigned char smem_raw[];
  __shared__ int s_item[3];
  unsigned char* smem = reinterpret_cast<unsigned char*>((reinterpret_cast<std::uintptr_t>(smem_raw) + 1023) &
                                                         ~std::uintptr_t(1023));
  const std::uint32_t sQ = smem_addr(smem);
  const std::uint32_t sK = sQ + T::kQBytes;
  const std::uint32_t sV = sK + 2 * T::kKVBytes;
  const std::uint32_t bar = sQ + T::kTileBytes;  // full[2], empty[2], q_full
  const std::uint32_t full_bar = bar, empty_bar = bar + 16, q_bar = bar + 32;
  int* rowsrc = reinterpret_cast<int*>(smem + T::kTileBytes + T::kBarrierBytes);  // [2][kKeys]
  int* seg_prefix = rowsrc + 2 * T::kKeys;                                        // [KC + 1]
  int* seg_base = seg_prefix + p.key_clusters + 1;                                // [KC]
  int* scratch = seg_base + p.key_clusters;                                       // [33]

  WorkItem w;
  if (!find_work_item<T::kRows>(p, w, s_item)) return;
  const int tid = threadIdx.x;
  const int n = w.n;
  const int L = build_key_stream(p, w, seg_prefix, seg_base, scratch);
  if (L == 0) {
    write_zero_rows<D>(p, w);
    return;
  }
  const int num_tiles = ceil_div(L, T::kKeys);
  if (tid == 0) {
    mbarrier_init(full_bar, 128);
    mbarrier_init(full_bar + 8, 128);
    mbarrier_init(empty_bar, 256);
    mbarrier_init(empty_bar + 8, 256);
    mbarrier_init(q_bar, 128);
  }
  __syncthreads();

  const int wg = tid / 128;
  if (wg == 2) {
    // ---- producer warpgroup: gathers Q once, then the key stream tile by tile. Thread pt owns
    // row pt of every tile (its source), then all 128 issue coalesced 16-byte copies. ----
    const int pt = tid - 256;
    rowsrc[pt] = pt < w.rows ? query_source(p, n, w.row0 + pt) : -1;
    named_barrier_sync(1, 128);
    for (int q = pt; q < T::kRows * T::kChunks; q += 128) {
      const int r = q / T::kChunks, c = q % T::kChunks;
      const int s = rowsrc[r];
      cp_async_16(sQ + swizzled_offset<T::kRows>(r, c), token_row(p.a.q, n, s >= 0 ? s : 0) + c * 8, s >= 0);
    }
    cp_async_mbarrier_arrive(q_bar);
    named_barrier_sync(1, 128);  // rowsrc[0..127] is rewritten below
    KeyCursor cursor;
    for (int t = 0; t < num_tiles; ++t) {
      const int stage = t & 1;
      int* src = rowsrc + stage * T::kKeys;
      const int pos = t * T::kKeys + pt;
      src[pt] = pos < L ? cursor.source(p, n, seg_prefix, seg_base, w.key_count, pos) : -1;
      named_barrier_sync(1, 128);
      if (t >= 2) mbarrier_wait(empty_bar + 8 * stage, ((t - 2) >> 1) & 1);
      const std::uint32_t kdst = sK + stage * T::kKVBytes, vdst = sV + stage * T::kKVBytes;
#pragma unroll 4
      for (int q = pt; q < T::kKeys * T::kChunks; q += 128) {
        const int r = q / T::kChunks, c = q % T::kChunks;
        const int s = src[r];
        const bool valid = s >= 0;
        const std::uint32_t off = swizzled_offset<T::kKeys>(r, c);
        cp_async_16(kdst + off, token_row(p.a.k, n, valid ? s : 0) + c * 8, valid);
        cp_async_16(vdst + off, token_row(p.a.v, n, valid ? s : 0) + c * 8, valid);
      }
      cp_async_mbarrier_arrive(full_bar + 8 * stage);
    }
  } else {
    // ---- consumers ----
    const int cw = wg;
    const int ct = tid - 128 * wg;
    const int warp = ct / 32, lane = ct % 32;
    // A warpgroup whose 64 rows are all past the cluster's end still runs (on zero rows): skipping
    // its wgmma would make them conditional, which serializes them (ptxas C7518).
    const bool active = cw * 64 < w.rows;
    const std::uint32_t q_rows = sQ + cw * 64 * 128;
    const int my_bar = 2 + cw, other_bar = 3 - cw;

    float s[64];
    float o[D / 2];
#pragma unroll
    for (int i = 0; i < D / 2; ++i) o[i] = 0.f;
    float row_max[2] = {-__int_as_float(0x7f800000), -__int_as_float(0x7f800000)};
    float row_sum[2] = {0.f, 0.f};
    std::uint32_t pf[8][4];

    mbarrier_wait(q_bar, 0);
    if (PingPong && cw == 1) named_barrier_arrive(2, 256);

    mbarrier_wait(full_bar, 0);
    fence_proxy_async_shared();
    if (PingPong) named_barrier_sync(my_bar, 256);
    wgmma_fence();
    issue_qk<D>(s, opaque(q_rows), sK);
    wgmma_commit();
    if (PingPong) named_barrier_arrive(other_bar, 256);
    wgmma_wait<0>();
    fence_registers(s);
    softmax_tile<D>(s, o, row_max, row_sum, pf, 0, L, p.scale_log2, lane);
    for (int t = 1; t < num_tiles; ++t) {
      const int stage = t & 1, prev = stage ^ 1;
      mbarrier_wait(full_bar + 8 * stage, (t >> 1) & 1);
      fence_proxy_async_shared();
      if (PingPong) named_barrier_sync(my_bar, 256);
      // O += P V for the previous tile, then S = Q K^T for this one. Waiting in between keeps
      // P and S from being live together (S + O + P would not fit in the register budget).
      fence_registers(o);
      wgmma_fence();
      issue_pv<D>(o, pf, sV + prev * T::kKVBytes);
      wgmma_commit();
      wgmma_wait<0>();
      fence_registers(o);
      mbarrier_arrive(empty_bar + 8 * prev);
      wgmma_fence();
      issue_qk<D>(s, opaque(q_rows), sK + stage * T::kKVBytes);
      wgmma_commit();
      if (PingPong) named_barrier_arrive(other_bar, 256);
      wgmma_wait<0>();
      fence_registers(s);
      softmax_tile<D>(s, o, row_max, row_sum, pf, t, L, p.scale_log2, lane);
    }
    if (PingPong) named_barrier_sync(my_bar, 256);
    fence_registers(o);
    wgmma_fence();
    issue_pv<D>(o, pf, sV + ((num_tiles - 1) & 1) * T::kKVBytes);
    wgmma_commit();
    if (PingPong && cw == 0) named_barrier_arrive(other_bar, 256);
    wgmma_wait<0>();
    fence_registers(o);
    mbarrier_arrive(empty_bar + 8 * ((num_tiles - 1) & 1));
    if (!active) return;

    // Normalize, stage this warpgroup's 64 rows in its own part of Q's tile, store through Q's
    // permutation with 16-byte writes.
    float inv[2];
#pragma unroll
    for (int h = 0; h < 2; ++h) {
      float l = row_sum[h];
      l += __shfl_xor_sync(0xffffffffu, l, 1);
      l += __shfl_xor_sync(0xffffffffu, l, 2);
      inv[h] = 1.f / l;
    }
#pragma unroll
    for (int j = 0; j < D / 8; ++j) {
#pragma unroll
      for (int h = 0; h < 2; ++h) {
        const int row = cw * 64 + warp * 16 + (lane >> 2) + 8 * h;
        const std::uint32_t v = pack_bf16x2(o[4 * j + 2 * h] * inv[h], o[4 * j + 2 * h + 1] * inv[h]);
        const std::uint32_t addr = sQ + swizzled_offset<T::kRows>(row, j) + 4 * (lane & 3);
        asm volatile("st.shared.b32 [%0], %1;\n" ::"r"(addr), "r"(v));
      }
    }
    named_barrier_sync(4 + cw, 128);
    for (int q = ct; q < 64 * T::kChunks; q += 128) {
      const int row = cw * 64 + q / T::kChunks, c = q % T::kChunks;
      if (row >= w.rows) continue;
      uint4 v;
      asm volatile("ld.shared.v4.u32 {%0, %1, %2, %3}, [%4];\n"
                   : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
                   : "r"(sQ + swizzled_offset<T::kRows>(row, c)));
      *reinterpret_cast<uint4*>(token_row(p.a.out, n, query_source(p, n, w.row0 + row)) + c * 8) = v;
    }
  }
#endif  // SVG2K_HOPPER_ENABLED
}

template <int D, bool PingPong>
Status launch(const AttentionParams& p, int slots, cudaStream_t stream) {
  const int smem = HopperTile<D>::smem_bytes(p.key_clusters);
  const Status st = ensure_dynamic_smem(sparse_attention_hopper_kernel<D, PingPong>, smem,
                                        "cudaFuncSetAttribute(sparse attention)");
  if (!st.ok()) return st;
  const dim3 grid(static_cast<unsigned>(slots), static_cast<unsigned>(p.problems));
  sparse_attention_hopper_kernel<D, PingPong><<<grid, HopperTile<D>::kThreads, smem, stream>>>(p);
  const cudaError_t launch_err = cudaGetLastError();
  return launch_err == cudaSuccess ? Status{} : Status{launch_err, "sparse_attention_hopper launch"};
}

}  // namespace

int hopper_rows_per_block() {
  return HopperTile<128>::kRows;
}
int hopper_smem_bytes(int dim, int key_clusters) {
  return dim == 128 ? HopperTile<128>::smem_bytes(key_clusters) : HopperTile<64>::smem_bytes(key_clusters);
}

Status launch_sparse_attention_hopper(const AttentionParams& p, int dim, bool ping_pong, int slots,
                                      cudaStream_t stream) {
  if (dim == 128)
    return ping_pong ? launch<128, true>(p, slots, stream) : launch<128, false>(p, slots, stream);
  return ping_pong ? launch<64, true>(p, slots, stream) : launch<64, false>(p, slots, stream);
}

}  // namespace svg2k::detail

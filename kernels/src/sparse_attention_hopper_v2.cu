// Block-sparse attention for Hopper (sm_90a), second version (`hopper-v2`): the same block shape
// as sparse_attention_hopper.cu (a producer warpgroup gathering the key stream with cp.async, two
// consumer warpgroups of 64 query rows each on wgmma), with the key stream in 64-key tiles through
// a four-stage ring instead of 128-key tiles through two stages (the same shared memory). Why:
//  - the producer may run up to four tiles ahead, so the L2 latency of the gather is hidden
//    (the two-stage kernel stalled on the L1TEX scoreboard with the tensor pipe 35% busy);
//  - a 64-key S tile (32 fp32 registers) leaves room in the 168-register budget to keep the
//    previous tile's P V product in flight while S = Q K^T of this tile completes and its softmax
//    runs, so each warpgroup overlaps its own softmax with a matrix product;
//  - a warpgroup whose 64 rows all lie past the query cluster's end does no work (the stage
//    release barriers count only the warpgroups that have rows), so a tail tile of <= 64 rows
//    costs one warpgroup's tensor work instead of two.
// `hopper-v2-pp` adds FlashAttention-3's ping-pong on top: named barriers make the two consumer
// warpgroups take turns issuing their matrix products (only when both have rows).
// Measured on an H200 (docs/PERF.md): correct, but 8-18% slower than hopper-simple despite less
// padding; the 64-key tiles double a fixed per-tile cost that the deeper ring does not hide. Kept
// selectable (not `auto`) as the base for a 128-key version with FA3's register split.
#include "hopper_primitives.cuh"
#include "launch_check.cuh"
#include "sparse_attention_common.cuh"
#include "sparse_attention_launch.h"

namespace svg2k::detail {

template <int D>
struct HopperV2Tile {
  static constexpr int kRows = 128;     // query rows per block (two consumer warpgroups x 64)
  static constexpr int kKeys = 64;      // keys per stage
  static constexpr int kStages = 4;     // ring depth
  static constexpr int kThreads = 384;  // consumer warpgroups 0-1, producer warpgroup 2
  static constexpr int kChunks = D / 8;
  static constexpr int kQPanelBytes = kRows * 128;  // 64 features of every query row
  static constexpr int kKPanelBytes = kKeys * 128;  // 64 features of every key row
  static constexpr int kQBytes = kRows * D * 2;
  static constexpr int kKVBytes = kKeys * D * 2;
  static constexpr int kTileBytes = kQBytes + 2 * kStages * kKVBytes;  // Q, K[4], V[4]
  static constexpr int kBarrierBytes = 8 * (2 * kStages + 1);          // full[4], empty[4], q
  static int smem_bytes(int key_clusters) {
    return 1024 + kTileBytes + 128 + (kStages * kKeys) * 4 + (2 * key_clusters + 1) * 4 + 33 * 4;
  }
};

namespace {

#if SVG2K_HOPPER_ENABLED

// See sparse_attention_hopper.cu: descriptors derived from this value are rebuilt every tile
// instead of being hoisted (and spilled).
__device__ __forceinline__ std::uint32_t opaque_v2(std::uint32_t v) {
  asm volatile("" : "+r"(v));
  return v;
}

// Online softmax of one 64 x 64 tile of one warpgroup: masks key positions past the stream end,
// updates the running maxima and sums, writes P (bf16 A fragments) and the factor the output
// accumulated so far must be scaled by. O itself is not touched here (a P V product may be in flight).
__device__ __forceinline__ void softmax_tile_v2(float (&s)[32], float (&row_max)[2], float (&row_sum)[2],
                                                float (&corr)[2], std::uint32_t (&pf)[4][4], int tile,
                                                int stream_len, float scale_log2, int lane) {
  const float neg_inf = -__int_as_float(0x7f800000);
  if ((tile + 1) * 64 > stream_len) {
#pragma unroll
    for (int j = 0; j < 8; ++j)
#pragma unroll
      for (int e = 0; e < 4; ++e)
        if (tile * 64 + j * 8 + 2 * (lane & 3) + (e & 1) >= stream_len) s[4 * j + e] = neg_inf;
  }
#pragma unroll
  for (int h = 0; h < 2; ++h) {
    float mx = neg_inf;
#pragma unroll
    for (int j = 0; j < 8; ++j) mx = fmaxf(mx, fmaxf(s[4 * j + 2 * h], s[4 * j + 2 * h + 1]));
    mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
    mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));
    const float m_new = fmaxf(row_max[h], mx * scale_log2);
    corr[h] = fast_exp2(row_max[h] - m_new);
    row_max[h] = m_new;
    float sum = 0.f;
#pragma unroll
    for (int j = 0; j < 8; ++j) {
#pragma unroll
      for (int e = 2 * h; e < 2 * h + 2; ++e) {
        const float pv = fast_exp2(fmaf(s[4 * j + e], scale_log2, -m_new));
        s[4 * j + e] = pv;
        sum += pv;
      }
    }
    row_sum[h] = row_sum[h] * corr[h] + sum;
  }
#pragma unroll
  for (int kk = 0; kk < 4; ++kk) {
    pf[kk][0] = pack_bf16x2(s[8 * kk + 0], s[8 * kk + 1]);
    pf[kk][1] = pack_bf16x2(s[8 * kk + 2], s[8 * kk + 3]);
    pf[kk][2] = pack_bf16x2(s[8 * kk + 4], s[8 * kk + 5]);
    pf[kk][3] = pack_bf16x2(s[8 * kk + 6], s[8 * kk + 7]);
  }
}

template <int D>
__device__ __forceinline__ void issue_pv_v2(float (&o)[D / 2], const std::uint32_t (&pf)[4][4],
                                            std::uint32_t v_stage) {
  using T = HopperV2Tile<D>;
#pragma unroll
  for (int kk = 0; kk < 4; ++kk) {
    // V tile [keys][D] is MN-major for this product: 8-key groups 1024 bytes apart (stride),
    // 64-feature panels kKPanelBytes apart (leading).
    const std::uint64_t desc = make_smem_desc_sw128(v_stage + kk * 2048, T::kKPanelBytes, 1024);
    if constexpr (D == 128) {
      wgmma_m64n128k16_rs_mn(o, pf[kk], desc);
    } else {
      wgmma_m64n64k16_rs_mn(o, pf[kk], desc);
    }
  }
}

template <int D>
__device__ __forceinline__ void issue_qk_v2(float (&s)[32], std::uint32_t q_rows, std::uint32_t k_stage) {
  using T = HopperV2Tile<D>;
#pragma unroll
  for (int kk = 0; kk < D / 16; ++kk) {
    const std::uint32_t inner = (kk & 3) * 32;
    const std::uint64_t a = make_smem_desc_sw128(q_rows + (kk >> 2) * T::kQPanelBytes + inner, 16, 1024);
    const std::uint64_t b = make_smem_desc_sw128(k_stage + (kk >> 2) * T::kKPanelBytes + inner, 16, 1024);
    if (kk == 0) {
      wgmma_m64n64k16_ss_first(s, a, b);
    } else {
      wgmma_m64n64k16_ss(s, a, b, 1);
    }
  }
}

#endif  // SVG2K_HOPPER_ENABLED

template <int D, bool PingPong>
__global__ void __launch_bounds__(384, 1) sparse_attention_hopper_v2_kernel(const AttentionParams p) {
#if SVG2K_HOPPER_ENABLED
  using T = HopperV2Tile<D>;
  constexpr int S = T::kStages;
  extern __shared__ unsigned char smem_raw[];
  __shared__ int s_item[3];
  unsigned char* smem = reinterpret_cast<unsigned char*>((reinterpret_cast<std::uintptr_t>(smem_raw) + 1023) &
                                                         ~std::uintptr_t(1023));
  const std::uint32_t sQ = smem_addr(smem);
  const std::uint32_t sK = sQ + T::kQBytes;
  const std::uint32_t sV = sK + S * T::kKVBytes;
  const std::uint32_t full_bar = sQ + T::kTileBytes;  // full[S], empty[S], q_full (8 bytes each)
  const std::uint32_t empty_bar = full_bar + 8 * S, q_bar = full_bar + 16 * S;
  int* rowsrc = reinterpret_cast<int*>(smem + T::kTileBytes + 128);  // [S][kKeys]
  int* seg_prefix = rowsrc + S * T::kKeys;                           // [KC + 1]
  int* seg_base = seg_prefix + p.key_clusters + 1;                   // [KC]
  int* scratch = seg_base + p.key_clusters;                          // [33]

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
  // Consumer warpgroup 1 has rows only when the tile has more than 64; the stage release barriers
  // wait for the warpgroups that run.
  const int consumers = w.rows > 64 ? 2 : 1;
  if (tid == 0) {
#pragma unroll
    for (int i = 0; i < S; ++i) {
      mbarrier_init(full_bar + 8 * i, 128);
      mbarrier_init(empty_bar + 8 * i, 128 * consumers);
    }
    mbarrier_init(q_bar, 128);
  }
  __syncthreads();

  const int wg = tid / 128;
  if (wg == 2) {
    // ---- producer warpgroup: gathers Q once, then the key stream tile by tile; threads 0-63 find
    // the source row of one key slot, then all 128 issue coalesced 16-byte copies. ----
    const int pt = tid - 256;
    rowsrc[pt] = pt < w.rows ? query_source(p, n, w.row0 + pt) : -1;  // rowsrc has S * 64 >= 128 slots
    named_barrier_sync(1, 128);
    for (int q = pt; q < T::kRows * T::kChunks; q += 128) {
      const int r = q / T::kChunks, c = q % T::kChunks;
      const int src = rowsrc[r];
      cp_async_16(sQ + swizzled_offset<T::kRows>(r, c), token_row(p.a.q, n, src >= 0 ? src : 0) + c * 8,
                  src >= 0);
    }
    cp_async_mbarrier_arrive(q_bar);
    named_barrier_sync(1, 128);  // rowsrc is rewritten below
    KeyCursor cursor;
    for (int t = 0; t < num_tiles; ++t) {
      const int stage = t % S;
      int* src = rowsrc + stage * T::kKeys;
      if (pt < T::kKeys) {
        const int pos = t * T::kKeys + pt;
        src[pt] = pos < L ? cursor.source(p, n, seg_prefix, seg_base, w.key_count, pos) : -1;
      }
      named_barrier_sync(1, 128);
      if (t >= S) mbarrier_wait(empty_bar + 8 * stage, ((t / S) - 1) & 1);
      const std::uint32_t kdst = sK + stage * T::kKVBytes, vdst = sV + stage * T::kKVBytes;
#pragma unroll
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
    if (cw >= consumers) return;  // no valid rows: nothing to compute or store
    const int ct = tid - 128 * wg;
    const int warp = ct / 32, lane = ct % 32;
    const std::uint32_t q_rows = sQ + cw * 64 * 128;
    // Ping-pong turns: a warpgroup waits on its barrier before issuing, and arrives on the other's
    // after; warpgroup 1 lets warpgroup 0 go first. Every sync is matched by one arrive.
    const bool pp = PingPong && consumers == 2;
    const int my_bar = 2 + cw, other_bar = 3 - cw;
    const auto my_turn = [&] {
      if (pp) named_barrier_sync(my_bar, 256);
    };
    const auto their_turn = [&] {
      if (pp) named_barrier_arrive(other_bar, 256);
    };

    float s[32];
    float o[D / 2];
#pragma unroll
    for (int i = 0; i < D / 2; ++i) o[i] = 0.f;
    float row_max[2] = {-__int_as_float(0x7f800000), -__int_as_float(0x7f800000)};
    float row_sum[2] = {0.f, 0.f};
    // P of the tile whose P V product is issued next and P of the tile being softmaxed while that
    // product runs swap roles every tile; the loop is unrolled by two so no register moves define
    // a wgmma operand (a copy serializes the wgmma pipeline, ptxas C7513).
    std::uint32_t pf_a[4][4], pf_b[4][4];

    const auto finish_pv = [&](const std::uint32_t(&pf)[4][4], int stage) {
      my_turn();
      fence_registers(o);
      wgmma_fence();
      issue_pv_v2<D>(o, pf, sV + stage * T::kKVBytes);
      wgmma_commit();
      if (cw == 0) their_turn();
      wgmma_wait<0>();
      fence_registers(o);
      mbarrier_arrive(empty_bar + 8 * stage);
    };
    // Tile t: S = Q K^T of t, then O += P V of t - 1; the softmax of t runs while the second
    // product is still on the tensor cores (groups complete in order).
    const auto step = [&](int t, const std::uint32_t(&pf_prev)[4][4], std::uint32_t(&pf_cur)[4][4]) {
      const int stage = t % S, prev = (t - 1) % S;
      mbarrier_wait(full_bar + 8 * stage, (t / S) & 1);
      fence_proxy_async_shared();
      my_turn();
      fence_registers(o);
      wgmma_fence();
      issue_qk_v2<D>(s, opaque_v2(q_rows), sK + stage * T::kKVBytes);
      wgmma_commit();
      issue_pv_v2<D>(o, pf_prev, sV + prev * T::kKVBytes);
      wgmma_commit();
      their_turn();
      wgmma_wait<1>();
      fence_registers(s);
      float corr[2];
      softmax_tile_v2(s, row_max, row_sum, corr, pf_cur, t, L, p.scale_log2, lane);
      wgmma_wait<0>();
      fence_registers(o);
      mbarrier_arrive(empty_bar + 8 * prev);
#pragma unroll
      for (int j = 0; j < D / 8; ++j) {
        o[4 * j + 0] *= corr[0];
        o[4 * j + 1] *= corr[0];
        o[4 * j + 2] *= corr[1];
        o[4 * j + 3] *= corr[1];
      }
    };

    mbarrier_wait(q_bar, 0);
    if (cw == 1) their_turn();
    mbarrier_wait(full_bar, 0);
    fence_proxy_async_shared();
    my_turn();
    wgmma_fence();
    issue_qk_v2<D>(s, opaque_v2(q_rows), sK);
    wgmma_commit();
    their_turn();
    wgmma_wait<0>();
    fence_registers(s);
    {
      float corr[2];
      softmax_tile_v2(s, row_max, row_sum, corr, pf_a, 0, L, p.scale_log2, lane);
    }
    int t = 1;
    for (; t + 1 < num_tiles; t += 2) {
      step(t, pf_a, pf_b);
      step(t + 1, pf_b, pf_a);
    }
    if (t < num_tiles) {
      step(t, pf_a, pf_b);
      finish_pv(pf_b, t % S);
    } else {
      finish_pv(pf_a, (t - 1) % S);
    }

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
Status launch_v2(const AttentionParams& p, int slots, cudaStream_t stream) {
  const int smem = HopperV2Tile<D>::smem_bytes(p.key_clusters);
  const Status st = ensure_dynamic_smem(sparse_attention_hopper_v2_kernel<D, PingPong>, smem,
                                        "cudaFuncSetAttribute(sparse attention v2)");
  if (!st.ok()) return st;
  const dim3 grid(static_cast<unsigned>(slots), static_cast<unsigned>(p.problems));
  sparse_attention_hopper_v2_kernel<D, PingPong><<<grid, HopperV2Tile<D>::kThreads, smem, stream>>>(p);
  const cudaError_t launch_err = cudaGetLastError();
  return launch_err == cudaSuccess ? Status{} : Status{launch_err, "sparse_attention_hopper_v2 launch"};
}

}  // namespace

int hopper_v2_smem_bytes(int dim, int key_clusters) {
  return dim == 128 ? HopperV2Tile<128>::smem_bytes(key_clusters)
                    : HopperV2Tile<64>::smem_bytes(key_clusters);
}

Status launch_sparse_attention_hopper_v2(const AttentionParams& p, int dim, bool ping_pong, int slots,
                                         cudaStream_t stream) {
  if (dim == 128)
    return ping_pong ? launch_v2<128, true>(p, slots, stream) : launch_v2<128, false>(p, slots, stream);
  return ping_pong ? launch_v2<64, true>(p, slots, stream) : launch_v2<64, false>(p, slots, stream);
}

}  // namespace svg2k::detail

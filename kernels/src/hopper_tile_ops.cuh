#pragma once
// The consumer-side pieces every Hopper (sm_90a) sparse attention variant shares: 128 query rows in
// two warpgroups of 64, 128-key tiles in SWIZZLE_128B shared memory (64-feature panels of
// 128 rows), S = Q K^T and O += P V on wgmma, the online softmax, and the final store through Q's
// permutation. The variants differ in how K/V reach shared memory and in how they overlap work.
#include <cstdint>

#include "hopper_primitives.cuh"
#include "sparse_attention_common.cuh"

namespace svg2k::detail {

#if SVG2K_HOPPER_ENABLED

// The value, hidden from the optimizer: descriptors derived from it are rebuilt each iteration (a
// few integer ops) instead of being hoisted out of the loop, where eight loop-invariant 64-bit
// Q descriptors overflowed the 168-register budget and were spilled and reloaded every tile.
__device__ __forceinline__ std::uint32_t opaque(std::uint32_t v) {
  asm volatile("" : "+r"(v));
  return v;
}

// S = Q K^T for one warpgroup's 64 rows against a 128-key tile (both 128-row panels).
template <int D>
__device__ __forceinline__ void issue_qk(float (&s)[64], std::uint32_t q_rows, std::uint32_t k_stage) {
  constexpr std::uint32_t kPanelBytes = 128 * 128;  // 128 rows x 64 features
#pragma unroll
  for (int kk = 0; kk < D / 16; ++kk) {
    const std::uint32_t koff = (kk >> 2) * kPanelBytes + (kk & 3) * 32;
    const std::uint64_t a = make_smem_desc_sw128(q_rows + koff, 16, 1024);
    const std::uint64_t b = make_smem_desc_sw128(k_stage + koff, 16, 1024);
    if (kk == 0) {
      wgmma_m64n128k16_ss_first(s, a, b);
    } else {
      wgmma_m64n128k16_ss(s, a, b, 1);
    }
  }
}

// O += P V for a 128-key tile, P in registers (bf16 A fragments).
template <int D>
__device__ __forceinline__ void issue_pv(float (&o)[D / 2], const std::uint32_t (&pf)[8][4],
                                         std::uint32_t v_stage) {
#pragma unroll
  for (int kk = 0; kk < 8; ++kk) {
    // V tile [keys][D] is MN-major for this product: 8-key groups 1024 bytes apart (stride),
    // 64-feature panels 128 keys * 128 bytes apart (leading).
    const std::uint64_t desc = make_smem_desc_sw128(v_stage + kk * 2048, 128 * 128, 1024);
    if constexpr (D == 128) {
      wgmma_m64n128k16_rs_mn(o, pf[kk], desc);
    } else {
      wgmma_m64n64k16_rs_mn(o, pf[kk], desc);
    }
  }
}

// The online softmax of one warpgroup's 64 x 128 tile whose invalid keys are already -inf, in two
// halves around O's rescaling, which the caller places: softmax_max updates the running maxima and
// returns in corr the factor O's rows must be scaled by (rescale_rows); softmax_exp turns S into P,
// updates the running sums and packs P into bf16 A fragments.
__device__ __forceinline__ void softmax_max(const float (&s)[64], float (&row_max)[2], float (&corr)[2],
                                            float scale_log2) {
  const float neg_inf = -__int_as_float(0x7f800000);
#pragma unroll
  for (int h = 0; h < 2; ++h) {
    float mx = neg_inf;
#pragma unroll
    for (int j = 0; j < 16; ++j) mx = fmaxf(mx, fmaxf(s[4 * j + 2 * h], s[4 * j + 2 * h + 1]));
    mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
    mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));
    // Finite from the first tile on: a warpgroup's first tile starts with a valid key.
    const float m_new = fmaxf(row_max[h], mx * scale_log2);
    corr[h] = fast_exp2(row_max[h] - m_new);
    row_max[h] = m_new;
  }
}

__device__ __forceinline__ void softmax_exp(float (&s)[64], const float (&row_max)[2], const float (&corr)[2],
                                            float (&row_sum)[2], std::uint32_t (&pf)[8][4],
                                            float scale_log2) {
#pragma unroll
  for (int h = 0; h < 2; ++h) {
    float sum = 0.f;
#pragma unroll
    for (int j = 0; j < 16; ++j) {
#pragma unroll
      for (int e = 2 * h; e < 2 * h + 2; ++e) {
        const float pv = fast_exp2(fmaf(s[4 * j + e], scale_log2, -row_max[h]));
        s[4 * j + e] = pv;
        sum += pv;
      }
    }
    row_sum[h] = row_sum[h] * corr[h] + sum;
  }
#pragma unroll
  for (int kk = 0; kk < 8; ++kk) {
    pf[kk][0] = pack_bf16x2(s[8 * kk + 0], s[8 * kk + 1]);
    pf[kk][1] = pack_bf16x2(s[8 * kk + 2], s[8 * kk + 3]);
    pf[kk][2] = pack_bf16x2(s[8 * kk + 4], s[8 * kk + 5]);
    pf[kk][3] = pack_bf16x2(s[8 * kk + 6], s[8 * kk + 7]);
  }
}

// A consumer's running state before its first tile: O zero, maxima -inf, sums zero.
template <int D>
__device__ __forceinline__ void reset_softmax_state(float (&o)[D / 2], float (&row_max)[2],
                                                    float (&row_sum)[2]) {
#pragma unroll
  for (int i = 0; i < D / 2; ++i) o[i] = 0.f;
#pragma unroll
  for (int h = 0; h < 2; ++h) {
    row_max[h] = -__int_as_float(0x7f800000);
    row_sum[h] = 0.f;
  }
}

// O's rows times the softmax_max correction (elements 0, 1 of each quad row h = 0, 2, 3 h = 1).
template <int D>
__device__ __forceinline__ void rescale_rows(float (&o)[D / 2], const float (&corr)[2]) {
#pragma unroll
  for (int j = 0; j < D / 8; ++j) {
    o[4 * j + 0] *= corr[0];
    o[4 * j + 1] *= corr[0];
    o[4 * j + 2] *= corr[1];
    o[4 * j + 3] *= corr[1];
  }
}

// The softmax with a P V product in flight (O must not be touched yet): O is rescaled by corr
// once that product has landed.
__device__ __forceinline__ void softmax_scores(float (&s)[64], float (&row_max)[2], float (&row_sum)[2],
                                               float (&corr)[2], std::uint32_t (&pf)[8][4],
                                               float scale_log2) {
  softmax_max(s, row_max, corr, scale_log2);
  softmax_exp(s, row_max, corr, row_sum, pf, scale_log2);
}

// The serial online softmax (no P V product in flight): O rescaled before P is made, so that the
// correction is not held across the exponentials (hopper-simple runs at its 168-register limit).
template <int D>
__device__ __forceinline__ void online_softmax(float (&s)[64], float (&o)[D / 2], float (&row_max)[2],
                                               float (&row_sum)[2], std::uint32_t (&pf)[8][4],
                                               float scale_log2) {
  float corr[2];
  softmax_max(s, row_max, corr, scale_log2);
  rescale_rows<D>(o, corr);
  softmax_exp(s, row_max, corr, row_sum, pf, scale_log2);
}

// A Hopper block's shared memory, in order from the 1024-aligned base: Q's 128-row tile, the K
// ring and the V ring of `Stages` stages each, then the mbarriers full[Stages], empty[Stages] and
// q_full (8 bytes each, at most kBarrierBytes); the kernel's own scratch follows.
template <int Stages>
struct HopperBlockSmem {
  static constexpr int kBarrierBytes = 64;
  static_assert(8 * (2 * Stages + 1) <= kBarrierBytes, "barriers overflow their space");
  unsigned char* base;
  std::uint32_t q, k, v, full, empty, q_full;
  unsigned char* after_barriers;  // the kernel's scratch

  __device__ __forceinline__ HopperBlockSmem(unsigned char* raw, int q_bytes, int kv_bytes) {
    base = aligned_smem_1024(raw);
    q = smem_addr(base);
    k = q + q_bytes;
    v = k + Stages * kv_bytes;
    full = v + Stages * kv_bytes;
    empty = full + 8 * Stages;
    q_full = empty + 8 * Stages;
    after_barriers = base + q_bytes + 2 * Stages * kv_bytes + kBarrierBytes;
  }

  // Thread 0 initializes the barriers (full: full_arrivals per phase; empty: the 256 consumer
  // threads; q_full: the 128 producer threads), then the block syncs.
  __device__ __forceinline__ void init_barriers(int full_arrivals) const {
    if (threadIdx.x == 0) {
#pragma unroll
      for (int st = 0; st < Stages; ++st) {
        mbarrier_init(full + 8 * st, full_arrivals);
        mbarrier_init(empty + 8 * st, 256);
      }
      mbarrier_init(q_full, 128);
      asm volatile("fence.mbarrier_init.release.cluster;\n" ::: "memory");
    }
    __syncthreads();
  }
};

// The producer warpgroup gathers Q's 128-row tile through q_permutation into sQ with cp.async
// (rows past the cluster zero-filled) and arrives on q_full when its copies land. pt = thread
// index within the warpgroup; rowsrc = 128 ints of scratch.
template <int D>
__device__ __forceinline__ void gather_query_tile(const AttentionParams& p, const WorkItem& w, int* rowsrc,
                                                  std::uint32_t sQ, std::uint32_t q_full, int pt) {
  constexpr int kChunks = D / 8;
  rowsrc[pt] = pt < w.rows ? query_source(p, w.n, w.row0 + pt) : -1;
  named_barrier_sync(1, 128);
  for (int q = pt; q < 128 * kChunks; q += 128) {
    const int r = q / kChunks, c = q % kChunks;
    const int s = rowsrc[r];
    cp_async_16(sQ + swizzled_offset<128>(r, c), token_row(p.a.q, w.n, s >= 0 ? s : 0) + c * 8, s >= 0);
  }
  cp_async_mbarrier_arrive(q_full);
}

// Normalizes consumer warpgroup cw's 64 rows, stages them in its own part of Q's 128-row tile (sQ,
// only this warpgroup reads those rows) and stores them through Q's permutation with 16-byte
// writes. ct = thread index within the warpgroup.
template <int D>
__device__ __forceinline__ void store_warpgroup_rows(const AttentionParams& p, const WorkItem& w,
                                                     const float (&o)[D / 2], const float (&row_sum)[2],
                                                     std::uint32_t sQ, int cw, int ct) {
  constexpr int kChunks = D / 8;
  const int warp = ct / 32, lane = ct % 32;
  float inv[2];
  inverse_row_sums(row_sum, inv);
#pragma unroll
  for (int j = 0; j < D / 8; ++j) {
#pragma unroll
    for (int h = 0; h < 2; ++h) {
      const int row = cw * 64 + warp * 16 + (lane >> 2) + 8 * h;
      const std::uint32_t v = pack_bf16x2(o[4 * j + 2 * h] * inv[h], o[4 * j + 2 * h + 1] * inv[h]);
      const std::uint32_t addr = sQ + swizzled_offset<128>(row, j) + 4 * (lane & 3);
      asm volatile("st.shared.b32 [%0], %1;\n" ::"r"(addr), "r"(v));
    }
  }
  named_barrier_sync(4 + cw, 128);
  for (int q = ct; q < 64 * kChunks; q += 128) {
    const int row = cw * 64 + q / kChunks, c = q % kChunks;
    if (row >= w.rows) continue;
    const uint4 v = ld_shared_uint4(sQ + swizzled_offset<128>(row, c));
    *reinterpret_cast<uint4*>(token_row(p.a.out, w.n, query_source(p, w.n, w.row0 + row)) + c * 8) = v;
  }
}

#endif  // SVG2K_HOPPER_ENABLED

}  // namespace svg2k::detail

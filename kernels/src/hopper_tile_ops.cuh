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

// Online softmax of one warpgroup's 64 x 128 tile whose invalid keys are already -inf: updates the
// running maxima and sums, rescales O, and packs P into bf16 A fragments.
template <int D>
__device__ __forceinline__ void online_softmax(float (&s)[64], float (&o)[D / 2], float (&row_max)[2],
                                               float (&row_sum)[2], std::uint32_t (&pf)[8][4],
                                               float scale_log2) {
  const float neg_inf = -__int_as_float(0x7f800000);
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
      const std::uint32_t addr = sQ + swizzled_offset<128>(row, j) + 4 * (lane & 3);
      asm volatile("st.shared.b32 [%0], %1;\n" ::"r"(addr), "r"(v));
    }
  }
  named_barrier_sync(4 + cw, 128);
  for (int q = ct; q < 64 * kChunks; q += 128) {
    const int row = cw * 64 + q / kChunks, c = q % kChunks;
    if (row >= w.rows) continue;
    uint4 v;
    asm volatile("ld.shared.v4.u32 {%0, %1, %2, %3}, [%4];\n"
                 : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
                 : "r"(sQ + swizzled_offset<128>(row, c)));
    *reinterpret_cast<uint4*>(token_row(p.a.out, w.n, query_source(p, w.n, w.row0 + row)) + c * 8) = v;
  }
}

#endif  // SVG2K_HOPPER_ENABLED

}  // namespace svg2k::detail

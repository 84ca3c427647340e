// Block-sparse attention for Hopper (sm_90a), third version (`hopper-v3`): hopper-simple's block
// (128 query rows, 128-key tiles, a cp.async producer warpgroup, two consumer warpgroups of 64 rows
// on wgmma) with FlashAttention-3's intra-warpgroup overlap, which the 168-register budget of a
// 384-thread block did not allow:
//  - register split: the producer warpgroup gives registers back (setmaxnreg.dec) and the consumers
//    take them (setmaxnreg.inc), so a consumer holds S (64 fp32), O (64 fp32) and two P sets (32 each)
//    at once;
//  - each tile issues S(t) = Q K(t)^T and O += P(t-1) V(t-1) as two commit groups, waits for the
//    first and runs the softmax of tile t while the P V product is still on the tensor cores, so the
//    tensor pipe is fed during the softmax (hopper-simple idles it: PV, wait, S, wait, softmax);
//  - K and V have their own two-stage rings and barriers: K(t) is released as soon as S(t) has
//    landed, V(t-1) once P(t-1) V(t-1) has, so the producer refills K two tiles ahead;
//  - a consumer warpgroup whose 64 rows all lie past the query cluster's end exits at once (the
//    release barriers count the warpgroups that run): a tail tile of <= 64 rows costs half.
// hopper-v2 tried the overlap with 64-key tiles and lost to their fixed per-tile cost (PERF.md).
// SVG2K_HOPPER_V3_PINGPONG=1 (developer switch) adds FA3's ping-pong: named barriers make the two
// consumer warpgroups take turns issuing their pair of products (only when both have rows).
#include <cstdlib>

#include "hopper_primitives.cuh"
#include "hopper_tile_ops.cuh"
#include "launch_check.cuh"
#include "sparse_attention_common.cuh"
#include "sparse_attention_launch.h"

namespace svg2k::detail {

template <int D>
struct HopperV3Tile {
  static constexpr int kRows = 128;     // query rows per block (two consumer warpgroups x 64)
  static constexpr int kKeys = 128;     // keys per stage
  static constexpr int kThreads = 384;  // consumer warpgroups 0-1, producer warpgroup 2
  static constexpr int kProducerRegs = 56;
  // The split must fit what the block was given at launch, 168 x 384 = 64,512 registers, i.e.
  // producer + 2 x consumer <= 504, not 512: 64 + 2 x 224 made setmaxnreg.inc wait forever (a
  // device run at c10ed22 hung).
  static constexpr int kConsumerRegs = 224;  // 56 + 2 x 224 = 504
  static constexpr int kChunks = D / 8;
  static constexpr int kPanelBytes = 128 * 128;  // 128 rows x 64 features
  static constexpr int kQBytes = kRows * D * 2;
  static constexpr int kKVBytes = kKeys * D * 2;
  static constexpr int kTileBytes = kQBytes + 4 * kKVBytes;  // Q, K[2], V[2]
  static constexpr int kBarrierBytes = 128;                  // fullK[2] fullV[2] emptyK[2] emptyV[2] q
  static int smem_bytes(int key_clusters) {
    return 1024 + kTileBytes + kBarrierBytes + (2 * kKeys) * 4 + (2 * key_clusters + 1) * 4 + 33 * 4;
  }
};

namespace {

#if SVG2K_HOPPER_ENABLED

// Online softmax of one 64 x 128 tile of one warpgroup: masks key positions past the stream end,
// updates the running maxima and sums, writes P (bf16 A fragments) and the factor the output
// accumulated so far must be scaled by. O is not touched (a P V product may be in flight).
__device__ __forceinline__ void softmax_tile_v3(float (&s)[64], float (&row_max)[2], float (&row_sum)[2],
                                                float (&corr)[2], std::uint32_t (&pf)[8][4], int tile,
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
    corr[h] = fast_exp2(row_max[h] - m_new);
    row_max[h] = m_new;
    float sum = 0.f;
#pragma unroll
    for (int j = 0; j < 16; ++j) {
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
  for (int kk = 0; kk < 8; ++kk) {
    pf[kk][0] = pack_bf16x2(s[8 * kk + 0], s[8 * kk + 1]);
    pf[kk][1] = pack_bf16x2(s[8 * kk + 2], s[8 * kk + 3]);
    pf[kk][2] = pack_bf16x2(s[8 * kk + 4], s[8 * kk + 5]);
    pf[kk][3] = pack_bf16x2(s[8 * kk + 6], s[8 * kk + 7]);
  }
}

#endif  // SVG2K_HOPPER_ENABLED

template <int D, bool PingPong>
__global__ void __launch_bounds__(384, 1) sparse_attention_hopper_v3_kernel(const AttentionParams p) {
#if SVG2K_HOPPER_ENABLED
  using T = HopperV3Tile<D>;
  extern __shared__ unsigned char smem_raw[];
  __shared__ int s_item[3];
  unsigned char* smem = reinterpret_cast<unsigned char*>((reinterpret_cast<std::uintptr_t>(smem_raw) + 1023) &
                                                         ~std::uintptr_t(1023));
  const std::uint32_t sQ = smem_addr(smem);
  const std::uint32_t sK = sQ + T::kQBytes;
  const std::uint32_t sV = sK + 2 * T::kKVBytes;
  const std::uint32_t full_k = sQ + T::kTileBytes;  // 8 bytes per barrier, two stages each
  const std::uint32_t full_v = full_k + 16, empty_k = full_k + 32, empty_v = full_k + 48, q_bar = full_k + 64;
  int* rowsrc = reinterpret_cast<int*>(smem + T::kTileBytes + T::kBarrierBytes);  // [2][kKeys]
  int* seg_prefix = rowsrc + 2 * T::kKeys;                                        // [KC + 1]
  int* seg_base = seg_prefix + p.key_clusters + 1;                                // [KC]
  int* scratch = seg_base + p.key_clusters;                                       // [33]

  // No early return before the role branch: an exit path shared by both roles keeps ptxas from
  // giving the consumers more than 168 registers (their wgmma were serialized, C7512). A block
  // without work (no tile, or an empty key stream) leaves inside each branch.
  WorkItem w{};
  const bool has_tile = find_work_item<T::kRows>(p, w, s_item);
  const int tid = threadIdx.x;
  const int n = w.n;
  const int L = has_tile ? build_key_stream(p, w, seg_prefix, seg_base, scratch) : 0;
  const int num_tiles = ceil_div(L, T::kKeys);
  // Consumer warpgroup 1 has rows only when the tile has more than 64.
  const int consumers = w.rows > 64 ? 2 : 1;
  if (tid == 0) {
#pragma unroll
    for (int i = 0; i < 2; ++i) {
      mbarrier_init(full_k + 8 * i, 128);
      mbarrier_init(full_v + 8 * i, 128);
      mbarrier_init(empty_k + 8 * i, 128 * consumers);
      mbarrier_init(empty_v + 8 * i, 128 * consumers);
    }
    mbarrier_init(q_bar, 128);
  }
  __syncthreads();
  const bool idle = !has_tile || L == 0;

  // One if/else on the warpgroup, setmaxnreg first thing in each branch; the role goes through a
  // shuffle so that ptxas knows it is warp-uniform (it applies the register split only then).
  const int role = __shfl_sync(0xffffffffu, tid / 128, 0);
  if (role == 2) {
    setmaxnreg_dec<T::kProducerRegs>();
    if (idle) {
      if (has_tile) write_zero_rows<D>(p, w);  // every thread of the block takes part
      return;
    }
    // ---- producer warpgroup: gathers Q once, then per tile K then V. Thread pt finds the source
    // row of slot pt, then all 128 issue coalesced 16-byte copies. ----
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
      const std::uint32_t parity = ((t - 2) >> 1) & 1;
      int* src = rowsrc + stage * T::kKeys;
      const int pos = t * T::kKeys + pt;
      src[pt] = pos < L ? cursor.source(p, n, seg_prefix, seg_base, w.key_count, pos) : -1;
      named_barrier_sync(1, 128);
      const std::uint32_t off0 = stage * T::kKVBytes;
      if (t >= 2) mbarrier_wait(empty_k + 8 * stage, parity);
#pragma unroll 4
      for (int q = pt; q < T::kKeys * T::kChunks; q += 128) {
        const int r = q / T::kChunks, c = q % T::kChunks;
        const int s = src[r];
        cp_async_16(sK + off0 + swizzled_offset<T::kKeys>(r, c), token_row(p.a.k, n, s >= 0 ? s : 0) + c * 8,
                    s >= 0);
      }
      cp_async_mbarrier_arrive(full_k + 8 * stage);
      if (t >= 2) mbarrier_wait(empty_v + 8 * stage, parity);
#pragma unroll 4
      for (int q = pt; q < T::kKeys * T::kChunks; q += 128) {
        const int r = q / T::kChunks, c = q % T::kChunks;
        const int s = src[r];
        cp_async_16(sV + off0 + swizzled_offset<T::kKeys>(r, c), token_row(p.a.v, n, s >= 0 ? s : 0) + c * 8,
                    s >= 0);
      }
      cp_async_mbarrier_arrive(full_v + 8 * stage);
    }
    return;  // the roles share no code after the branch
  } else {
    setmaxnreg_inc<T::kConsumerRegs>();
    if (idle) {
      if (has_tile) write_zero_rows<D>(p, w);
      return;
    }
    // ---- consumers ----
    const int cw = role;
    if (cw >= consumers) return;  // no valid rows: nothing to compute or store
    const int ct = tid - 128 * cw;
    const int lane = ct % 32;
    const std::uint32_t q_rows = sQ + cw * 64 * 128;
    // Ping-pong turns: a warpgroup waits on its barrier before issuing and arrives on the other's
    // after; warpgroup 1 lets warpgroup 0 go first. Every sync is matched by one arrive.
    const bool pp = PingPong && consumers == 2;
    const int my_bar = 2 + cw, other_bar = 3 - cw;
    const auto my_turn = [&] {
      if (pp) named_barrier_sync(my_bar, 256);
    };
    const auto their_turn = [&] {
      if (pp) named_barrier_arrive(other_bar, 256);
    };

    float s[64];
    float o[D / 2];
#pragma unroll
    for (int i = 0; i < D / 2; ++i) o[i] = 0.f;
    float row_max[2] = {-__int_as_float(0x7f800000), -__int_as_float(0x7f800000)};
    float row_sum[2] = {0.f, 0.f};
    // P of the tile whose P V product is issued next and P of the tile being softmaxed while that
    // product runs swap roles every tile; the loop is unrolled by two so that no register copy
    // defines a wgmma operand (that serializes the wgmma pipeline, ptxas C7513).
    std::uint32_t pf_a[8][4], pf_b[8][4];

    // Tile t: S = Q K(t)^T, then O += P(t-1) V(t-1); the softmax of t runs while the second
    // product is on the tensor cores (groups complete in order).
    const auto step = [&](int t, const std::uint32_t(&pf_prev)[8][4], std::uint32_t(&pf_cur)[8][4]) {
      const int stage = t & 1, prev = stage ^ 1;
      mbarrier_wait(full_k + 8 * stage, (t >> 1) & 1);
      mbarrier_wait(full_v + 8 * prev, ((t - 1) >> 1) & 1);
      fence_proxy_async_shared();
      my_turn();
      fence_registers(o);
      wgmma_fence();
      issue_qk<D>(s, opaque(q_rows), sK + stage * T::kKVBytes);
      wgmma_commit();
      issue_pv<D>(o, pf_prev, sV + prev * T::kKVBytes);
      wgmma_commit();
      their_turn();
      wgmma_wait<1>();
      fence_registers(s);
      mbarrier_arrive(empty_k + 8 * stage);
      float corr[2];
      softmax_tile_v3(s, row_max, row_sum, corr, pf_cur, t, L, p.scale_log2, lane);
      wgmma_wait<0>();
      fence_registers(o);
      mbarrier_arrive(empty_v + 8 * prev);
#pragma unroll
      for (int j = 0; j < D / 8; ++j) {
        o[4 * j + 0] *= corr[0];
        o[4 * j + 1] *= corr[0];
        o[4 * j + 2] *= corr[1];
        o[4 * j + 3] *= corr[1];
      }
    };
    const auto finish_pv = [&](const std::uint32_t(&pf)[8][4], int t) {
      const int stage = t & 1;
      mbarrier_wait(full_v + 8 * stage, (t >> 1) & 1);
      fence_proxy_async_shared();
      my_turn();
      fence_registers(o);
      wgmma_fence();
      issue_pv<D>(o, pf, sV + stage * T::kKVBytes);
      wgmma_commit();
      if (cw == 0) their_turn();
      wgmma_wait<0>();
      fence_registers(o);
    };

    mbarrier_wait(q_bar, 0);
    if (cw == 1) their_turn();
    mbarrier_wait(full_k, 0);
    fence_proxy_async_shared();
    my_turn();
    wgmma_fence();
    issue_qk<D>(s, opaque(q_rows), sK);
    wgmma_commit();
    their_turn();
    wgmma_wait<0>();
    fence_registers(s);
    mbarrier_arrive(empty_k);
    {
      float corr[2];
      softmax_tile_v3(s, row_max, row_sum, corr, pf_a, 0, L, p.scale_log2, lane);
    }
    int t = 1;
    for (; t + 1 < num_tiles; t += 2) {
      step(t, pf_a, pf_b);
      step(t + 1, pf_b, pf_a);
    }
    if (t < num_tiles) {
      step(t, pf_a, pf_b);
      finish_pv(pf_b, t);
    } else {
      finish_pv(pf_a, t - 1);
    }

    store_warpgroup_rows<D>(p, w, o, row_sum, sQ, cw, ct);
  }
#endif  // SVG2K_HOPPER_ENABLED
}

template <int D, bool PingPong>
Status launch_v3(const AttentionParams& p, int slots, cudaStream_t stream) {
  const int smem = HopperV3Tile<D>::smem_bytes(p.key_clusters);
  const Status st = ensure_dynamic_smem(sparse_attention_hopper_v3_kernel<D, PingPong>, smem,
                                        "cudaFuncSetAttribute(sparse attention v3)");
  if (!st.ok()) return st;
  const dim3 grid(static_cast<unsigned>(slots), static_cast<unsigned>(p.problems));
  sparse_attention_hopper_v3_kernel<D, PingPong><<<grid, HopperV3Tile<D>::kThreads, smem, stream>>>(p);
  const cudaError_t launch_err = cudaGetLastError();
  return launch_err == cudaSuccess ? Status{} : Status{launch_err, "sparse_attention_hopper_v3 launch"};
}

}  // namespace

int hopper_v3_smem_bytes(int dim, int key_clusters) {
  return dim == 128 ? HopperV3Tile<128>::smem_bytes(key_clusters)
                    : HopperV3Tile<64>::smem_bytes(key_clusters);
}

Status launch_sparse_attention_hopper_v3(const AttentionParams& p, int dim, int slots, cudaStream_t stream) {
  const char* pp_env = std::getenv("SVG2K_HOPPER_V3_PINGPONG");
  const bool pp = pp_env && pp_env[0] == '1';
  if (dim == 128)
    return pp ? launch_v3<128, true>(p, slots, stream) : launch_v3<128, false>(p, slots, stream);
  return pp ? launch_v3<64, true>(p, slots, stream) : launch_v3<64, false>(p, slots, stream);
}

}  // namespace svg2k::detail

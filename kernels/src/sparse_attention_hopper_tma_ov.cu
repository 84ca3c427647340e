// Block-sparse attention for Hopper (sm_90a), `hopper-tma-ov`: hopper-tma's TMA key/value stream
// (8-row groups, runs of contiguous groups in boxes of up to 64 rows, three K+V stages, byte-counted
// full barriers) with hopper-v3's consumer overlap, which lost only while the cp.async producer was
// the limit:
//  - register split: the TMA producer needs few registers, so its warpgroup gives them back
//    (setmaxnreg.dec to 40) and the consumers take them (setmaxnreg.inc to 232; 40 + 2 x 232 = 504,
//    the 168 x 384 launch allocation), so a consumer holds S, O and two P sets at once;
//  - tile t issues S(t) = Q K(t)^T and O += P(t-1) V(t-1) as two commit groups, waits for the first
//    and runs the softmax of tile t while the P V product is still on the tensor cores; stage t-1 is
//    released when that product has landed (the producer then loads t+2 into it);
//  - tails of <= 64 query rows keep hopper-tma's split (both warpgroups on the same rows, alternate
//    key tiles, merged at the end) with the serial chain per warpgroup: the overlap would hold a
//    warpgroup's previous tile across the other's tile, and three stages would then serialize them.
// SVG2K_HOPPER_TMA_OV_PINGPONG=1 (developer switch) adds FA3's ping-pong on full tiles: named
// barriers make the two consumer warpgroups take turns issuing their pair of products, so one's
// softmax runs while the other's products are on the tensor cores.
#include <cstdlib>

#include "hopper_primitives.cuh"
#include "hopper_tile_ops.cuh"
#include "hopper_tma_stream.cuh"
#include "launch_check.cuh"
#include "sparse_attention_common.cuh"
#include "sparse_attention_launch.h"

namespace svg2k::detail {

template <int D>
struct HopperTmaOvTile {
  static constexpr int kRows = 128;  // query rows per block (two consumer warpgroups x 64)
  static constexpr int kKeys = 128;  // keys per stage: 16 groups of 8
  static constexpr int kGroups = kKeys / 8;
  static constexpr int kStages = 3;     // K+V stages in the ring
  static constexpr int kThreads = 384;  // consumer warpgroups 0-1, producer warpgroup 2
  // producer + 2 x consumer must not exceed the 168 registers per thread the block is launched
  // with (504 of 512: 64 + 2 x 224 hung in setmaxnreg.inc, PERF.md).
  static constexpr int kProducerRegs = 40;
  static constexpr int kConsumerRegs = 232;
  static constexpr int kChunks = D / 8;
  static constexpr int kPanels = D / 64;
  static constexpr int kPanelBytes = kKeys * 128;  // 128 rows x 64 features
  static constexpr int kQBytes = kRows * D * 2;
  static constexpr int kKVBytes = kKeys * D * 2;
  static constexpr int kTileBytes = kQBytes + 2 * kStages * kKVBytes;  // Q, K[stages], V[stages]
  static constexpr int kBarrierBytes = 64;                             // full[3], empty[3], q_full
  static constexpr int kMaskBytes = 16 * kStages;                      // one byte per group
  static int smem_bytes() { return 1024 + kTileBytes + kBarrierBytes + kMaskBytes + kRows * 4 + 33 * 4; }
};

namespace {

template <int D, bool PingPong>
__global__ void __launch_bounds__(384, 1)
    sparse_attention_hopper_tma_ov_kernel(const AttentionParams p,
                                          const __grid_constant__ KeyValueMaps maps) {
#if SVG2K_HOPPER_ENABLED
  using T = HopperTmaOvTile<D>;
  constexpr int kS = T::kStages;
  extern __shared__ unsigned char smem_raw[];
  __shared__ int s_item[3];
  const HopperBlockSmem<kS> sm(smem_raw, T::kQBytes, T::kKVBytes);
  static_assert(T::kBarrierBytes == HopperBlockSmem<kS>::kBarrierBytes,
                "smem_bytes() must match the carving");
  const std::uint32_t sQ = sm.q, sK = sm.k, sV = sm.v;
  const std::uint32_t full_bar = sm.full, empty_bar = sm.empty;
  const std::uint32_t mask = smem_addr(sm.after_barriers);                  // [kS][16] bytes
  int* rowsrc = reinterpret_cast<int*>(sm.after_barriers + T::kMaskBytes);  // [kRows]
  int* scratch = rowsrc + T::kRows;                                         // [33]

  // No exit before the role branch: an exit shared by both roles keeps ptxas from applying the
  // register split (hopper-v3: consumers held at 168, spills, serialized wgmma). A block without
  // work leaves inside each branch.
  WorkItem w{};
  const bool has_tile = find_work_item<T::kRows>(p, w, s_item);
  const int tid = threadIdx.x;
  const int n = w.n;
  const long long ci = static_cast<long long>(n) * p.query_clusters + w.cluster;
  const int* list = p.a.block_keys + ci * p.key_clusters;
  const int* ksizes = p.a.k_sizes + static_cast<long long>(n) * p.key_clusters;
  const int* koffs = p.a.k_offsets + static_cast<long long>(n) * p.key_clusters;

  // Groups in the key stream (every selected cluster rounded up to whole 8-row groups).
  int groups = 0;
  {
    const int count = has_tile ? w.key_count : 0;
    const int per_thread = (count + blockDim.x - 1) / blockDim.x;
    const int r0 = min(tid * per_thread, count), r1 = min(r0 + per_thread, count);
    int local = 0;
    for (int r = r0; r < r1; ++r) local += (ksizes[list[r]] + 7) >> 3;
    block_exclusive_scan(local, scratch, &groups);
  }
  const int num_tiles = ceil_div(groups, T::kGroups);
  sm.init_barriers(2 * T::kPanels * T::kGroups);  // one arrival per producer item
  const bool idle = !has_tile || groups == 0;

  // One if/else on the warpgroup, setmaxnreg first in each branch; the role goes through a shuffle
  // so that ptxas knows it is warp-uniform.
  const int role = __shfl_sync(0xffffffffu, tid / 128, 0);
  if (role == 2) {
    setmaxnreg_dec<T::kProducerRegs>();
    if (idle) {
      if (has_tile) write_zero_rows<D>(p, w);  // every thread of the block takes part
      return;
    }
    const int pt = tid - 256;
    gather_query_tile<D>(p, w, rowsrc, sQ, sm.q_full, pt);  // Q once, through q_permutation

    // ---- K/V: each (tensor, panel, group) of a stage is one lane's item, spread over the four
    // warps. Lanes whose groups' rows follow each other in memory form a run (the groups of one
    // cluster), loaded by a few boxes of 8, 4, 2, 1 groups that the lanes starting them issue: the
    // TMA issue loop over lanes runs about 5 times per warp and tile instead of 16. Every lane
    // arrives on the full barrier, a box's issuer with the box's bytes. ----
    constexpr int kItemsPerWarp = 2 * T::kPanels * T::kGroups / 4;
    constexpr std::uint32_t kWarpLanes = (1u << kItemsPerWarp) - 1u;
    const int lane = pt % 32;
    if (lane >= kItemsPerWarp) return;
    const int item = (pt / 32) * kItemsPerWarp + lane;
    const int group = item % T::kGroups;
    const int panel = (item / T::kGroups) % T::kPanels;
    const bool is_v = item >= T::kPanels * T::kGroups;
    const bool writes_mask = item < T::kGroups;  // K, panel 0: one lane per group
    const CUtensorMap* box_maps = is_v ? maps.v : maps.k;
    if (lane < kBoxHeights) tma_prefetch_descriptor(box_maps + lane);
    const int batch = n / p.a.k.heads, head = n % p.a.k.heads;
    const std::uint32_t ring = (is_v ? sV : sK) + panel * T::kPanelBytes + group * 1024;
    const std::uint32_t lanes_to_mine = (2u << lane) - 1u;
    GroupCursor cursor;
    int stage = 0, round = 0;
    for (int t = 0; t < num_tiles; ++t) {
      const int g = t * T::kGroups + group;
      int row = 0, valid = 0;  // a group past the stream end loads rows 0-7 (finite), all masked
      if (g < groups) {
        cursor.locate(list, koffs, ksizes, g);
        const int within = 8 * (g - cursor.first_group);
        row = cursor.row0 + within;
        valid = min(8, cursor.size - within);
      }
      const int prev_row = __shfl_up_sync(kWarpLanes, row, 1);
      const std::uint32_t starts = __ballot_sync(kWarpLanes, lane == 0 || prev_row + 8 != row);
      const int first = 31 - __clz(starts & lanes_to_mine);
      const std::uint32_t later = starts & ~lanes_to_mine;
      const int end = later ? __ffs(later) - 1 : kItemsPerWarp;
      const int height = box_started_at(lane - first, end - first);
      if (t >= kS) mbarrier_wait(empty_bar + 8 * stage, (round - 1) & 1);
      const std::uint32_t full = full_bar + 8 * stage;
      if (writes_mask)
        asm volatile("st.shared.u8 [%0], %1;\n" ::"r"(mask + 16 * stage + group), "r"((1u << valid) - 1u)
                     : "memory");
      if (height >= 0) {
        mbarrier_arrive_expect_tx(full, 1024u << height);
        tma_load_4d(ring + stage * T::kKVBytes, box_maps + height, full, panel * 64, row, head, batch);
      } else {
        mbarrier_arrive(full);
      }
      if (++stage == kS) {
        stage = 0;
        ++round;
      }
    }
    return;  // the roles share no code after the branch
  } else {
    setmaxnreg_inc<T::kConsumerRegs>();
    if (idle) {
      if (has_tile) write_zero_rows<D>(p, w);
      return;
    }
    const int cw = role;
    const int ct = tid - 128 * cw;
    const int lane = ct % 32;
    const bool split = w.rows <= 64;
    const std::uint32_t q_rows = sQ + (split ? 0 : cw * 64 * 128);

    float s[64];
    float o[D / 2], row_max[2], row_sum[2];
    reset_softmax_state<D>(o, row_max, row_sum);

    mbarrier_wait(sm.q_full, 0);
    fence_proxy_async_shared();  // Q came through cp.async (generic proxy); wgmma reads it async

    if (split) {
      // Tail of <= 64 rows: both warpgroups on the same rows, alternate key tiles, serial chain
      // (S, wait, softmax, P V, wait) per warpgroup, partial states merged at the end.
      std::uint32_t pf[8][4];
      int stage = 0, round = 0;
      for (int t = 0; t < num_tiles; ++t) {
        // Both warpgroups wait every tile's full barrier, so their arrivals on the empty barrier
        // never run a phase ahead; the one that skips the tile releases it at once.
        mbarrier_wait(full_bar + 8 * stage, round & 1);
        if ((t & 1) == cw) {
          wgmma_fence();
          issue_qk<D>(s, opaque(q_rows), sK + stage * T::kKVBytes);
          wgmma_commit();
          wgmma_wait<0>();
          fence_registers(s);
          apply_group_mask(s, mask + 16 * stage, lane);
          online_softmax<D>(s, o, row_max, row_sum, pf, p.scale_log2);
          fence_registers(o);
          wgmma_fence();
          issue_pv<D>(o, pf, sV + stage * T::kKVBytes);
          wgmma_commit();
          wgmma_wait<0>();
          fence_registers(o);
        }
        mbarrier_arrive(empty_bar + 8 * stage);
        if (++stage == kS) {
          stage = 0;
          ++round;
        }
      }
      // Merge: warpgroup 1 hands its (max, sum, O) to warpgroup 0 through the K ring, free once
      // both have passed every tile (all copies landed, all products waited).
      float* xchg = reinterpret_cast<float*>(sm.base + T::kQBytes);
      named_barrier_sync(2, 256);
      if (cw == 1) {
#pragma unroll
        for (int i = 0; i < D / 2; ++i) xchg[i * 128 + ct] = o[i];
#pragma unroll
        for (int h = 0; h < 2; ++h) {
          xchg[(D / 2 + h) * 128 + ct] = row_max[h];
          xchg[(D / 2 + 2 + h) * 128 + ct] = row_sum[h];
        }
      }
      named_barrier_sync(3, 256);
      if (cw == 1) return;
#pragma unroll
      for (int h = 0; h < 2; ++h) {
        const float other_max = xchg[(D / 2 + h) * 128 + ct];
        const float m = fmaxf(row_max[h], other_max);
        // m is finite: tile 0, warpgroup 0's, has a valid key.
        const float mine = fast_exp2(row_max[h] - m), theirs = fast_exp2(other_max - m);
        row_max[h] = m;
        row_sum[h] = row_sum[h] * mine + xchg[(D / 2 + 2 + h) * 128 + ct] * theirs;
#pragma unroll
        for (int j = 0; j < D / 8; ++j) {
          o[4 * j + 2 * h] = o[4 * j + 2 * h] * mine + xchg[(4 * j + 2 * h) * 128 + ct] * theirs;
          o[4 * j + 2 * h + 1] = o[4 * j + 2 * h + 1] * mine + xchg[(4 * j + 2 * h + 1) * 128 + ct] * theirs;
        }
      }
    } else {
      // P of the tile whose P V product is issued next and P of the tile being softmaxed while it
      // runs swap roles every tile; unrolled by two so that no register copy defines a wgmma
      // operand (ptxas would serialize the wgmma pipeline, C7513).
      std::uint32_t pf_a[8][4], pf_b[8][4];
      // Ping-pong turns: a warpgroup waits on its barrier before issuing and arrives on the other's
      // after; warpgroup 1 lets warpgroup 0 go first. Every sync is matched by one arrive.
      const int my_bar = 2 + cw, other_bar = 3 - cw;
      const auto my_turn = [&] {
        if (PingPong) named_barrier_sync(my_bar, 256);
      };
      const auto their_turn = [&] {
        if (PingPong) named_barrier_arrive(other_bar, 256);
      };
      // Tile t in stage t % kS: S = Q K(t)^T and O += P(t-1) V(t-1) in flight together; the
      // softmax of t runs while the second is on the tensor cores (groups complete in order).
      const auto step = [&](int t, const std::uint32_t(&pf_prev)[8][4], std::uint32_t(&pf_cur)[8][4]) {
        const int stage = t % kS, prev = (t + kS - 1) % kS;
        mbarrier_wait(full_bar + 8 * stage, (t / kS) & 1);
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
        float corr[2];
        apply_group_mask(s, mask + 16 * stage, lane);
        softmax_scores(s, row_max, row_sum, corr, pf_cur, p.scale_log2);
        wgmma_wait<0>();
        fence_registers(o);
        mbarrier_arrive(empty_bar + 8 * prev);  // K(t-1) and V(t-1) are no longer read
        rescale_rows<D>(o, corr);
      };
      const auto finish_pv = [&](const std::uint32_t(&pf)[8][4], int t) {
        my_turn();
        fence_registers(o);
        wgmma_fence();
        issue_pv<D>(o, pf, sV + (t % kS) * T::kKVBytes);
        wgmma_commit();
        if (cw == 0) their_turn();  // warpgroup 1 issues last; nobody waits for its turn after
        wgmma_wait<0>();
        fence_registers(o);
      };

      if (cw == 1) their_turn();
      mbarrier_wait(full_bar, 0);
      my_turn();
      wgmma_fence();
      issue_qk<D>(s, opaque(q_rows), sK);
      wgmma_commit();
      their_turn();
      wgmma_wait<0>();
      fence_registers(s);
      {
        float corr[2];  // O is still zero
        apply_group_mask(s, mask, lane);
        softmax_scores(s, row_max, row_sum, corr, pf_a, p.scale_log2);
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
    }
    store_warpgroup_rows<D>(p, w, o, row_sum, sQ, cw, ct);
  }
#endif  // SVG2K_HOPPER_ENABLED
}

template <int D, bool PingPong>
Status launch_ov(const AttentionParams& p, const KeyValueMaps& maps, int slots, cudaStream_t stream) {
  const int smem = HopperTmaOvTile<D>::smem_bytes();
  const Status st = ensure_dynamic_smem(sparse_attention_hopper_tma_ov_kernel<D, PingPong>, smem,
                                        "cudaFuncSetAttribute(sparse attention, TMA overlapped)");
  if (!st.ok()) return st;
  const dim3 grid(static_cast<unsigned>(slots), static_cast<unsigned>(p.problems));
  sparse_attention_hopper_tma_ov_kernel<D, PingPong>
      <<<grid, HopperTmaOvTile<D>::kThreads, smem, stream>>>(p, maps);
  const cudaError_t launch_err = cudaGetLastError();
  return launch_err == cudaSuccess ? Status{} : Status{launch_err, "sparse_attention_hopper_tma_ov launch"};
}

}  // namespace

Status launch_sparse_attention_hopper_tma_ov(const AttentionParams& p, int dim, int slots,
                                             cudaStream_t stream) {
  // Same layout needs as hopper-tma: cluster-ordered K/V that a tensor map can address; otherwise
  // hopper-simple runs (or, with SVG2K_HOPPER_TMA_STRICT=1, an error names the reason).
  KeyValueMaps maps;
  if (p.a.k_permutation != nullptr ||
      !encode_key_value_maps(&maps, p.a.k, p.a.v, p.tokens, dim, p.problems)) {
    const char* strict = std::getenv("SVG2K_HOPPER_TMA_STRICT");
    if (strict && strict[0] == '1')
      return invalid_argument(
          "sparse_attention hopper-tma-ov: K/V not cluster-ordered, or cuTensorMapEncodeTiled unavailable or "
          "rejected the view (SVG2K_HOPPER_TMA_STRICT=1)");
    return launch_sparse_attention_hopper(p, dim, /*ping_pong=*/false, slots, stream);
  }
  const char* pp_env = std::getenv("SVG2K_HOPPER_TMA_OV_PINGPONG");
  const bool pp = pp_env && pp_env[0] == '1';
  if (dim == 128)
    return pp ? launch_ov<128, true>(p, maps, slots, stream) : launch_ov<128, false>(p, maps, slots, stream);
  return pp ? launch_ov<64, true>(p, maps, slots, stream) : launch_ov<64, false>(p, maps, slots, stream);
}

}  // namespace svg2k::detail

// Block-sparse attention for Hopper (sm_90a) with a TMA key/value loader (`hopper-tma`):
// hopper-simple's consumers (128 query rows, two warpgroups of 64 on wgmma, 128-key tiles, P V of
// the previous tile before S of this one) fed by bulk tensor copies instead of a cp.async gather.
//
// K and V arrive cluster-ordered and contiguous per cluster (the engine gathers them first, so
// k_permutation is null), which makes the key stream a list of row runs. The stream is cut into
// 8-row groups: selected key cluster c of size s contributes ceil(s / 8) groups, group g of it
// being rows [k_offset_c + 8g, +8). A 128-key tile is 16 groups, and one group of one 64-feature
// panel is exactly one 1024-byte SWIZZLE_128B atom, i.e. the layout the wgmma descriptors read,
// so each group is one TMA box {64 features, 8 rows} per panel. Rows of a group past its cluster's
// end (the next cluster's rows, or zeros past S) are masked to -inf in the softmax by a per-group
// valid-row mask the producer writes next to the stage.
//
// Producer: the four warps of the producer warpgroup; each lane owns one (tensor, panel, group)
// box of every tile and walks the selected cluster list itself (no shared tables, so three 64 KiB
// K+V stages fit). Completion is byte-counted on the stage's full barrier (each lane arrives with
// its box's bytes), not per copy. Q is gathered once through q_permutation with cp.async.
// Tail tiles of <= 64 query rows split their key tiles across both consumer warpgroups.
#include <cstdlib>

#include "hopper_primitives.cuh"
#include "hopper_tile_ops.cuh"
#include "hopper_tma_stream.cuh"
#include "launch_check.cuh"
#include "sparse_attention_common.cuh"
#include "sparse_attention_launch.h"

namespace svg2k::detail {

template <int D>
struct HopperTmaTile {
  static constexpr int kRows = 128;  // query rows per block (two consumer warpgroups x 64)
  static constexpr int kKeys = 128;  // keys per stage: 16 groups of 8
  static constexpr int kGroups = kKeys / 8;
  static constexpr int kStages = 3;     // K+V stages in the ring
  static constexpr int kThreads = 384;  // consumer warpgroups 0-1, producer warpgroup 2
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

#if SVG2K_HOPPER_ENABLED

// Online softmax of one 64 x 128 tile of a warpgroup with the stage's group mask applied.
template <int D>
__device__ __forceinline__ void softmax_tile_masked(float (&s)[64], float (&o)[D / 2], float (&row_max)[2],
                                                    float (&row_sum)[2], std::uint32_t (&pf)[8][4],
                                                    std::uint32_t mask_addr, float scale_log2, int lane) {
  apply_group_mask(s, mask_addr, lane);
  online_softmax<D>(s, o, row_max, row_sum, pf, scale_log2);
}

#endif  // SVG2K_HOPPER_ENABLED

template <int D, bool Split>
__global__ void __launch_bounds__(384, 1)
    sparse_attention_hopper_tma_kernel(const AttentionParams p, const __grid_constant__ CUtensorMap k_map,
                                       const __grid_constant__ CUtensorMap v_map) {
#if SVG2K_HOPPER_ENABLED
  using T = HopperTmaTile<D>;
  constexpr int kS = T::kStages;
  extern __shared__ unsigned char smem_raw[];
  __shared__ int s_item[3];
  unsigned char* smem = reinterpret_cast<unsigned char*>((reinterpret_cast<std::uintptr_t>(smem_raw) + 1023) &
                                                         ~std::uintptr_t(1023));
  const std::uint32_t sQ = smem_addr(smem);
  const std::uint32_t sK = sQ + T::kQBytes;
  const std::uint32_t sV = sK + kS * T::kKVBytes;
  const std::uint32_t bar = sQ + T::kTileBytes;  // full[kS], empty[kS], q_full
  const std::uint32_t full_bar = bar, empty_bar = bar + 8 * kS, q_bar = bar + 16 * kS;
  const std::uint32_t mask = bar + T::kBarrierBytes;  // [kS][16] bytes
  int* rowsrc = reinterpret_cast<int*>(smem + T::kTileBytes + T::kBarrierBytes + T::kMaskBytes);  // [kRows]
  int* scratch = rowsrc + T::kRows;                                                               // [33]

  WorkItem w;
  if (!find_work_item<T::kRows>(p, w, s_item)) return;
  const int tid = threadIdx.x;
  const int n = w.n;
  const long long ci = static_cast<long long>(n) * p.query_clusters + w.cluster;
  const int* list = p.a.block_keys + ci * p.key_clusters;
  const int* ksizes = p.a.k_sizes + static_cast<long long>(n) * p.key_clusters;
  const int* koffs = p.a.k_offsets + static_cast<long long>(n) * p.key_clusters;

  // Groups in the key stream (every selected cluster rounded up to whole 8-row groups).
  int groups = 0;
  {
    const int count = w.key_count;
    const int per_thread = (count + blockDim.x - 1) / blockDim.x;
    const int r0 = min(tid * per_thread, count), r1 = min(r0 + per_thread, count);
    int local = 0;
    for (int r = r0; r < r1; ++r) local += (ksizes[list[r]] + 7) >> 3;
    block_exclusive_scan(local, scratch, &groups);
  }
  if (groups == 0) {
    write_zero_rows<D>(p, w);
    return;
  }
  const int num_tiles = ceil_div(groups, T::kGroups);
  if (tid == 0) {
#pragma unroll
    for (int st = 0; st < kS; ++st) {
      mbarrier_init(full_bar + 8 * st, 2 * T::kPanels * T::kGroups);  // one per TMA box
      mbarrier_init(empty_bar + 8 * st, 256);                         // every consumer thread
    }
    mbarrier_init(q_bar, 128);
    asm volatile("fence.mbarrier_init.release.cluster;\n" ::: "memory");
  }
  __syncthreads();

  const int wg = tid / 128;
  if (wg == 2) {
    const int pt = tid - 256;
    // ---- Q: gathered once through q_permutation by the whole producer warpgroup ----
    rowsrc[pt] = pt < w.rows ? query_source(p, n, w.row0 + pt) : -1;
    named_barrier_sync(1, 128);
    for (int q = pt; q < T::kRows * T::kChunks; q += 128) {
      const int r = q / T::kChunks, c = q % T::kChunks;
      const int s = rowsrc[r];
      cp_async_16(sQ + swizzled_offset<T::kRows>(r, c), token_row(p.a.q, n, s >= 0 ? s : 0) + c * 8, s >= 0);
    }
    cp_async_mbarrier_arrive(q_bar);

    // ---- K/V: the four producer warps issue one TMA box per (tensor, panel, group) of each
    // stage, kItemsPerWarp each (one warp issuing all of them was the bottleneck: the boxes of a
    // warp go out one lane at a time). Every issuing lane arrives with its own box's bytes
    // (expect_tx before its copy), so the stage's byte count never runs ahead of its arrivals. ----
    constexpr int kItemsPerWarp = 2 * T::kPanels * T::kGroups / 4;
    const int lane = pt % 32;
    if (lane >= kItemsPerWarp) return;
    const int item = (pt / 32) * kItemsPerWarp + lane;
    const int group = item % T::kGroups;
    const int panel = (item / T::kGroups) % T::kPanels;
    const bool is_v = item >= T::kPanels * T::kGroups;
    const bool writes_mask = item < T::kGroups;  // K, panel 0: one lane per group
    const void* map = is_v ? static_cast<const void*>(&v_map) : static_cast<const void*>(&k_map);
    if (group == 0) tma_prefetch_descriptor(map);
    const int batch = n / p.a.k.heads, head = n % p.a.k.heads;
    const std::uint32_t ring = (is_v ? sV : sK) + panel * T::kPanelBytes + group * 1024;
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
      if (t >= kS) mbarrier_wait(empty_bar + 8 * stage, (round - 1) & 1);
      const std::uint32_t full = full_bar + 8 * stage;
      if (writes_mask)
        asm volatile("st.shared.u8 [%0], %1;\n" ::"r"(mask + 16 * stage + group), "r"((1u << valid) - 1u)
                     : "memory");
      mbarrier_arrive_expect_tx(full, 1024);
      tma_load_4d(ring + stage * T::kKVBytes, map, full, panel * 64, row, head, batch);
      if (++stage == kS) {
        stage = 0;
        ++round;
      }
    }
  } else {
    // ---- consumers (as in hopper-simple) ----
    const int cw = wg;
    const int ct = tid - 128 * wg;
    const int lane = ct % 32;
    // Split (default; off with SVG2K_HOPPER_TMA_SPLIT=0): a tile of <= 64 query rows gives both
    // warpgroups the same rows and alternate key tiles, then merges the two partial softmax states
    // (no idle warpgroup).
    const bool split = Split && w.rows <= 64;
    const bool active = split ? cw == 0 : cw * 64 < w.rows;
    const std::uint32_t q_rows = sQ + (split ? 0 : cw * 64 * 128);

    float s[64];
    float o[D / 2];
#pragma unroll
    for (int i = 0; i < D / 2; ++i) o[i] = 0.f;
    float row_max[2] = {-__int_as_float(0x7f800000), -__int_as_float(0x7f800000)};
    float row_sum[2] = {0.f, 0.f};
    std::uint32_t pf[8][4];

    mbarrier_wait(q_bar, 0);
    fence_proxy_async_shared();  // Q came through cp.async (generic proxy); wgmma reads it async

    if (split) {
      int stage = 0, round = 0;
      for (int t = 0; t < num_tiles; ++t) {
        // Every tile's full barrier is waited by both warpgroups, so parities never run two
        // phases ahead; the one that skips the tile releases it at once.
        mbarrier_wait(full_bar + 8 * stage, round & 1);
        if ((t & 1) == cw) {
          wgmma_fence();
          issue_qk<D>(s, opaque(q_rows), sK + stage * T::kKVBytes);
          wgmma_commit();
          wgmma_wait<0>();
          fence_registers(s);
          softmax_tile_masked<D>(s, o, row_max, row_sum, pf, mask + 16 * stage, p.scale_log2, lane);
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
      float* xchg = reinterpret_cast<float*>(smem + T::kQBytes);
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
      mbarrier_wait(full_bar, 0);
      wgmma_fence();
      issue_qk<D>(s, opaque(q_rows), sK);
      wgmma_commit();
      wgmma_wait<0>();
      fence_registers(s);
      softmax_tile_masked<D>(s, o, row_max, row_sum, pf, mask, p.scale_log2, lane);
      int prev = 0, stage = 1, round = 0;
      if (stage == kS) {
        stage = 0;
        round = 1;
      }
      for (int t = 1; t < num_tiles; ++t) {
        mbarrier_wait(full_bar + 8 * stage, round & 1);
        // O += P V for the previous tile, then S = Q K^T for this one (P and S never live together).
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
        wgmma_wait<0>();
        fence_registers(s);
        softmax_tile_masked<D>(s, o, row_max, row_sum, pf, mask + 16 * stage, p.scale_log2, lane);
        prev = stage;
        if (++stage == kS) {
          stage = 0;
          ++round;
        }
      }
      fence_registers(o);
      wgmma_fence();
      issue_pv<D>(o, pf, sV + prev * T::kKVBytes);
      wgmma_commit();
      wgmma_wait<0>();
      fence_registers(o);
    }
    if (!active) return;

    store_warpgroup_rows<D>(p, w, o, row_sum, sQ, cw, ct);
  }
#endif  // SVG2K_HOPPER_ENABLED
}

template <int D, bool Split>
Status launch(const AttentionParams& p, const CUtensorMap& k_map, const CUtensorMap& v_map, int slots,
              cudaStream_t stream) {
  const int smem = HopperTmaTile<D>::smem_bytes();
  const Status st = ensure_dynamic_smem(sparse_attention_hopper_tma_kernel<D, Split>, smem,
                                        "cudaFuncSetAttribute(sparse attention, TMA)");
  if (!st.ok()) return st;
  const dim3 grid(static_cast<unsigned>(slots), static_cast<unsigned>(p.problems));
  sparse_attention_hopper_tma_kernel<D, Split>
      <<<grid, HopperTmaTile<D>::kThreads, smem, stream>>>(p, k_map, v_map);
  const cudaError_t launch_err = cudaGetLastError();
  return launch_err == cudaSuccess ? Status{} : Status{launch_err, "sparse_attention_hopper_tma launch"};
}

}  // namespace

int hopper_tma_smem_bytes(int dim) {
  return dim == 128 ? HopperTmaTile<128>::smem_bytes() : HopperTmaTile<64>::smem_bytes();
}

Status launch_sparse_attention_hopper_tma(const AttentionParams& p, int dim, int slots, cudaStream_t stream) {
  // TMA needs K and V cluster-ordered (runs of rows) and a view TMA can address; otherwise the
  // cp.async kernel (hopper-simple), which gathers any layout, runs instead.
  CUtensorMap k_map, v_map;
  if (p.a.k_permutation != nullptr || !encode_token_map(&k_map, p.a.k, p.tokens, dim, p.problems) ||
      !encode_token_map(&v_map, p.a.v, p.tokens, dim, p.problems)) {
    // SVG2K_HOPPER_TMA_STRICT=1 (device runs of this kernel): no silent fallback, so a measurement
    // cannot report hopper-simple under this kernel's name.
    const char* strict = std::getenv("SVG2K_HOPPER_TMA_STRICT");
    if (strict && strict[0] == '1')
      return invalid_argument(
          "sparse_attention hopper-tma: K/V not cluster-ordered, or cuTensorMapEncodeTiled unavailable or "
          "rejected the view (SVG2K_HOPPER_TMA_STRICT=1)");
    return launch_sparse_attention_hopper(p, dim, /*ping_pong=*/false, slots, stream);
  }
  // Tiles of <= 64 query rows split their key tiles between the two consumer warpgroups (measured
  // 8-15% faster on the Wan shapes); SVG2K_HOPPER_TMA_SPLIT=0 (developer switch) turns that off.
  const char* split_env = std::getenv("SVG2K_HOPPER_TMA_SPLIT");
  const bool split = !(split_env && split_env[0] == '0');
  if (dim == 128)
    return split ? launch<128, true>(p, k_map, v_map, slots, stream)
                 : launch<128, false>(p, k_map, v_map, slots, stream);
  return split ? launch<64, true>(p, k_map, v_map, slots, stream)
               : launch<64, false>(p, k_map, v_map, slots, stream);
}

}  // namespace svg2k::detail

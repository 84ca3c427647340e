// Block-sparse attention for Hopper (sm_90a): a producer warpgroup gathers the key stream with
// cp.async into a two-stage ring of swizzled shared-memory tiles (mbarrier full/empty handshakes),
// two consumer warpgroups each own 64 query rows of a 128-row tile and run S = Q K^T and O += P V
// on wgmma (fp32 accumulators, P kept in registers). With ping-pong on, the consumers take turns
// on the tensor cores so one warpgroup's softmax overlaps the other's matrix products.
// The consumers fit the 168 registers a 384-thread block gets (this ptxas does not allocate by
// setmaxnreg): they never hold S, O and P at once (PV of the previous tile completes before S).
#include "hopper_primitives.cuh"
#include "hopper_tile_ops.cuh"
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
  online_softmax<D>(s, o, row_max, row_sum, pf, scale_log2);
}

#endif  // SVG2K_HOPPER_ENABLED

template <int D, bool PingPong>
__global__ void __launch_bounds__(384, 1) sparse_attention_hopper_kernel(const AttentionParams p) {
#if SVG2K_HOPPER_ENABLED
  using T = HopperTile<D>;
  extern __shared__ unsigned char smem_raw[];
  __shared__ int s_item[3];
  const HopperBlockSmem<2> sm(smem_raw, T::kQBytes, T::kKVBytes);
  static_assert(T::kBarrierBytes == HopperBlockSmem<2>::kBarrierBytes, "smem_bytes() must match the carving");
  const std::uint32_t sQ = sm.q, sK = sm.k, sV = sm.v;
  const std::uint32_t full_bar = sm.full, empty_bar = sm.empty;
  int* rowsrc = reinterpret_cast<int*>(sm.after_barriers);  // [2][kKeys]
  int* seg_prefix = rowsrc + 2 * T::kKeys;                  // [KC + 1]
  int* seg_base = seg_prefix + p.key_clusters + 1;          // [KC]
  int* scratch = seg_base + p.key_clusters;                 // [33]

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
  sm.init_barriers(128);  // full: the producer's 128 cp.async arrivals

  const int wg = tid / 128;
  if (wg == 2) {
    // ---- producer warpgroup: gathers Q once, then the key stream tile by tile. Thread pt owns
    // row pt of every tile (its source), then all 128 issue coalesced 16-byte copies. ----
    const int pt = tid - 256;
    gather_query_tile<D>(p, w, rowsrc, sQ, sm.q_full, pt);
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
    const int lane = ct % 32;
    // A warpgroup whose 64 rows are all past the cluster's end still runs (on zero rows): skipping
    // its wgmma would make them conditional, which serializes them (ptxas C7518).
    const bool active = cw * 64 < w.rows;
    const std::uint32_t q_rows = sQ + cw * 64 * 128;
    const int my_bar = 2 + cw, other_bar = 3 - cw;

    float s[64];
    float o[D / 2], row_max[2], row_sum[2];
    reset_softmax_state<D>(o, row_max, row_sum);
    std::uint32_t pf[8][4];

    mbarrier_wait(sm.q_full, 0);
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

    store_warpgroup_rows<D>(p, w, o, row_sum, sQ, cw, ct);
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

// Host entry of the block-sparse attention: argument checks, the per-problem row-tile prefix (the
// device-side work list, no host sync), kernel choice; plus the standalone permutation kernels.
#include <algorithm>

#include "block_reduce.cuh"
#include "device_common.cuh"
#include "launch_check.cuh"
#include "sparse_attention_common.cuh"
#include "sparse_attention_launch.h"
#include "svg2k/kmeans.h"
#include "svg2k/sparse_attention.h"
#include "workspace.cuh"

namespace svg2k {
namespace detail {
namespace {

// tile_prefix[n, i] = row tiles of query clusters < i (ceil(|Q_i| / rows_per_tile) each).
__global__ void __launch_bounds__(256) tile_prefix_kernel(const int* __restrict__ q_sizes, int qc,
                                                          int rows_per_tile, int* __restrict__ tile_prefix) {
  __shared__ int scratch[33];
  const int n = blockIdx.x;
  const int* sizes = q_sizes + static_cast<long long>(n) * qc;
  int* out = tile_prefix + static_cast<long long>(n) * (qc + 1);
  const int per_thread = (qc + blockDim.x - 1) / blockDim.x;
  const int r0 = min(static_cast<int>(threadIdx.x) * per_thread, qc), r1 = min(r0 + per_thread, qc);
  int local = 0;
  for (int r = r0; r < r1; ++r) local += (sizes[r] + rows_per_tile - 1) / rows_per_tile;
  int total = 0;
  int before = block_exclusive_scan(local, scratch, &total);
  for (int r = r0; r < r1; ++r) {
    out[r] = before;
    before += (sizes[r] + rows_per_tile - 1) / rows_per_tile;
  }
  if (threadIdx.x == 0) out[qc] = total;
}

// A block moves kPermutePer x 256 16-byte chunks: kPermutePer passes of 256 / (D / 8) whole rows of
// one problem (no 64-bit division). Each thread loads its kPermutePer indices, then its chunks
// (streaming loads: every source row is read once), then stores them, so four loads are in flight
// per thread: 406 -> 380 us per 14B K or V gather on the H200 (one chunk per thread before; 2 and 8
// measured like 4; PERF.md, session 10).
constexpr int kPermutePer = 4;

template <bool Scatter, int Chunks>
__global__ void __launch_bounds__(256) permute_tokens_kernel(const TokenView in, const int* __restrict__ perm,
                                                             int tokens, const MutableTokenView out) {
  constexpr int kRowsPerPass = 256 / Chunks;
  const int n = blockIdx.y;
  const int base = blockIdx.x * (kPermutePer * kRowsPerPass) + static_cast<int>(threadIdx.x) / Chunks;
  const int c = static_cast<int>(threadIdx.x) % Chunks;
  const int* pn = perm + static_cast<long long>(n) * tokens;
  uint4 v[kPermutePer];
  int src[kPermutePer];
#pragma unroll
  for (int i = 0; i < kPermutePer; ++i) {
    const int pos = base + i * kRowsPerPass;
    src[i] = pos < tokens ? __ldg(pn + pos) : 0;
  }
#pragma unroll
  for (int i = 0; i < kPermutePer; ++i) {
    const int pos = base + i * kRowsPerPass;
    if (pos < tokens)
      v[i] = __ldcs(reinterpret_cast<const uint4*>(token_row(in, n, Scatter ? pos : src[i]) + c * 8));
  }
#pragma unroll
  for (int i = 0; i < kPermutePer; ++i) {
    const int pos = base + i * kRowsPerPass;
    if (pos < tokens) *reinterpret_cast<uint4*>(token_row(out, n, Scatter ? src[i] : pos) + c * 8) = v[i];
  }
}

template <bool Scatter>
Status permute(const TokenView& x, const int* perm, int problems, int tokens, int dim,
               const MutableTokenView& out, cudaStream_t stream) {
  if (problems < 1 || tokens < 1 || dim < 8 || dim % 8 != 0) return invalid_argument("permute: bad shape");
  if (!perm || !token_view_ok(x) || !token_view_ok(out))
    return invalid_argument("permute: tokens must be 16-byte aligned with strides that are multiples of 8");
  if (dim != 64 && dim != 128) return invalid_argument("permute: head dim must be 64 or 128");
  if (problems > 65535) return invalid_argument("permute: problems must be at most 65535");
  if (dim == 128) {
    const dim3 grid(static_cast<unsigned>(ceil_div(tokens, 16 * kPermutePer)),
                    static_cast<unsigned>(problems));
    permute_tokens_kernel<Scatter, 16><<<grid, 256, 0, stream>>>(x, perm, tokens, out);
  } else {
    const dim3 grid(static_cast<unsigned>(ceil_div(tokens, 32 * kPermutePer)),
                    static_cast<unsigned>(problems));
    permute_tokens_kernel<Scatter, 8><<<grid, 256, 0, stream>>>(x, perm, tokens, out);
  }
  return launch_status(Scatter ? "scatter_tokens launch" : "gather_tokens launch");
}

}  // namespace
}  // namespace detail

AttentionKernel resolve_attention_kernel(AttentionKernel requested) {
  if (requested != AttentionKernel::Auto) return requested;
  // On Hopper the TMA-fed kernel with overlapped consumers: 2-6% faster than the TMA kernel with
  // serial consumers it replaced, which was 33-35% faster than hopper-simple (docs/PERF.md, 23:55Z
  // and 20:16Z); it runs hopper-simple itself when K/V are not cluster-ordered.
  return current_device_arch() == 90 ? AttentionKernel::HopperTmaOv : AttentionKernel::Ampere;
}

std::size_t sparse_attention_workspace_bytes(const SparseAttentionShape& s) {
  if (s.problems < 1 || s.query_clusters < 1) return 0;
  detail::WorkspaceCarver c(nullptr);
  c.take<int>(static_cast<std::size_t>(s.problems) * (s.query_clusters + 1));
  return c.size();
}

Status sparse_attention_forward(const SparseAttentionShape& s, const SparseAttentionArgs& a,
                                AttentionKernel kernel, void* workspace, std::size_t workspace_bytes,
                                cudaStream_t stream) {
  using namespace detail;
  if (s.problems < 1 || s.problems > 65535)
    return invalid_argument("sparse_attention: problems must be in [1, 65535]");
  if (s.tokens < 1) return invalid_argument("sparse_attention: tokens must be >= 1");
  if (s.dim != 64 && s.dim != 128) return invalid_argument("sparse_attention: head dim must be 64 or 128");
  if (s.query_clusters < 1 || s.query_clusters > kMaxClusters || s.key_clusters < 1 ||
      s.key_clusters > kMaxClusters)
    return invalid_argument("sparse_attention: query and key clusters must be in [1, 4096]");
  if (!token_view_ok(a.q) || !token_view_ok(a.k) || !token_view_ok(a.v) || !token_view_ok(a.out))
    return invalid_argument(
        "sparse_attention: q, k, v and out must be 16-byte aligned with strides that are multiples of 8");
  if (!a.q_offsets || !a.q_sizes || !a.k_offsets || !a.k_sizes || !a.block_counts || !a.block_keys)
    return invalid_argument("sparse_attention: cluster offsets, sizes and the block list are required");
  if (!(a.scale > 0.f)) return invalid_argument("sparse_attention: scale must be > 0");

  const AttentionKernel chosen = resolve_attention_kernel(kernel);
  const int arch = current_device_arch();
  if (chosen != AttentionKernel::Ampere && arch != 90)
    return invalid_argument("sparse_attention: the Hopper kernel needs an sm_90 device");
  if (chosen == AttentionKernel::Ampere && arch < 80)
    return invalid_argument("sparse_attention: needs an sm_80 or newer device");

  WorkspaceCarver c(workspace);
  int* tile_prefix = c.take<int>(static_cast<std::size_t>(s.problems) * (s.query_clusters + 1));
  if (!workspace || workspace_bytes < c.size())
    return invalid_argument("sparse_attention: workspace too small");

  const bool hopper = chosen != AttentionKernel::Ampere;
  const int rows = hopper ? hopper_rows_per_block() : ampere_rows_per_block();
  tile_prefix_kernel<<<static_cast<unsigned>(s.problems), 256, 0, stream>>>(a.q_sizes, s.query_clusters, rows,
                                                                            tile_prefix);
  SVG2K_RETURN_IF_ERROR(launch_status("tile_prefix launch"));

  AttentionParams p{};
  p.a = a;
  p.problems = s.problems;
  p.tokens = s.tokens;
  p.query_clusters = s.query_clusters;
  p.key_clusters = s.key_clusters;
  p.tile_prefix = tile_prefix;
  p.scale_log2 = a.scale * 1.4426950408889634f;
  // Row tiles per problem: sum_i ceil(|Q_i| / rows) <= S / rows + (non-empty clusters).
  const long long slots =
      (static_cast<long long>(s.tokens) + rows - 1) / rows + std::min(s.query_clusters, s.tokens);
  if (slots > 0x7fffffffLL) return invalid_argument("sparse_attention: too many row tiles");
  if (chosen == AttentionKernel::HopperTmaOv)
    return launch_sparse_attention_hopper_tma_ov(p, s.dim, static_cast<int>(slots), stream);
  return hopper ? launch_sparse_attention_hopper(p, s.dim, chosen == AttentionKernel::Hopper,
                                                 static_cast<int>(slots), stream)
                : launch_sparse_attention_ampere(p, s.dim, static_cast<int>(slots), stream);
}

Status gather_tokens(const TokenView& x, const int* permutation, int problems, int tokens, int dim,
                     const MutableTokenView& out, cudaStream_t stream) {
  return detail::permute<false>(x, permutation, problems, tokens, dim, out, stream);
}

Status scatter_tokens(const TokenView& y, const int* permutation, int problems, int tokens, int dim,
                      const MutableTokenView& out, cudaStream_t stream) {
  return detail::permute<true>(y, permutation, problems, tokens, dim, out, stream);
}

}  // namespace svg2k

// Block selection: fp32 centroid-pair scores, size-weighted softmax, per-row top-p / fixed density
// on a bitonic sort in shared memory, and the compact per-row block list. See svg2k/selection.h.
#include <cmath>
#include <cub/block/block_radix_sort.cuh>

#include "block_reduce.cuh"
#include "device_common.cuh"
#include "launch_check.cuh"
#include "svg2k/kmeans.h"
#include "svg2k/selection.h"
#include "workspace.cuh"

namespace svg2k {
namespace detail {
namespace {

// ---- scores: s[n, i, j] = scale * cq[n, i] . ck[n, j] (fp32 SIMT tiles of 64 x 64) ---------------

constexpr int kScoreTile = 64;
constexpr int kScoreDepth = 32;

__global__ void __launch_bounds__(256)
    centroid_scores_kernel(const float* __restrict__ cq, const float* __restrict__ ck,
                           float* __restrict__ scores, int qc, int kc, int dim, float scale) {
  __shared__ float sa[kScoreDepth][kScoreTile + 4];
  __shared__ float sb[kScoreDepth][kScoreTile + 4];
  const int n = blockIdx.z;
  const int i0 = blockIdx.y * kScoreTile, j0 = blockIdx.x * kScoreTile;
  const int tid = threadIdx.x, ty = tid / 16, tx = tid % 16;
  const float* a = cq + static_cast<long long>(n) * qc * dim;
  const float* b = ck + static_cast<long long>(n) * kc * dim;
  float acc[4][4] = {};
  for (int k0 = 0; k0 < dim; k0 += kScoreDepth) {
    for (int q = tid; q < kScoreTile * kScoreDepth; q += 256) {
      const int r = q / kScoreDepth, c = q % kScoreDepth;
      const int k = k0 + c;
      sa[c][r] = (i0 + r < qc && k < dim) ? a[static_cast<long long>(i0 + r) * dim + k] : 0.f;
      sb[c][r] = (j0 + r < kc && k < dim) ? b[static_cast<long long>(j0 + r) * dim + k] : 0.f;
    }
    __syncthreads();
#pragma unroll 8
    for (int c = 0; c < kScoreDepth; ++c) {
      const float4 av = *reinterpret_cast<const float4*>(&sa[c][ty * 4]);
      const float4 bv = *reinterpret_cast<const float4*>(&sb[c][tx * 4]);
      const float ar[4] = {av.x, av.y, av.z, av.w};
      const float br[4] = {bv.x, bv.y, bv.z, bv.w};
#pragma unroll
      for (int u = 0; u < 4; ++u)
#pragma unroll
        for (int v = 0; v < 4; ++v) acc[u][v] = fmaf(ar[u], br[v], acc[u][v]);
    }
    __syncthreads();
  }
#pragma unroll
  for (int u = 0; u < 4; ++u) {
    const int i = i0 + ty * 4 + u;
    if (i >= qc) continue;
#pragma unroll
    for (int v = 0; v < 4; ++v) {
      const int j = j0 + tx * 4 + v;
      if (j < kc) scores[(static_cast<long long>(n) * qc + i) * kc + j] = acc[u][v] * scale;
    }
  }
}

// ---- per-row selection ---------------------------------------------------------------------------

constexpr int kSelectThreads = 256;

struct SelectRowParams {
  const float* scores;  // [N, QC, KC]
  const int* key_sizes;
  int query_clusters, key_clusters;
  float top_p;  // compared in fp32, as the reference compares its fp32 cumulative sums
  bool keep_all;
  int min_clusters, max_clusters;
  bool fixed_density_mode;
  double density;
  BlockList out;
};

// One block per (problem, query cluster). The masses (non-negative floats, so their bit patterns
// order like the values) are sorted descending with CUB's block radix sort, which is stable: ties
// keep the lower key-cluster index first, like the reference's stable descending sort. Each thread
// then holds kItems consecutive ranks.
template <int kItems>
__global__ void __launch_bounds__(kSelectThreads) select_rows_kernel(const SelectRowParams p) {
  using Sort = cub::BlockRadixSort<unsigned, kSelectThreads, kItems, int>;
  __shared__ typename Sort::TempStorage sort_storage;
  __shared__ unsigned char flags[kMaxClusters];
  __shared__ float scratch_f[33];
  __shared__ long long scratch_l[33];
  __shared__ int scratch_i[33];

  const int kc = p.key_clusters;
  const long long row = blockIdx.x;
  const int n = static_cast<int>(row / p.query_clusters);
  const float* s = p.scores + row * kc;
  const int* ks = p.key_sizes + static_cast<long long>(n) * kc;
  const int tid = threadIdx.x;
  const float neg_inf = -__int_as_float(0x7f800000);

  // Size-weighted softmax: p_j = softmax_j(s_j + log|K_j|); empty clusters get exactly 0.
  float logit[kItems];
  float mx = neg_inf;
#pragma unroll
  for (int i = 0; i < kItems; ++i) {
    const int j = tid * kItems + i;
    const int size = j < kc ? ks[j] : 0;
    logit[i] = size > 0 ? s[j] + logf(static_cast<float>(size)) : neg_inf;
    mx = fmaxf(mx, logit[i]);
  }
  mx = block_reduce(mx, MaxOp{}, neg_inf, scratch_f);
  float sum = 0.f;
#pragma unroll
  for (int i = 0; i < kItems; ++i) {
    logit[i] = logit[i] == neg_inf ? 0.f : expf(logit[i] - mx);
    sum += logit[i];
  }
  sum = block_reduce(sum, SumOp{}, 0.f, scratch_f);
  unsigned key[kItems];
  int index[kItems];
#pragma unroll
  for (int i = 0; i < kItems; ++i) {
    const int j = tid * kItems + i;
    key[i] = j < kc ? __float_as_uint(logit[i] / sum) : 0u;
    index[i] = j;
  }
  for (int j = tid; j < kc; j += kSelectThreads) flags[j] = 0;
  Sort(sort_storage).SortDescending(key, index);

  // How many of the sorted clusters to keep: a cluster is kept while the amount before it is still
  // short of the target. Ranks r = tid * kItems + i.
  const int r0 = tid * kItems;
  int count = 0;
  if (p.fixed_density_mode) {
    long long local = 0;
#pragma unroll
    for (int i = 0; i < kItems; ++i)
      if (r0 + i < kc) local += ks[index[i]];
    long long total = 0;
    long long before = block_exclusive_scan(local, scratch_l, &total);
    const double target = static_cast<double>(total) * p.density;
    int kept = 0;
#pragma unroll
    for (int i = 0; i < kItems; ++i) {
      if (r0 + i >= kc) break;
      if (static_cast<double>(before) < target) ++kept;
      before += ks[index[i]];
    }
    count = block_reduce(kept, SumOp{}, 0, scratch_i);
    count = max(count, 1);
  } else {
    if (p.keep_all) {
      count = kc;
    } else {
      float local = 0.f;
#pragma unroll
      for (int i = 0; i < kItems; ++i)
        if (r0 + i < kc) local += __uint_as_float(key[i]);
      float total = 0.f;
      float before = block_exclusive_scan(local, scratch_f, &total);
      int kept = 0;
#pragma unroll
      for (int i = 0; i < kItems; ++i) {
        if (r0 + i >= kc) break;
        if (before < p.top_p) ++kept;
        before += __uint_as_float(key[i]);
      }
      count = block_reduce(kept, SumOp{}, 0, scratch_i);
    }
    count = min(max(count, p.min_clusters), min(p.max_clusters, kc));
  }
  __syncthreads();  // flags were zeroed before the sort by other threads
#pragma unroll
  for (int i = 0; i < kItems; ++i)
    if (r0 + i < count) flags[index[i]] = 1;
  __syncthreads();

  // Compact list in ascending key-cluster order, empty clusters left out.
  const int per_thread = (kc + kSelectThreads - 1) / kSelectThreads;
  const int j0 = min(tid * per_thread, kc), j1 = min(j0 + per_thread, kc);
  int local_count = 0;
  long long local_tokens = 0;
  for (int j = j0; j < j1; ++j) {
    if (flags[j] && ks[j] > 0) {
      ++local_count;
      local_tokens += ks[j];
    }
  }
  int list_size = 0;
  int pos = block_exclusive_scan(local_count, scratch_i, &list_size);
  const long long row_tokens = block_reduce(local_tokens, SumOp{}, 0LL, scratch_l);
  int* list = p.out.block_keys + row * kc;
  for (int j = j0; j < j1; ++j) {
    if (flags[j] && ks[j] > 0) list[pos++] = j;
    if (p.out.mask) p.out.mask[row * kc + j] = flags[j];
  }
  if (tid == 0) {
    p.out.block_counts[row] = list_size;
    p.out.row_tokens[row] = static_cast<int>(row_tokens);
  }
}

// ---- density per problem -------------------------------------------------------------------------

__global__ void __launch_bounds__(256)
    block_density_kernel(const int* __restrict__ query_sizes, const int* __restrict__ row_tokens, int qc,
                         int tokens, float* density, unsigned long long* pairs) {
  __shared__ unsigned long long scratch[33];
  const int n = blockIdx.x;
  unsigned long long local = 0;
  for (int i = threadIdx.x; i < qc; i += blockDim.x) {
    const long long idx = static_cast<long long>(n) * qc + i;
    local +=
        static_cast<unsigned long long>(query_sizes[idx]) * static_cast<unsigned long long>(row_tokens[idx]);
  }
  const unsigned long long total = block_reduce(local, SumOp{}, 0ULL, scratch);
  if (threadIdx.x == 0) {
    if (pairs) pairs[n] = total;
    if (density) {
      const double all = static_cast<double>(tokens) * static_cast<double>(tokens);
      density[n] = static_cast<float>(static_cast<double>(total) / all);
    }
  }
}

}  // namespace
}  // namespace detail

std::size_t selection_workspace_bytes(const SelectionShape& s) {
  if (s.problems < 1 || s.query_clusters < 1 || s.key_clusters < 1) return 0;
  detail::WorkspaceCarver c(nullptr);
  c.take<float>(static_cast<std::size_t>(s.problems) * s.query_clusters * s.key_clusters);
  return c.size();
}

Status select_blocks(const SelectionShape& s, const SelectionParams& prm, const SelectionInputs& in,
                     const BlockList& out, void* workspace, std::size_t workspace_bytes,
                     cudaStream_t stream) {
  using namespace detail;
  if (s.problems < 1 || s.problems > 65535)
    return invalid_argument("select_blocks: problems must be in [1, 65535]");
  if (s.tokens < 1) return invalid_argument("select_blocks: tokens must be >= 1");
  if (s.dim < 1) return invalid_argument("select_blocks: dim must be >= 1");
  if (s.query_clusters < 1 || s.query_clusters > kMaxClusters || s.key_clusters < 1 ||
      s.key_clusters > kMaxClusters)
    return invalid_argument("select_blocks: query and key clusters must be in [1, 4096]");
  const bool fixed = prm.fixed_density > 0.0;
  if (fixed && prm.fixed_density > 1.0)
    return invalid_argument("select_blocks: fixed_density must be in (0, 1]");
  if (!fixed && !(prm.top_p > 0.0 && prm.top_p <= 1.0))
    return invalid_argument("select_blocks: top_p must be in (0, 1]");
  if (!fixed && (prm.min_clusters < 1 || prm.max_clusters < prm.min_clusters))
    return invalid_argument("select_blocks: need 1 <= min_clusters <= max_clusters");
  if (!in.query_centroids || !in.key_centroids || !in.key_sizes)
    return invalid_argument("select_blocks: centroids and key sizes are required");
  if (!out.block_counts || !out.block_keys || !out.row_tokens)
    return invalid_argument("select_blocks: block_counts, block_keys and row_tokens are required");
  if ((out.density || out.pairs) && !in.query_sizes)
    return invalid_argument("select_blocks: the density needs query sizes");
  WorkspaceCarver c(workspace);
  float* scores = c.take<float>(static_cast<std::size_t>(s.problems) * s.query_clusters * s.key_clusters);
  if (!workspace || workspace_bytes < c.size()) return invalid_argument("select_blocks: workspace too small");

  const dim3 grid(static_cast<unsigned>(ceil_div(s.key_clusters, kScoreTile)),
                  static_cast<unsigned>(ceil_div(s.query_clusters, kScoreTile)),
                  static_cast<unsigned>(s.problems));
  centroid_scores_kernel<<<grid, 256, 0, stream>>>(in.query_centroids, in.key_centroids, scores,
                                                   s.query_clusters, s.key_clusters, s.dim, prm.scale);
  SVG2K_RETURN_IF_ERROR(launch_status("centroid_scores launch"));

  SelectRowParams rp{};
  rp.scores = scores;
  rp.key_sizes = in.key_sizes;
  rp.query_clusters = s.query_clusters;
  rp.key_clusters = s.key_clusters;
  rp.top_p = static_cast<float>(prm.top_p);
  rp.keep_all = prm.top_p >= 1.0;
  rp.min_clusters = prm.min_clusters;
  rp.max_clusters = prm.max_clusters;
  rp.fixed_density_mode = fixed;
  rp.density = prm.fixed_density;
  rp.out = out;
  const unsigned rows = static_cast<unsigned>(static_cast<long long>(s.problems) * s.query_clusters);
  if (s.key_clusters <= kSelectThreads * 4) {
    select_rows_kernel<4><<<rows, kSelectThreads, 0, stream>>>(rp);
  } else if (s.key_clusters <= kSelectThreads * 8) {
    select_rows_kernel<8><<<rows, kSelectThreads, 0, stream>>>(rp);
  } else {
    select_rows_kernel<16><<<rows, kSelectThreads, 0, stream>>>(rp);
  }
  SVG2K_RETURN_IF_ERROR(launch_status("select_rows launch"));

  if (out.density || out.pairs) {
    block_density_kernel<<<static_cast<unsigned>(s.problems), 256, 0, stream>>>(
        in.query_sizes, out.row_tokens, s.query_clusters, s.tokens, out.density, out.pairs);
    SVG2K_RETURN_IF_ERROR(launch_status("block_density launch"));
  }
  return {};
}

}  // namespace svg2k

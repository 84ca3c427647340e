#pragma once
// The TMA-fed key stream of hopper-tma-ov: K and V cluster-ordered and contiguous per cluster,
// cut into 8-row groups (one SWIZZLE_128B atom per 64-feature panel), each group's valid rows in a
// byte mask next to its stage. Groups whose rows follow each other in memory (the groups of one
// cluster in a tile) are loaded by one taller box of 16, 32 or 64 rows.
#include <cuda.h>
#include <cudaTypedefs.h>

#include <cstdint>

#include "hopper_primitives.cuh"
#include "sparse_attention_common.cuh"

namespace svg2k::detail {

// Box heights of the key/value tensor maps: map i loads 2^i groups (8, 16, 32, 64 rows).
constexpr int kBoxHeights = 4;

#if SVG2K_HOPPER_ENABLED

// Sets the scores of invalid keys of one warpgroup's 64 x 128 tile to -inf: key j * 8 + i of the
// tile is valid when bit i of mask byte j is set (bytes packed little-endian into four words).
// Every lane reads the same 16 bytes, so the tests of whole words and groups are warp-uniform
// branches: full groups (about 9 in 10 at 1000 key clusters) cost one compare, not 8 selects.
__device__ __forceinline__ void apply_group_mask(float (&s)[64], std::uint32_t mask_addr, int lane) {
  const float neg_inf = -__int_as_float(0x7f800000);
  const uint4 words = ld_shared_uint4(mask_addr);
  const std::uint32_t m[4] = {words.x, words.y, words.z, words.w};
  const int shift = 2 * (lane & 3);
#pragma unroll
  for (int w = 0; w < 4; ++w) {
    if (m[w] == 0xffffffffu) continue;  // four full groups
#pragma unroll
    for (int g = 0; g < 4; ++g) {
      const std::uint32_t byte = (m[w] >> (8 * g)) & 0xffu;
      if (byte == 0xffu) continue;
      const std::uint32_t mine = byte >> shift;  // this lane's two key columns
      const int j = 4 * w + g;
#pragma unroll
      for (int e = 0; e < 4; ++e)
        if (!((mine >> (e & 1)) & 1u)) s[4 * j + e] = neg_inf;
    }
  }
}

// One producer lane's walk over the 8-row groups of the selected key clusters: positions only
// grow, so it advances segment by segment, reading the cluster list from global memory (L1-hot:
// all 32 lanes walk the same entries).
struct GroupCursor {
  int segment = -1, first_group = 0, groups = 0, row0 = 0, size = 0;
  __device__ __forceinline__ void locate(const int* list, const int* koffs, const int* ksizes, int g) {
    while (g >= first_group + groups) {
      first_group += groups;
      const int j = __ldg(list + ++segment);
      row0 = __ldg(koffs + j);
      size = __ldg(ksizes + j);
      groups = (size + 7) >> 3;
    }
  }
};

// Splits a run of `length` (1..16) contiguous groups into boxes of 8, 4, 2, 1 groups, largest
// first; for the group at `offset` in the run returns the height index (log2 of the box's groups)
// of its box when the group starts that box, else -1. Past the boxes of 8, the boxes follow the
// bits of the remainder r from the top, so a box starts at q when q's bits are r's top bits.
__device__ __forceinline__ int box_started_at(int offset, int length) {
  const int whole = length & ~7;
  if (offset < whole) return (offset & 7) == 0 ? kBoxHeights - 1 : -1;
  const int q = offset - whole, r = length - whole;  // q < r < 8
  const bool starts = (q & ~r) == 0 && (q == 0 || (r & ~q) < (q & -q));
  return starts ? 31 - __clz(r & ~q) : -1;
}

#endif  // SVG2K_HOPPER_ENABLED

// The driver's tensor-map encoder, found through the runtime (no -lcuda); null if unavailable.
inline PFN_cuTensorMapEncodeTiled_v12000 tensor_map_encoder() {
  static PFN_cuTensorMapEncodeTiled_v12000 fn = [] {
    void* f = nullptr;
    cudaDriverEntryPointQueryResult found{};
    if (cudaGetDriverEntryPointByVersion("cuTensorMapEncodeTiled", &f, 12000, cudaEnableDefault, &found) !=
            cudaSuccess ||
        found != cudaDriverEntryPointSuccess)
      return static_cast<PFN_cuTensorMapEncodeTiled_v12000>(nullptr);
    return reinterpret_cast<PFN_cuTensorMapEncodeTiled_v12000>(f);
  }();
  return fn;
}

// The tensor maps of K and V, one per box height; a __grid_constant__ kernel parameter.
struct KeyValueMaps {
  CUtensorMap k[kBoxHeights];
  CUtensorMap v[kBoxHeights];
};

// A 4-D map {feature, token, head, batch} over a token view, boxes of {64 features, box_rows
// tokens}, 128-byte swizzle; false when the view does not meet TMA's rules (16-byte aligned base,
// strides multiples of 16 bytes), in which case the caller falls back to the cp.async kernel.
inline bool encode_token_map(CUtensorMap* map, const TokenView& t, int tokens, int dim, int problems,
                             int box_rows) {
  const PFN_cuTensorMapEncodeTiled_v12000 encode = tensor_map_encoder();
  if (!encode || !t.data || t.heads < 1 || problems % t.heads != 0) return false;
  const std::uint64_t batches = static_cast<std::uint64_t>(problems / t.heads);
  // A size-1 dimension's stride is never used; give it a legal one.
  const std::int64_t legal = static_cast<std::int64_t>(tokens) * t.token_stride;
  const std::int64_t head_stride = t.heads > 1 ? t.head_stride : legal;
  const std::int64_t batch_stride = batches > 1 ? t.batch_stride : legal;
  if (t.token_stride <= 0 || head_stride <= 0 || batch_stride <= 0) return false;
  const cuuint64_t size[4] = {static_cast<cuuint64_t>(dim), static_cast<cuuint64_t>(tokens),
                              static_cast<cuuint64_t>(t.heads), batches};
  const cuuint64_t stride[3] = {static_cast<cuuint64_t>(t.token_stride) * 2,
                                static_cast<cuuint64_t>(head_stride) * 2,
                                static_cast<cuuint64_t>(batch_stride) * 2};
  const cuuint32_t box[4] = {64, static_cast<cuuint32_t>(box_rows), 1, 1};
  const cuuint32_t element_stride[4] = {1, 1, 1, 1};
  return encode(map, CU_TENSOR_MAP_DATA_TYPE_BFLOAT16, 4, const_cast<void*>(t.data), size, stride, box,
                element_stride, CU_TENSOR_MAP_INTERLEAVE_NONE, CU_TENSOR_MAP_SWIZZLE_128B,
                CU_TENSOR_MAP_L2_PROMOTION_L2_256B, CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE) == CUDA_SUCCESS;
}

// Every box height of K and V; false as encode_token_map.
inline bool encode_key_value_maps(KeyValueMaps* maps, const TokenView& k, const TokenView& v, int tokens,
                                  int dim, int problems) {
  for (int i = 0; i < kBoxHeights; ++i) {
    if (!encode_token_map(&maps->k[i], k, tokens, dim, problems, 8 << i) ||
        !encode_token_map(&maps->v[i], v, tokens, dim, problems, 8 << i))
      return false;
  }
  return true;
}

}  // namespace svg2k::detail

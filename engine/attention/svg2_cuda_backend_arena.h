#pragma once
// The device arena of the CUDA SVG2 pipeline as a pure host computation: where each buffer sits and
// how many bytes the whole arena takes for a problem shape, and how the CUDA backend splits a
// [B, H] attention call into chunks so the arena stays within a byte budget (issue #8: the arena is
// sized for one chunk, not for the whole CFG batch). No CUDA here, so CPU tests can check the
// bytes for the Wan 14B shape; the pipeline fills in the kernels' real workspace sizes.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

namespace svg2::attention {

// One pipeline call: N = problems (batch x heads) of S tokens, head dim D, QC/KC clusters.
struct ArenaShape {
  std::int64_t problems = 1;
  std::int64_t tokens = 1;
  std::int64_t dim = 128;
  std::int64_t query_clusters = 1;
  std::int64_t key_clusters = 1;
};

// Workspace bytes the kernels library asks for (svg2k::*_workspace_bytes).
struct KernelWorkspaceBytes {
  std::size_t kmeans = 0;  // max over the query and key clusterings
  std::size_t select = 0;
  std::size_t attend = 0;
};

// Byte offsets into the arena (each 256-byte aligned) and its total size.
struct ArenaLayout {
  std::size_t q_labels = 0, k_labels = 0, q_perm = 0, k_perm = 0;            // int32 [N, S]
  std::size_t q_sizes = 0, q_offsets = 0, block_counts = 0, row_tokens = 0;  // int32 [N, QC]
  std::size_t k_sizes = 0, k_offsets = 0;                                    // int32 [N, KC]
  std::size_t block_keys = 0;                                                // int32 [N, QC, KC]
  std::size_t mask = 0;                                                      // uint8 [N, QC, KC]
  std::size_t k_sorted = 0, v_sorted = 0;  // bf16 [N, S, D]: K and V in K's cluster order
  std::size_t q_centroids = 0;             // fp32 [N, QC, D]: working centroids of the chunk
  std::size_t k_centroids = 0;             // fp32 [N, KC, D]
  std::size_t density = 0;                 // fp32 [N]
  std::size_t pairs = 0;                   // uint64 [N]
  std::size_t kmeans_ws = 0, select_ws = 0, attend_ws = 0;
  KernelWorkspaceBytes workspace;
  std::size_t total = 0;
};

ArenaLayout arena_layout(const ArenaShape& shape, const KernelWorkspaceBytes& workspace);

// A host estimate of the kernels' workspaces, from the buffer lists in kernels/src (k-means: bf16
// centroids, norms, sort keys/values, labels, offsets; CUB's radix-sort temporary estimated as one
// more copy of keys and values). For tests and planning without a device; the pipeline uses the
// kernels' own numbers.
KernelWorkspaceBytes estimated_kernel_workspace_bytes(const ArenaShape& shape);

// Device bytes of one centroid-cache entry of the CUDA backend (one layer and CFG branch): bf16
// [H, QC, D] + [H, KC, D]. The kernels assign with bf16-rounded centroids anyway; the fp32 working
// copies of a chunk live in the arena.
constexpr std::size_t cached_centroid_bytes(std::int64_t heads, std::int64_t query_clusters,
                                            std::int64_t key_clusters, std::int64_t dim) {
  return static_cast<std::size_t>(heads * (query_clusters + key_clusters) * dim) * 2;
}

// Default arena budget of the CUDA backend: the Wan 14B 720p call (B = 2 CFG branches, H = 40,
// S = 75,600) then runs in chunks of 10 heads (about 0.5 GB of arena instead of 3.6 GB).
constexpr std::size_t kDefaultSvg2ArenaBudgetBytes = std::size_t{512} << 20;

// The budget from SVG2_CUDA_ARENA_BUDGET_MB's text: whole MiB in [16, 1048576]; throws svg2::Error
// naming the variable otherwise.
std::size_t arena_budget_from_mib_text(const char* text);

// Batch elements [batch_begin, batch_begin + batch_count) x heads [head_begin, head_begin + head_count).
struct AttentionChunk {
  std::int64_t batch_begin = 0, batch_count = 1;
  std::int64_t head_begin = 0, head_count = 1;
  std::int64_t problems() const { return batch_count * head_count; }
  bool operator==(const AttentionChunk&) const = default;
};

// Chunks covering [batch, heads] in order, as large as `budget_bytes` allows:
// the whole call when it fits, else whole batch elements (never across elements when
// `same_iterations` is false: each element then runs its own k-means iteration count), else equal
// head ranges of one element (at least one head, even over budget).
// arena_bytes(problems) is the arena for a chunk of that many problems.
std::vector<AttentionChunk> plan_attention_chunks(
    std::int64_t batch, std::int64_t heads, bool same_iterations, std::size_t budget_bytes,
    const std::function<std::size_t(std::int64_t)>& arena_bytes);

}  // namespace svg2::attention

#include "attention/svg2_cuda_backend_arena.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <string>

#include "core/check.h"

namespace svg2::attention {
namespace {

// Bump allocation with 256-byte alignment (the kernels load 16-byte vectors; 256 keeps every
// buffer on its own cache-line group).
class OffsetCarver {
 public:
  std::size_t take(std::size_t bytes) {
    offset_ = align(offset_);
    const std::size_t at = offset_;
    offset_ += bytes;
    return at;
  }
  std::size_t size() const { return align(offset_); }

 private:
  static std::size_t align(std::size_t x) { return (x + 255) / 256 * 256; }
  std::size_t offset_ = 0;
};

std::size_t z(std::int64_t v) {
  return static_cast<std::size_t>(std::max<std::int64_t>(v, 0));
}

}  // namespace

ArenaLayout arena_layout(const ArenaShape& s, const KernelWorkspaceBytes& workspace) {
  ArenaLayout l;
  l.workspace = workspace;
  const std::size_t n = z(s.problems), d = z(s.dim);
  const std::size_t tokens = n * z(s.tokens);
  const std::size_t qc = n * z(s.query_clusters), kc = n * z(s.key_clusters);
  const std::size_t pairs = qc * z(s.key_clusters);
  OffsetCarver c;
  l.q_labels = c.take(tokens * 4);
  l.k_labels = c.take(tokens * 4);
  l.q_perm = c.take(tokens * 4);
  l.k_perm = c.take(tokens * 4);
  l.q_sizes = c.take(qc * 4);
  l.q_offsets = c.take(qc * 4);
  l.k_sizes = c.take(kc * 4);
  l.k_offsets = c.take(kc * 4);
  l.block_counts = c.take(qc * 4);
  l.row_tokens = c.take(qc * 4);
  l.block_keys = c.take(pairs * 4);
  l.k_sorted = c.take(tokens * d * 2);
  l.v_sorted = c.take(tokens * d * 2);
  l.mask = c.take(pairs);
  l.q_centroids = c.take(qc * d * 4);
  l.k_centroids = c.take(kc * d * 4);
  l.density = c.take(n * 4);
  l.pairs = c.take(n * 8);
  l.kmeans_ws = c.take(workspace.kmeans);
  l.select_ws = c.take(workspace.select);
  l.attend_ws = c.take(workspace.attend);
  l.total = c.size();
  return l;
}

KernelWorkspaceBytes estimated_kernel_workspace_bytes(const ArenaShape& s) {
  const std::size_t n = z(s.problems), d = z(s.dim);
  const std::size_t items = n * z(s.tokens);
  const std::size_t cells = n * std::max(z(s.query_clusters), z(s.key_clusters));
  KernelWorkspaceBytes w;
  // bf16 centroids + norms + offsets per cell; keys in/out, values, labels per token; CUB's
  // radix-sort temporary (alternate keys and values) and scan temporary with 1 MiB of slack.
  w.kmeans = cells * (d * 2 + 4 + 4) + items * 4 * 4 + items * 8 + (std::size_t{1} << 20);
  w.select = n * z(s.query_clusters) * z(s.key_clusters) * 4 + 256;
  w.attend = n * (z(s.query_clusters) + 1) * 4 + 256;
  return w;
}

std::size_t arena_budget_from_mib_text(const char* text) {
  const std::string s = text ? text : "";
  char* end = nullptr;
  errno = 0;
  const long long mib = s.empty() ? -1 : std::strtoll(s.c_str(), &end, 10);
  SVG2_CHECK(errno == 0 && end != nullptr && *end == '\0' && mib >= 16 && mib <= 1048576,
             "SVG2_CUDA_ARENA_BUDGET_MB must be a whole number of MiB in [16, 1048576], got '{}'", s);
  return static_cast<std::size_t>(mib) << 20;
}

std::vector<AttentionChunk> plan_attention_chunks(
    std::int64_t batch, std::int64_t heads, bool same_iterations, std::size_t budget_bytes,
    const std::function<std::size_t(std::int64_t)>& arena_bytes) {
  std::vector<AttentionChunk> chunks;
  if (batch < 1 || heads < 1) return chunks;
  // Whole batch elements per chunk: as many as fit (all of them only when they share iterations).
  std::int64_t elements = same_iterations ? batch : 1;
  while (elements > 1 && arena_bytes(elements * heads) > budget_bytes) --elements;
  if (arena_bytes(elements * heads) <= budget_bytes) {
    for (std::int64_t b = 0; b < batch; b += elements)
      chunks.push_back({b, std::min(elements, batch - b), 0, heads});
    return chunks;
  }
  // Head ranges of one element: the fewest equal ranges that fit.
  std::int64_t count = 2;
  std::int64_t per = (heads + count - 1) / count;
  while (per > 1 && arena_bytes(per) > budget_bytes) {
    ++count;
    per = (heads + count - 1) / count;
  }
  for (std::int64_t b = 0; b < batch; ++b)
    for (std::int64_t h = 0; h < heads; h += per) chunks.push_back({b, 1, h, std::min(per, heads - h)});
  return chunks;
}

}  // namespace svg2::attention

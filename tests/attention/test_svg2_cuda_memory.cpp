// Device-memory plan of the CUDA SVG2 backend, checked on the host (issue #8: the sparse step's peak
// must stay within dense + 5%): the arena for the Wan 14B 720p call, the chunk planner, and the
// low-memory cold start and telemetry helpers against the reference functions they replace.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "attention/kmeans.h"
#include "attention/svg2_cuda_backend_arena.h"
#include "attention/svg2_cuda_backend_inertia.h"
#include "attention/svg2_cuda_backend_start.h"
#include "svg2/error.h"

namespace svg2::attention {
namespace {

constexpr std::size_t kGiB = std::size_t{1} << 30;

// Wan2.1-14B at 1280x720, 81 frames, CFG: B = 2, H = 40, S = 75,600, D = 128, QC 300, KC 1000.
constexpr std::int64_t kBatch = 2, kHeads = 40, kTokens = 75600, kDim = 128, kQc = 300, kKc = 1000,
                       kLayers = 40;

std::size_t arena_for(std::int64_t problems) {
  const ArenaShape s{problems, kTokens, kDim, kQc, kKc};
  return arena_layout(s, estimated_kernel_workspace_bytes(s)).total;
}

TEST(Svg2CudaMemory, Wan14bPersistentBytesStayWithinFivePercentOfTheDensePeak) {
  const std::vector<AttentionChunk> chunks =
      plan_attention_chunks(kBatch, kHeads, true, kDefaultSvg2ArenaBudgetBytes, arena_for);
  std::size_t arena = 0;
  for (const AttentionChunk& c : chunks) arena = std::max(arena, arena_for(c.problems()));
  const std::size_t cache = kLayers * kBatch * cached_centroid_bytes(kHeads, kQc, kKc, kDim);
  // Measured dense step peak on the H200: 42.1 GiB; the target is +5% (about 2.1 GiB) for everything
  // the sparse step keeps on top (arena + centroid cache). Before issue #8: one arena for all 80
  // problems with 25% headroom (about 4.5 GB) plus an fp32 cache (2.1 GB).
  const double budget = 0.05 * 42.1 * static_cast<double>(kGiB);
  std::printf("[memory] Wan 14B 720p: %zu chunks, arena %zu B (unchunked %zu B), bf16 centroid cache %zu B\n",
              chunks.size(), arena, arena_for(kBatch * kHeads), cache);
  EXPECT_LE(static_cast<double>(arena + cache), budget) << "arena " << arena << " B, cache " << cache << " B";
  EXPECT_LE(arena, kDefaultSvg2ArenaBudgetBytes);
  EXPECT_EQ(cache, std::size_t{1064960000});  // 40 layers x 2 branches x 40 heads x 1300 x 128 x bf16
  // The unchunked arena alone is over the budget: the plan must split this call.
  EXPECT_GT(arena_for(kBatch * kHeads), kDefaultSvg2ArenaBudgetBytes);
  EXPECT_GT(chunks.size(), 2u);
}

TEST(Svg2CudaMemory, ArenaBuffersAreAlignedAndDisjoint) {
  const ArenaShape s{6, 1000, 64, 10, 30};
  const ArenaLayout l = arena_layout(s, estimated_kernel_workspace_bytes(s));
  struct Buffer {
    std::size_t at, bytes;
  };
  const std::size_t tok = 6 * 1000, pairs = 6 * 10 * 30;
  std::vector<Buffer> b = {{l.q_labels, tok * 4},
                           {l.k_labels, tok * 4},
                           {l.q_perm, tok * 4},
                           {l.k_perm, tok * 4},
                           {l.q_sizes, 60 * 4},
                           {l.q_offsets, 60 * 4},
                           {l.k_sizes, 180 * 4},
                           {l.k_offsets, 180 * 4},
                           {l.block_counts, 60 * 4},
                           {l.row_tokens, 60 * 4},
                           {l.block_keys, pairs * 4},
                           {l.mask, pairs},
                           {l.k_sorted, tok * 64 * 2},
                           {l.v_sorted, tok * 64 * 2},
                           {l.q_centroids, 60 * 64 * 4},
                           {l.k_centroids, 180 * 64 * 4},
                           {l.density, 6 * 4},
                           {l.pairs, 6 * 8},
                           {l.kmeans_ws, l.workspace.kmeans},
                           {l.select_ws, l.workspace.select},
                           {l.attend_ws, l.workspace.attend}};
  std::sort(b.begin(), b.end(), [](const Buffer& x, const Buffer& y) { return x.at < y.at; });
  for (std::size_t i = 0; i < b.size(); ++i) {
    EXPECT_EQ(b[i].at % 256, 0u);
    if (i + 1 < b.size()) EXPECT_LE(b[i].at + b[i].bytes, b[i + 1].at);
  }
  EXPECT_GE(l.total, b.back().at + b.back().bytes);
}

// Every (element, head) exactly once, in order, each chunk within budget when possible.
void expect_covers(const std::vector<AttentionChunk>& chunks, std::int64_t batch, std::int64_t heads) {
  std::vector<int> seen(static_cast<std::size_t>(batch * heads), 0);
  for (const AttentionChunk& c : chunks) {
    ASSERT_TRUE(c.batch_count == 1 || (c.head_begin == 0 && c.head_count == heads));
    for (std::int64_t b = c.batch_begin; b < c.batch_begin + c.batch_count; ++b)
      for (std::int64_t h = c.head_begin; h < c.head_begin + c.head_count; ++h) ++seen[b * heads + h];
  }
  for (int s : seen) EXPECT_EQ(s, 1);
}

TEST(Svg2CudaMemory, ChunkPlanUsesTheLargestChunksThatFit) {
  const auto per_problem = [](std::int64_t p) { return static_cast<std::size_t>(p) * 100; };
  // Everything fits: one chunk.
  auto c = plan_attention_chunks(2, 12, true, 2400, per_problem);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0], (AttentionChunk{0, 2, 0, 12}));
  // Not when the elements run different iteration counts (cold and warm branches).
  c = plan_attention_chunks(2, 12, false, 2400, per_problem);
  ASSERT_EQ(c.size(), 2u);
  expect_covers(c, 2, 12);
  // Whole elements when one fits.
  c = plan_attention_chunks(3, 12, true, 2500, per_problem);
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0], (AttentionChunk{0, 2, 0, 12}));
  EXPECT_EQ(c[1], (AttentionChunk{2, 1, 0, 12}));
  // Equal head ranges otherwise: 40 heads in 10-head ranges at 1000 bytes.
  c = plan_attention_chunks(2, 40, true, 1000, per_problem);
  ASSERT_EQ(c.size(), 8u);
  for (const AttentionChunk& x : c) EXPECT_EQ(x.head_count, 10);
  expect_covers(c, 2, 40);
  // Uneven: 7 heads at 300 bytes -> ranges of 3, 3, 1.
  c = plan_attention_chunks(1, 7, true, 300, per_problem);
  expect_covers(c, 1, 7);
  for (const AttentionChunk& x : c) EXPECT_LE(per_problem(x.problems()), 300u);
  // A budget below one head still runs one head at a time.
  c = plan_attention_chunks(2, 3, true, 10, per_problem);
  ASSERT_EQ(c.size(), 6u);
  expect_covers(c, 2, 3);
}

TEST(Svg2CudaMemory, ArenaBudgetFromTheEnvironmentIsCheckedMiB) {
  EXPECT_EQ(arena_budget_from_mib_text("1024"), std::size_t{1} << 30);
  for (const char* bad : {"", "abc", "12", "512MB", "-1", "99999999"}) {
    try {
      (void)arena_budget_from_mib_text(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const svg2::Error& e) {
      EXPECT_NE(std::string(e.what()).find("SVG2_CUDA_ARENA_BUDGET_MB"), std::string::npos) << e.what();
    }
  }
}

TEST(Svg2CudaMemory, RandomStartCentroidsAreTheReferenceTokensWithoutAnFp32Copy) {
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(11);
  // [B, S, H, D] storage seen as [B, H, S, D], as the DiT passes it; one element's [H, S, D] view.
  const at::Tensor storage = at::randn({2, 50, 3, 16}, gen).to(at::kBFloat16);
  const at::Tensor x = storage.transpose(1, 2)[1];
  ASSERT_FALSE(x.is_contiguous());
  for (const std::int64_t clusters : {7, 50, 120}) {  // C > S repeats tokens, as the reference does
    const at::Tensor ours = random_start_centroids(x, clusters, 99);
    EXPECT_EQ(ours.scalar_type(), at::kBFloat16);
    EXPECT_TRUE(at::equal(ours.to(at::kFloat), kmeans_init_random(x, clusters, 99))) << clusters;
  }
  EXPECT_FALSE(at::equal(random_start_centroids(x, 7, 99), random_start_centroids(x, 7, 100)));
}

TEST(Svg2CudaMemory, GroupedInertiaMatchesTheReference) {
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(12);
  const at::Tensor storage = at::randn({40, 5, 16}, gen).to(at::kBFloat16);  // [S, N, D]
  const at::Tensor x = storage.transpose(0, 1);                              // [N, S, D], strided
  const at::Tensor centroids = at::randn({5, 6, 16}, gen);
  const at::Tensor labels = at::randint(0, 6, {5, 40}, gen, at::kLong);
  const at::Tensor expected = kmeans_inertia(x, labels, centroids);
  // One problem per group (tiny group budget), two per group, all at once; int32 labels as the
  // kernels write them.
  for (const std::size_t group : {std::size_t{1}, std::size_t{2 * 40 * 16 * 4}, std::size_t{1} << 30}) {
    const at::Tensor got = grouped_kmeans_inertia(x, labels.to(at::kInt), centroids, group);
    EXPECT_TRUE(at::allclose(got, expected, 1e-5, 1e-4)) << group;
  }
}

}  // namespace
}  // namespace svg2::attention

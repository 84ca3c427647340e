// GPU tests of the batched k-means kernels (svg2k/kmeans.h) on odd shapes: the assignment against
// the LibTorch reference, and whole Lloyd runs against the invariants a caller relies on (sizes count the
// labels, the permutation is the stable argsort, offsets are the exclusive prefix, centroids are the label
// means, empty clusters keep theirs, deterministic). Fresh random inputs each run (seed printed;
// SVG2_TEST_SEED reproduces). Skips without a GPU.
#include <gtest/gtest.h>

#include "svg2/build_config.h"

#if SVG2_CUDA_BACKEND

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/TensorOperators.h>
#include <ATen/core/Generator.h>
#include <ATen/ops/bincount.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/full.h>
#include <ATen/ops/randn.h>
#include <c10/cuda/CUDAStream.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "attention/kmeans.h"
#include "attention/permutation.h"
#include "gpu_test_util.h"
#include "svg2k/kmeans.h"
#include "svg2k/status.h"

namespace svg2::attention {
namespace {

using gpu_test::fresh_seed;
using gpu_test::kCuda;

struct Shape {
  std::int64_t problems, tokens, dim, clusters;
};

// Token counts that are no multiple of any tile, C = 1, C > S, a single token, centroid tile
// counts 1 to 8, and cluster counts around the Hopper tile widths (128, 144, 152: e.g. 153 = 152 + 1
// in two 152-wide tiles, 289 = 2 x 144 + 1, 305 = 2 x 152 + 1), none of them a multiple of the width.
const std::vector<Shape> kShapes = {{3, 10000, 128, 300}, {2, 4099, 64, 1000}, {5, 257, 128, 1},
                                    {2, 100, 64, 150},    {1, 1, 128, 7},      {7, 3001, 128, 513},
                                    {4, 2333, 64, 385},   {2, 1111, 128, 153}, {3, 1500, 64, 289},
                                    {2, 999, 128, 305},   {1, 700, 128, 1009}};

svg2k::KMeansShape kshape(const Shape& c) {
  return {static_cast<int>(c.problems), static_cast<int>(c.tokens), static_cast<int>(c.dim),
          static_cast<int>(c.clusters)};
}

svg2k::TokenView tokens_of(const at::Tensor& x) {
  return svg2k::contiguous_tokens(static_cast<const void*>(x.data_ptr()), static_cast<int>(x.size(1)),
                                  static_cast<int>(x.size(2)));
}

at::Tensor workspace_for(const Shape& c) {
  return at::empty({static_cast<std::int64_t>(svg2k::kmeans_workspace_bytes(kshape(c)))},
                   at::TensorOptions().dtype(at::kByte).device(kCuda));
}

at::Tensor assign_labels(const Shape& c, const at::Tensor& x, const at::Tensor& centroids) {
  at::Tensor ws = workspace_for(c);
  at::Tensor labels = at::full({c.problems, c.tokens}, -1, at::TensorOptions().dtype(at::kInt).device(kCuda));
  const svg2k::Status st =
      svg2k::kmeans_assign_only(kshape(c), tokens_of(x), centroids.data_ptr<float>(), labels.data_ptr<int>(),
                                ws.data_ptr(), ws.numel(), c10::cuda::getCurrentCUDAStream().stream());
  EXPECT_TRUE(st.ok()) << st.what;
  return labels.to(at::kLong);
}

TEST(GpuKMeansAssign, MatchesReferenceOnOddShapes) {
  SKIP_WITHOUT_GPU();
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(fresh_seed("assign-odd"));
  for (const Shape& c : kShapes) {
    SCOPED_TRACE(testing::Message() << "N " << c.problems << " S " << c.tokens << " D " << c.dim << " C "
                                    << c.clusters);
    const at::Tensor x = at::randn({c.problems, c.tokens, c.dim}, gen).to(kCuda, at::kBFloat16);
    // bf16-representable centroids: the kernel multiplies bf16 copies, the reference the fp32 values.
    const at::Tensor centroids =
        at::randn({c.problems, c.clusters, c.dim}, gen).to(at::kBFloat16).to(kCuda, at::kFloat).contiguous();
    const at::Tensor mine = assign_labels(c, x, centroids);
    ASSERT_TRUE((mine >= 0).all().item<bool>() && (mine < c.clusters).all().item<bool>());

    // Against the fp32 reference: disagreements only on near-ties (bf16 centroids, summation order).
    const at::Tensor ref = kmeans_assign(x, centroids);
    const at::Tensor differ = mine != ref;
    EXPECT_LE(differ.to(at::kDouble).mean().item<double>(), 0.01);
    if (differ.any().item<bool>()) {
      const at::Tensor xf = x.to(at::kFloat);
      const auto dist = [&](const at::Tensor& l) {
        return (xf - centroids.gather(1, l.unsqueeze(-1).expand({c.problems, c.tokens, c.dim})))
            .pow(2)
            .sum(-1);
      };
      const at::Tensor gap = (dist(mine) - dist(ref)).abs() / dist(ref).clamp_min(1e-6);
      EXPECT_LE(gap.masked_select(differ).max().item<double>(), 1e-3);
    }
  }
}

struct RunResult {
  at::Tensor centroids, labels, sizes, offsets, permutation;
};

RunResult run_kmeans(const Shape& c, const at::Tensor& x, const at::Tensor& init, int iterations) {
  const auto ints = at::TensorOptions().dtype(at::kInt).device(kCuda);
  RunResult r{init.clone(), at::full({c.problems, c.tokens}, -1, ints),
              at::full({c.problems, c.clusters}, -1, ints), at::full({c.problems, c.clusters}, -1, ints),
              at::full({c.problems, c.tokens}, -1, ints)};
  at::Tensor ws = workspace_for(c);
  const svg2k::KMeansBuffers b{r.centroids.data_ptr<float>(), r.labels.data_ptr<int>(),
                               r.sizes.data_ptr<int>(), r.offsets.data_ptr<int>(),
                               r.permutation.data_ptr<int>()};
  const svg2k::Status st = svg2k::kmeans_run(kshape(c), tokens_of(x), iterations, b, ws.data_ptr(),
                                             ws.numel(), c10::cuda::getCurrentCUDAStream().stream());
  EXPECT_TRUE(st.ok()) << st.what;
  return r;
}

TEST(GpuKMeansRun, OddShapesKeepTheInvariantsAndEmptyClustersKeepTheirCentroids) {
  SKIP_WITHOUT_GPU();
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(fresh_seed("kmeans-run-odd"));
  for (const Shape& c : kShapes) {
    SCOPED_TRACE(testing::Message() << "N " << c.problems << " S " << c.tokens << " D " << c.dim << " C "
                                    << c.clusters);
    const at::Tensor x = at::randn({c.problems, c.tokens, c.dim}, gen).to(kCuda, at::kBFloat16);
    at::Tensor init = at::randn({c.problems, c.clusters, c.dim}, gen).to(kCuda).contiguous();
    // The last centroid of every problem sits far away: it never wins a token, so it stays empty.
    if (c.clusters > 1) init.select(1, c.clusters - 1).fill_(1000.f);
    const RunResult r = run_kmeans(c, x, init, 2);
    const at::Tensor labels = r.labels.to(at::kLong), sizes = r.sizes.to(at::kLong);
    for (std::int64_t n = 0; n < c.problems; ++n)
      EXPECT_TRUE(sizes[n].equal(at::bincount(labels[n], {}, c.clusters))) << "problem " << n;
    EXPECT_TRUE(r.permutation.to(at::kLong).equal(cluster_permutation(labels)));
    EXPECT_TRUE(r.offsets.to(at::kLong).equal(cluster_offsets(sizes).narrow(1, 0, c.clusters)));
    const KMeansUpdate means = kmeans_update(x, labels, r.centroids);
    EXPECT_LE((r.centroids - means.centroids).abs().max().item<double>(), 1e-5);
    if (c.clusters > 1) {
      EXPECT_TRUE((sizes.select(1, c.clusters - 1) == 0).all().item<bool>());
      EXPECT_TRUE(r.centroids.select(1, c.clusters - 1).equal(init.select(1, c.clusters - 1)));
    }
    // Deterministic.
    const RunResult again = run_kmeans(c, x, init, 2);
    EXPECT_TRUE(again.centroids.equal(r.centroids));
    EXPECT_TRUE(again.permutation.equal(r.permutation));
  }
}

// Exact ties go to the lowest centroid index: duplicated centroids (the same bf16 values) in pairs
// that differ in every part of the index the kernels split (the column pair of one lane, the lane in a
// quad, the column block, the centroid tile) and tokens equal to the lower copy, whose nearest
// centroids are then exactly the two copies. Also a cluster of one token: a centroid on a far-away
// token keeps exactly that token through a Lloyd run, and its centroid becomes the token.
TEST(GpuKMeansAssign, ExactTiesGoToTheLowestIndexAndSingleTokenClustersStay) {
  SKIP_WITHOUT_GPU();
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(fresh_seed("assign-ties"));
  const std::vector<Shape> shapes = {{3, 2049, 128, 300}, {2, 1537, 64, 300},  {2, 3001, 128, 1000},
                                     {2, 517, 64, 1000},  {2, 1000, 128, 513}, {1, 400, 128, 129}};
  for (const Shape& c : shapes) {
    SCOPED_TRACE(testing::Message() << "N " << c.problems << " S " << c.tokens << " D " << c.dim << " C "
                                    << c.clusters);
    const std::int64_t C = c.clusters;
    // (lower, higher) copies: same lane and j (16, 17); same lane, next j (5, 13); neighbouring lanes
    // (6, 8) and (1, 2); the next 128- / 144- / 152-wide tile (20, 131), (21, 149), (22, 157), where C
    // has them; the last centroid.
    std::vector<std::pair<std::int64_t, std::int64_t>> pairs = {{16, 17}, {5, 13}, {6, 8}, {1, 2}};
    for (const auto& pr : {std::pair<std::int64_t, std::int64_t>{20, 131}, {21, 149}, {22, 157}})
      if (pr.second < C - 2) pairs.push_back(pr);
    pairs.push_back({30, C - 1});
    at::Tensor x = at::randn({c.problems, c.tokens, c.dim}, gen).to(at::kBFloat16);
    at::Tensor centroids = at::randn({c.problems, C, c.dim}, gen).to(at::kBFloat16).to(at::kFloat);
    std::vector<std::pair<std::int64_t, std::int64_t>> forced;  // (token, expected label)
    std::int64_t token = 3;
    for (const auto& [lo, hi] : pairs) {
      centroids.select(1, hi).copy_(centroids.select(1, lo));
      for (int r = 0; r < 3 && token < c.tokens; ++r, token += 7) {
        x.select(1, token).copy_(centroids.select(1, lo).to(at::kBFloat16));
        forced.push_back({token, lo});
      }
    }
    const at::Tensor mine = assign_labels(c, x.to(kCuda), centroids.to(kCuda).contiguous()).cpu();
    const at::Tensor ref = kmeans_assign(x, centroids);  // the engine's CPU path
    for (const auto& [s, lo] : forced) {
      for (std::int64_t n = 0; n < c.problems; ++n) {
        EXPECT_EQ(mine[n][s].item<std::int64_t>(), lo) << "problem " << n << " token " << s;
        EXPECT_EQ(ref[n][s].item<std::int64_t>(), lo) << "reference, problem " << n << " token " << s;
      }
    }
    EXPECT_LE((mine != ref).to(at::kDouble).mean().item<double>(), 0.01);

    // A single-token cluster: token 0 far away, centroid C - 2 on it.
    if (C >= 3) {
      x.select(1, 0).fill_(40.f);
      at::Tensor init = centroids.clone();
      init.select(1, C - 2).copy_(x.select(1, 0).to(at::kFloat));
      const RunResult r = run_kmeans(c, x.to(kCuda), init.to(kCuda).contiguous(), 2);
      const at::Tensor sizes = r.sizes.cpu(), labels = r.labels.cpu();
      for (std::int64_t n = 0; n < c.problems; ++n) {
        EXPECT_EQ(sizes[n][C - 2].item<int>(), 1) << "problem " << n;
        EXPECT_EQ(labels[n][0].item<int>(), C - 2) << "problem " << n;
      }
      EXPECT_TRUE(r.centroids.select(1, C - 2).cpu().equal(x.select(1, 0).to(at::kFloat)));
    }
  }
}

// On Hopper, cluster counts of exactly two centroid tiles (C in (N, 2 N] for the chosen width N: e.g.
// QC 300 as 2 x 152) run the resident-centroid assignment (one persistent block per SM, 256-token
// items, double-buffered tokens per warpgroup, centroids reloaded where a block's items cross into
// the next problem); SVG2K_KMEANS_ASSIGN=stream runs the per-128-token kernel instead. Both compute
// the same products, offsets and keys, so every output of a Lloyd run must be identical: labels, sizes,
// offsets, permutation, centroids (outputs poisoned first). Shapes: all three widths and both head dims,
// token counts that leave a partial last item or warpgroup (1, 127, 129, 4099), one item per problem for 40
// problems (blocks spanning several problems), and enough items per block to cycle the stages.
TEST(GpuKMeansAssign, ResidentCentroidsMatchTheStreamingKernel) {
  SKIP_WITHOUT_GPU();
  if (svg2k::current_device_arch() != 90) GTEST_SKIP() << "the resident assignment is Hopper-only";
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(fresh_seed("assign-resident"));
  const std::vector<Shape> shapes = {
      {2, 4099, 128, 300},  {3, 129, 128, 153},   {2, 127, 64, 289},  {1, 1, 128, 300},   {40, 77, 128, 300},
      {40, 2000, 128, 257}, {2, 75600, 128, 300}, {5, 3001, 64, 200}, {7, 999, 128, 304}, {3, 1500, 64, 145}};
  for (const Shape& c : shapes) {
    SCOPED_TRACE(testing::Message() << "N " << c.problems << " S " << c.tokens << " D " << c.dim << " C "
                                    << c.clusters);
    const at::Tensor x = at::randn({c.problems, c.tokens, c.dim}, gen).to(kCuda, at::kBFloat16);
    const at::Tensor init =
        at::randn({c.problems, c.clusters, c.dim}, gen).to(at::kBFloat16).to(kCuda, at::kFloat).contiguous();
    unsetenv("SVG2K_KMEANS_ASSIGN");
    const at::Tensor labels = assign_labels(c, x, init);
    const RunResult resident = run_kmeans(c, x, init, 2);
    setenv("SVG2K_KMEANS_ASSIGN", "stream", 1);
    const at::Tensor labels_stream = assign_labels(c, x, init);
    const RunResult stream = run_kmeans(c, x, init, 2);
    unsetenv("SVG2K_KMEANS_ASSIGN");
    ASSERT_TRUE((labels >= 0).all().item<bool>() && (labels < c.clusters).all().item<bool>());
    EXPECT_TRUE(labels.equal(labels_stream));
    EXPECT_TRUE(resident.labels.equal(stream.labels));
    EXPECT_TRUE(resident.sizes.equal(stream.sizes));
    EXPECT_TRUE(resident.offsets.equal(stream.offsets));
    EXPECT_TRUE(resident.permutation.equal(stream.permutation));
    EXPECT_TRUE(resident.centroids.equal(stream.centroids));
    EXPECT_EQ(resident.sizes.sum().item<std::int64_t>(), c.problems * c.tokens);
  }
}

// The per-block Hopper assignment's two variants (SVG2K_KMEANS_KTILE): the default (wgmma descriptors
// as one add per k-step, norms by cp.async) and s13 (descriptors rebuilt per k-step, norms by plain
// loads) compute the same products and keys, so labels and every output of a Lloyd run must be
// identical. SVG2K_KMEANS_ASSIGN=stream keeps C in (N, 2 N] on the per-block kernel. Shapes: all three
// widths (1000 / 385 / 513 as 144, 1009 / 4096 / 256 as 128, 300 / 600 / 145 as 152), both head dims,
// odd S, C > S (empty and single-token clusters), 40 problems, the 14B K shape; duplicated centroids
// within a tile's first and second halves and across tiles, with tokens on them (exact ties: the lower
// index must win).
TEST(GpuKMeansAssign, TileVariantsMatchBitForBit) {
  SKIP_WITHOUT_GPU();
  if (svg2k::current_device_arch() != 90) GTEST_SKIP() << "the variants are Hopper-only";
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(fresh_seed("assign-variants"));
  const std::vector<Shape> shapes = {{2, 4099, 128, 1000}, {3, 257, 64, 1000},  {1, 77, 128, 1009},
                                     {2, 999, 128, 385},   {5, 3001, 64, 513},  {2, 2000, 128, 4096},
                                     {3, 129, 64, 300},    {2, 1500, 128, 256}, {40, 300, 128, 1000},
                                     {2, 1111, 128, 600},  {1, 1, 128, 145},    {2, 75600, 128, 1000}};
  const char* variants[] = {"s13", ""};  // "" = the default
  for (const Shape& c : shapes) {
    SCOPED_TRACE(testing::Message() << "N " << c.problems << " S " << c.tokens << " D " << c.dim << " C "
                                    << c.clusters);
    const std::int64_t C = c.clusters;
    at::Tensor x = at::randn({c.problems, c.tokens, c.dim}, gen).to(at::kBFloat16);
    at::Tensor init = at::randn({c.problems, C, c.dim}, gen).to(at::kBFloat16).to(at::kFloat);
    std::vector<std::pair<std::int64_t, std::int64_t>> forced;  // (token, lower duplicate)
    std::int64_t token = 2;
    for (const auto& [lo, hi] : std::vector<std::pair<std::int64_t, std::int64_t>>{
             {3, 60}, {4, 75}, {70, 74}, {71, 150}, {6, 200}, {10, C - 1}}) {
      if (hi >= C || lo >= hi) continue;
      init.select(1, hi).copy_(init.select(1, lo));
      for (int r = 0; r < 2 && token < c.tokens; ++r, token += 5) {
        x.select(1, token).copy_(init.select(1, lo).to(at::kBFloat16));
        forced.push_back({token, lo});
      }
    }
    const at::Tensor xd = x.to(kCuda), initd = init.to(kCuda).contiguous();
    setenv("SVG2K_KMEANS_ASSIGN", "stream", 1);
    at::Tensor labels[2];
    RunResult runs[2];
    for (int v = 0; v < 2; ++v) {
      setenv("SVG2K_KMEANS_KTILE", variants[v], 1);
      labels[v] = assign_labels(c, xd, initd);
      runs[v] = run_kmeans(c, xd, initd, 2);
    }
    unsetenv("SVG2K_KMEANS_KTILE");
    unsetenv("SVG2K_KMEANS_ASSIGN");
    ASSERT_TRUE((labels[0] >= 0).all().item<bool>() && (labels[0] < C).all().item<bool>());
    const at::Tensor l0 = labels[0].cpu();
    for (const auto& [s, lo] : forced)
      for (std::int64_t n = 0; n < c.problems; ++n)
        EXPECT_EQ(l0[n][s].item<std::int64_t>(), lo) << "problem " << n << " token " << s;
    EXPECT_TRUE(labels[1].equal(labels[0]));
    EXPECT_TRUE(runs[1].labels.equal(runs[0].labels));
    EXPECT_TRUE(runs[1].sizes.equal(runs[0].sizes));
    EXPECT_TRUE(runs[1].offsets.equal(runs[0].offsets));
    EXPECT_TRUE(runs[1].permutation.equal(runs[0].permutation));
    EXPECT_TRUE(runs[1].centroids.equal(runs[0].centroids));
  }
}

}  // namespace
}  // namespace svg2::attention

#else

TEST(GpuKMeansAssign, BuiltWithoutCudaBackend) {
  GTEST_SKIP() << "built without the CUDA backend (SVG2_WITH_CUDA off or no nvcc)";
}

#endif  // SVG2_CUDA_BACKEND

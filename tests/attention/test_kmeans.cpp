#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "attention/cluster_counts.h"
#include "attention/kmeans.h"
#include "svg2/error.h"

namespace svg2::attention {
namespace {

at::Tensor points(std::int64_t n, std::int64_t s, std::int64_t d, std::uint64_t seed) {
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  return at::randn({n, s, d}, gen, at::kFloat);
}

TEST(KMeans, RandomInitPicksDistinctTokensDeterministically) {
  const at::Tensor x = points(3, 50, 8, 1);
  const at::Tensor a = kmeans_init_random(x, 20, 7);
  const at::Tensor b = kmeans_init_random(x, 20, 7);
  const at::Tensor c = kmeans_init_random(x, 20, 8);
  EXPECT_TRUE(at::equal(a, b));
  EXPECT_FALSE(at::equal(a, c));
  for (int n = 0; n < 3; ++n) {
    // Every centroid is one of the tokens, and no token is picked twice.
    const at::Tensor d = (a[n].unsqueeze(1) - x[n].unsqueeze(0)).pow(2).sum(-1);  // [C, S], exact
    const at::Tensor hit = std::get<1>(d.min(1));
    EXPECT_TRUE(at::equal(std::get<0>(d.min(1)), at::zeros({20})));
    EXPECT_EQ(std::get<0>(at::_unique(hit)).numel(), 20);
  }
}

TEST(KMeans, PlusPlusInitIsDeterministicAndSpreadsOut) {
  // Two far-apart blobs: k-means++ with 2 centres must put one in each (the D^2 draw).
  at::Tensor x = points(1, 40, 4, 2) * 0.01;
  x.narrow(1, 20, 20).add_(100.0);
  const at::Tensor a = kmeans_init_plus_plus(x, 2, 3);
  EXPECT_TRUE(at::equal(a, kmeans_init_plus_plus(x, 2, 3)));
  const at::Tensor mean = a[0].mean(1);  // per-centre mean coordinate
  EXPECT_NEAR(std::min(mean[0].item<float>(), mean[1].item<float>()), 0.0, 1.0);
  EXPECT_NEAR(std::max(mean[0].item<float>(), mean[1].item<float>()), 100.0, 1.0);
}

TEST(KMeans, PlusPlusInitPutsACentreInEveryWellSeparatedBlob) {
  // 128 problems, each with five far-apart blobs: four of 99 tokens and one of 4. A single D² draw
  // misses the small blob with a few percent probability once the big ones are covered (their
  // spread adds up: plain k-means++ misses it in ~3 of 128 problems, simulated); the greedy init
  // (best of several draws) must give every blob a centre.
  const std::int64_t n = 128, d = 8, blobs = 5;
  const std::vector<std::int64_t> sizes{99, 99, 99, 99, 4};
  std::vector<std::int64_t> blob_of;
  for (std::int64_t b = 0; b < blobs; ++b) blob_of.insert(blob_of.end(), sizes[b], b);
  const at::Tensor which = at::tensor(blob_of, at::kLong);    // [S]
  const at::Tensor centres = points(n, blobs, d, 11) * 10.0;  // [N, 5, D]
  const at::Tensor x = centres.index_select(1, which) + points(n, which.size(0), d, 12) * 0.15;
  const at::Tensor init = kmeans_init_plus_plus(x, blobs, 5);
  for (std::int64_t p = 0; p < n; ++p) {
    // Each chosen token's blob: the nearest true centre.
    const at::Tensor dist = (init[p].unsqueeze(1) - centres[p].unsqueeze(0)).pow(2).sum(-1);  // [C, 5]
    const at::Tensor hit = std::get<1>(dist.min(1));
    EXPECT_EQ(std::get<0>(at::_unique(hit)).numel(), blobs) << "problem " << p;
  }
}

TEST(KMeans, AssignMatchesBruteForce) {
  const at::Tensor x = points(2, 64, 16, 3);
  const at::Tensor c = points(2, 10, 16, 4);
  const at::Tensor expected = std::get<1>(at::cdist(x, c).min(-1));
  EXPECT_TRUE(at::equal(kmeans_assign(x, c), expected));
}

TEST(KMeans, ObjectiveNeverIncreasesAndSizesSumToS) {
  const at::Tensor x = points(4, 200, 8, 5);
  KMeansResult r = kmeans(x, kmeans_init_random(x, 12, 0), 1);
  for (int it = 0; it < 15; ++it) {
    KMeansResult next = kmeans(x, r.centroids, 1);
    EXPECT_TRUE((next.inertia <= r.inertia * (1 + 1e-6) + 1e-6).all().item<bool>()) << "iteration " << it;
    r = std::move(next);
  }
  EXPECT_TRUE(at::equal(r.sizes.sum(1), at::full({4}, 200, at::kLong)));
  EXPECT_EQ(r.labels.min().item<std::int64_t>() >= 0, true);
  EXPECT_LT(r.labels.max().item<std::int64_t>(), 12);
  // Centroids are the means of their clusters; inertia is measured against them.
  EXPECT_TRUE(at::allclose(r.inertia, kmeans_inertia(x, r.labels, r.centroids)));
  for (std::int64_t c = 0; c < 12; ++c) {
    const at::Tensor members = x[0].index({r.labels[0] == c});
    if (members.size(0) > 0) EXPECT_TRUE(at::allclose(members.mean(0), r.centroids[0][c], 1e-4, 1e-5));
  }
}

TEST(KMeans, EmptyClusterKeepsItsCentroid) {
  at::Tensor x = points(1, 30, 3, 6);
  at::Tensor init = at::zeros({1, 3, 3});
  init[0][0].copy_(x[0][0]);
  init[0][1].copy_(x[0][1]);
  init[0][2].fill_(1e4);  // far from every token: never assigned
  const KMeansResult r = kmeans(x, init, 3);
  EXPECT_EQ(r.sizes[0][2].item<std::int64_t>(), 0);
  EXPECT_TRUE(at::equal(r.centroids[0][2], init[0][2]));
  EXPECT_EQ(r.sizes.sum().item<std::int64_t>(), 30);
}

TEST(KMeans, OneTokenPerClusterIsExact) {
  const at::Tensor x = points(2, 9, 5, 7);
  const KMeansResult r = kmeans(x, kmeans_init_random(x, 9, 1), 2);
  EXPECT_TRUE(at::equal(r.sizes, at::ones({2, 9}, at::kLong)));
  EXPECT_TRUE(at::allclose(r.inertia, at::zeros({2}), 0, 1e-6));
}

TEST(KMeans, ZeroIterationsOnlyAssigns) {
  const at::Tensor x = points(1, 20, 4, 8);
  const at::Tensor c = points(1, 5, 4, 9);
  const KMeansResult r = kmeans(x, c, 0);
  EXPECT_TRUE(at::equal(r.centroids, c));
  EXPECT_TRUE(at::equal(r.labels, kmeans_assign(x, c)));
  EXPECT_EQ(r.sizes.sum().item<std::int64_t>(), 20);
}

TEST(KMeans, DeterministicForASeed) {
  const at::Tensor x = points(2, 100, 8, 10);
  const KMeansResult a = kmeans(x, kmeans_init_random(x, 7, 42), 5);
  const KMeansResult b = kmeans(x, kmeans_init_random(x, 7, 42), 5);
  EXPECT_TRUE(at::equal(a.labels, b.labels));
  EXPECT_TRUE(at::equal(a.centroids, b.centroids));
}

TEST(KMeans, BadInputsRaiseClearErrors) {
  const at::Tensor x = points(1, 10, 4, 11);
  EXPECT_THROW(kmeans_init_random(x, 0, 0), svg2::Error);
  EXPECT_THROW(kmeans_init_random(x[0], 3, 0), svg2::Error);        // 2-D
  EXPECT_THROW(kmeans_assign(x, points(1, 3, 5, 0)), svg2::Error);  // D mismatch
  EXPECT_THROW(kmeans(x, points(1, 3, 4, 0), -1), svg2::Error);
  try {
    kmeans_assign(x, points(2, 3, 4, 0));
    FAIL();
  } catch (const svg2::Error& e) {
    EXPECT_NE(std::string(e.what()).find("[N=1, C>=1, D=4]"), std::string::npos) << e.what();
  }
}

TEST(ClusterCounts, ScaleDownWhenFewerTokensThanClusters) {
  EXPECT_EQ(effective_cluster_counts(75600, 300, 1000).query, 300);
  EXPECT_EQ(effective_cluster_counts(75600, 300, 1000).key, 1000);
  const ClusterCounts c = effective_cluster_counts(500, 300, 1000);
  EXPECT_EQ(c.query, 150);
  EXPECT_EQ(c.key, 500);
  const ClusterCounts tiny = effective_cluster_counts(2, 300, 1000);
  EXPECT_EQ(tiny.query, 1);
  EXPECT_EQ(tiny.key, 2);
  EXPECT_THROW(effective_cluster_counts(10, 0, 10), svg2::Error);
}

}  // namespace
}  // namespace svg2::attention

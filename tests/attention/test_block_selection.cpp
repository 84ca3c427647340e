#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "attention/block_selection.h"
#include "svg2/error.h"

namespace svg2::attention {
namespace {

at::Tensor row(std::initializer_list<float> v) {
  return at::tensor(std::vector<float>(v)).view({1, 1, -1});
}

std::vector<bool> kept(const at::Tensor& mask) {
  std::vector<bool> out;
  const at::Tensor m = mask.flatten();
  for (std::int64_t i = 0; i < m.numel(); ++i) out.push_back(m[i].item<bool>());
  return out;
}

TEST(BlockSelection, ScoresAreScaledCentroidDots) {
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(1);
  const at::Tensor cq = at::randn({2, 3, 16}, gen), ck = at::randn({2, 5, 16}, gen);
  EXPECT_TRUE(at::allclose(centroid_scores(cq, ck), at::bmm(cq, ck.transpose(1, 2)) / 4.0));
}

TEST(BlockSelection, MassIsSizeWeightedSoftmaxAndIgnoresEmptyClusters) {
  const at::Tensor s = at::tensor({0.0f, 1.0f, 2.0f, 5.0f}).view({1, 1, 4});
  const at::Tensor sizes = at::tensor({1, 3, 2, 0}, at::kLong).view({1, 4});
  const at::Tensor p = cluster_mass(s, sizes);
  const at::Tensor w = at::tensor({1.0f, 3.0f * std::exp(1.0f), 2.0f * std::exp(2.0f), 0.0f});
  EXPECT_TRUE(at::allclose(p.flatten(), w / w.sum()));
  EXPECT_EQ(p[0][0][3].item<float>(), 0.0f);
}

TEST(BlockSelection, TopPKeepsShortestPrefixReachingP) {
  const at::Tensor p = row({0.125f, 0.5f, 0.125f, 0.25f});  // order: 1, 3, 0, 2
  const KeyClusterBudget any{1, 4};
  EXPECT_EQ(kept(select_top_p(p, 0.5, any)), (std::vector<bool>{false, true, false, false}));
  EXPECT_EQ(kept(select_top_p(p, 0.75, any)), (std::vector<bool>{false, true, false, true}));
  EXPECT_EQ(kept(select_top_p(p, 0.76, any)), (std::vector<bool>{true, true, false, true}));
  EXPECT_EQ(kept(select_top_p(p, 0.01, any)),
            (std::vector<bool>{false, true, false, false}));  // top-1 always
  EXPECT_EQ(kept(select_top_p(p, 1.0, any)), (std::vector<bool>{true, true, true, true}));
  // Budget: never fewer than min, never more than max.
  EXPECT_EQ(kept(select_top_p(p, 0.01, {3, 4})), (std::vector<bool>{true, true, false, true}));
  EXPECT_EQ(kept(select_top_p(p, 1.0, {1, 2})), (std::vector<bool>{false, true, false, true}));
}

TEST(BlockSelection, TopPOneKeepsEveryClusterEvenWithRounding) {
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(2);
  const at::Tensor p = at::softmax(at::randn({3, 7, 500}, gen) * 10, -1);
  EXPECT_TRUE(select_top_p(p, 1.0, {1, 500}).all().item<bool>());
}

TEST(BlockSelection, DensityIsMonotoneInTopP) {
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(3);
  const at::Tensor sizes_k = at::randint(1, 20, {2, 50}, gen, at::kLong);
  const at::Tensor sizes_q = at::randint(1, 20, {2, 10}, gen, at::kLong);
  const at::Tensor mass = cluster_mass(at::randn({2, 10, 50}, gen) * 3, sizes_k);
  const KeyClusterBudget budget = key_cluster_budget(50, 0.1, 1.0);
  at::Tensor previous = at::zeros({2});
  for (double p = 0.05; p <= 1.0 + 1e-9; p += 0.05) {
    const at::Tensor d = block_density(select_top_p(mass, std::min(p, 1.0), budget), sizes_q, sizes_k);
    EXPECT_TRUE((d >= previous).all().item<bool>()) << "top_p " << p;
    previous = d;
  }
  EXPECT_TRUE(at::allclose(previous, at::ones({2})));
}

TEST(BlockSelection, FixedDensityLandsWithinOneClusterOfTarget) {
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(4);
  const at::Tensor sizes_k = at::randint(0, 30, {3, 40}, gen, at::kLong);
  const at::Tensor sizes_q = at::randint(1, 30, {3, 8}, gen, at::kLong);
  const at::Tensor mass = cluster_mass(at::randn({3, 8, 40}, gen), sizes_k);
  const at::Tensor s_k = sizes_k.sum(1).to(at::kDouble);
  const at::Tensor largest = std::get<0>(sizes_k.max(1)).to(at::kDouble);
  for (double target : {0.05, 0.25, 0.5, 0.9, 1.0}) {
    const at::Tensor mask = select_fixed_density(mass, sizes_k, target);
    // Each row covers at least target * S keys and overshoots by less than one key cluster.
    const at::Tensor covered =
        at::bmm(mask.to(at::kDouble), sizes_k.to(at::kDouble).unsqueeze(-1)).squeeze(-1);
    EXPECT_TRUE((covered >= s_k.unsqueeze(1) * target - 1e-9).all().item<bool>()) << target;
    EXPECT_TRUE((covered - s_k.unsqueeze(1) * target < largest.unsqueeze(1)).all().item<bool>()) << target;
    const at::Tensor d = block_density(mask, sizes_q, sizes_k).to(at::kDouble);
    EXPECT_TRUE((d >= target - 1e-6).all().item<bool>());
    EXPECT_TRUE((d - target < largest / s_k + 1e-6).all().item<bool>());
  }
}

TEST(BlockSelection, DensityFormula) {
  const at::Tensor mask = at::tensor({1, 0, 0, 1}).to(at::kBool).view({1, 2, 2});
  const at::Tensor qs = at::tensor({3, 1}, at::kLong).view({1, 2});
  const at::Tensor ks = at::tensor({2, 2}, at::kLong).view({1, 2});
  EXPECT_FLOAT_EQ(block_density(mask, qs, ks).item<float>(), (3 * 2 + 1 * 2) / 16.0f);
}

TEST(BlockSelection, BudgetFollowsTheRatios) {
  EXPECT_EQ(key_cluster_budget(1000, 0.1, 1.0).min_clusters, 100);
  EXPECT_EQ(key_cluster_budget(1000, 0.1, 1.0).max_clusters, 1000);
  EXPECT_EQ(key_cluster_budget(10, 0.0, 1.0).min_clusters, 1);
  EXPECT_EQ(key_cluster_budget(10, 0.0, 0.35).max_clusters, 3);
}

TEST(BlockSelection, InvalidSettingsRaise) {
  const at::Tensor p = row({0.5f, 0.5f});
  EXPECT_THROW(select_top_p(p, 0.0, {1, 2}), svg2::Error);
  EXPECT_THROW(select_top_p(p, 1.5, {1, 2}), svg2::Error);
  EXPECT_THROW(select_top_p(p, -0.2, {1, 2}), svg2::Error);
  EXPECT_THROW(select_fixed_density(p, at::ones({1, 2}, at::kLong), 0.0), svg2::Error);
  EXPECT_THROW(select_fixed_density(p, at::ones({1, 3}, at::kLong), 0.5), svg2::Error);
  EXPECT_THROW(key_cluster_budget(0, 0.1, 1.0), svg2::Error);
  EXPECT_THROW(cluster_mass(p, at::ones({1, 3}, at::kLong)), svg2::Error);
}

}  // namespace
}  // namespace svg2::attention

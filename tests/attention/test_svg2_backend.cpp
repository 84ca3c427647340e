#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "attention/baselines.h"
#include "attention/block_selection.h"
#include "attention/evaluation.h"
#include "attention/kmeans.h"
#include "attention/svg2_backend.h"
#include "attention/synthetic_qkv.h"
#include "attention_test_util.h"
#include "svg2/error.h"

namespace svg2::attention {
namespace {

using test::context;
using test::randn;
using test::small_svg2_config;

TEST(Svg2Backend, TopPOneWithEveryClusterEqualsDense) {
  AttentionConfig c = small_svg2_config();
  c.top_p = 1.0;
  Svg2Backend backend(c);
  const at::Tensor q = randn({2, 3, 120, 16}, 1), k = randn({2, 3, 120, 16}, 2),
                   v = randn({2, 3, 120, 16}, 3);
  const at::Tensor out = backend.forward(q, k, v, context());
  EXPECT_TRUE(at::allclose(out, at::scaled_dot_product_attention(q, k, v), 1e-4, 1e-5));
}

TEST(Svg2Backend, FewerTokensThanClustersWorks) {
  AttentionConfig c;  // reference defaults: QC 300, KC 1000
  c.top_p = 1.0;
  c.dense_steps = 0;
  c.dense_layers = 0;
  Svg2Backend backend(c);
  const at::Tensor q = randn({1, 2, 40, 8}, 4), k = randn({1, 2, 40, 8}, 5), v = randn({1, 2, 40, 8}, 6);
  std::vector<SparseLayout> layouts;
  const at::Tensor out = backend.forward_traced(q, k, v, context(), &layouts);
  EXPECT_TRUE(at::allclose(out, at::scaled_dot_product_attention(q, k, v), 1e-4, 1e-5));
  ASSERT_EQ(layouts.size(), 1u);
  EXPECT_EQ(layouts[0].q_sizes.size(1), 12);  // 300 * 40 / 1000
  EXPECT_EQ(layouts[0].k_sizes.size(1), 40);
  EXPECT_TRUE(at::equal(layouts[0].q_sizes.sum(1), at::full({2}, 40, at::kLong)));
}

TEST(Svg2Backend, SparseOutputIsCloseAndDensityBelowOne) {
  SyntheticQkvOptions o;
  o.frames = 2;
  o.height = 8;
  o.width = 8;
  const SyntheticQkv data = make_synthetic_qkv(o);
  AttentionConfig c = small_svg2_config();
  c.top_p = 0.9;
  c.min_kc_ratio = 0.0;
  Svg2Backend backend(c);
  std::vector<SparseLayout> layouts;
  const at::Tensor out = backend.forward_traced(data.q, data.k, data.v, context(), &layouts);
  const at::Tensor dense = at::scaled_dot_product_attention(data.q, data.k, data.v);
  const at::Tensor density = block_density(layouts[0].mask, layouts[0].q_sizes, layouts[0].k_sizes);
  EXPECT_TRUE((density < 0.9).all().item<bool>()) << density;
  EXPECT_LT(relative_l2_error(out, dense), 0.35);
}

TEST(Svg2Backend, CentroidCacheIsPerBranchAndResetPerJob) {
  AttentionConfig c = small_svg2_config();
  c.kmeans_iters_init = 4;
  c.kmeans_iters_step = 1;
  Svg2Backend backend(c);
  const at::Tensor a = randn({1, 2, 64, 8}, 7), b = randn({1, 2, 64, 8}, 8) + 3.0;
  AttentionContext ctx = context(/*layer=*/2);
  ctx.branches = {0};
  backend.forward(a, a, a, ctx);
  const CachedCentroids cond = *backend.cached_centroids(1, 2, 0);
  ctx.branches = {1};
  // The other branch has no centroids yet: it starts from branch 0's with one warm iteration
  // (the reference's shared cache), not with a second cold start; that is exactly one Lloyd step.
  backend.forward(b, b, b, ctx);
  const CachedCentroids uncond = *backend.cached_centroids(1, 2, 1);
  const KMeansResult one_step = kmeans(b[0], cond.query, 1);
  EXPECT_TRUE(at::allclose(uncond.query, one_step.centroids));
  EXPECT_FALSE(at::allclose(cond.query, uncond.query));
  ctx.branches = {0};
  backend.forward(a, a, a, ctx);  // warm from branch 0's own centroids, not branch 1's
  EXPECT_TRUE(at::allclose(backend.cached_centroids(1, 2, 0)->query, kmeans(a[0], cond.query, 1).centroids));
  EXPECT_EQ(backend.cache_entries(), 2u);

  // Batched CFG: both branches in one call, each with its own entry.
  AttentionContext batched = context(/*layer=*/3);
  batched.branches = {0, 1};
  backend.forward(at::cat({a, b}), at::cat({a, b}), at::cat({a, b}), batched);
  ASSERT_TRUE(backend.cached_centroids(1, 3, 0).has_value());
  ASSERT_TRUE(backend.cached_centroids(1, 3, 1).has_value());
  // Within one call too: branch 1 starts from branch 0's fresh centroids.
  EXPECT_TRUE(at::allclose(backend.cached_centroids(1, 3, 1)->query,
                           kmeans(b[0], backend.cached_centroids(1, 3, 0)->query, 1).centroids));

  // A new job starts cold: the previous job's entries are gone.
  AttentionContext next = context(/*layer=*/2, /*step=*/0, /*job=*/2);
  backend.forward(a, a, a, next);
  EXPECT_FALSE(backend.cached_centroids(1, 2, 0).has_value());
  EXPECT_EQ(backend.cache_entries(), 1u);
  backend.reset();
  EXPECT_EQ(backend.cache_entries(), 0u);
}

TEST(Svg2Backend, DeterministicForASeed) {
  const at::Tensor q = randn({1, 2, 90, 8}, 9), k = randn({1, 2, 90, 8}, 10), v = randn({1, 2, 90, 8}, 11);
  for (KMeansInit init : {KMeansInit::Random, KMeansInit::KMeansPlusPlus}) {
    AttentionConfig c = small_svg2_config();
    c.kmeans_init = init;
    c.top_p = 0.5;
    c.seed = 5;
    std::vector<SparseLayout> la, lb, lc;
    const at::Tensor x = Svg2Backend(c).forward_traced(q, k, v, context(), &la);
    const at::Tensor y = Svg2Backend(c).forward_traced(q, k, v, context(), &lb);
    EXPECT_TRUE(at::equal(x, y));
    EXPECT_TRUE(at::equal(la[0].k_labels, lb[0].k_labels));
    c.seed = 6;
    Svg2Backend(c).forward_traced(q, k, v, context(), &lc);
    EXPECT_FALSE(at::equal(la[0].k_labels, lc[0].k_labels));
  }
}

TEST(Svg2Backend, InvalidSettingsAndInputsRaiseClearErrors) {
  AttentionConfig c = small_svg2_config();
  c.query_clusters = 0;
  EXPECT_THROW(Svg2Backend{c}, svg2::Error);
  c = small_svg2_config();
  c.key_clusters = -3;
  EXPECT_THROW(Svg2Backend{c}, svg2::Error);
  for (double p : {0.0, -0.5, 1.01}) {
    c = small_svg2_config();
    c.top_p = p;
    try {
      Svg2Backend backend(c);
      FAIL() << "top_p " << p << " accepted";
    } catch (const svg2::Error& e) {
      EXPECT_NE(std::string(e.what()).find("top_p must be in (0, 1]"), std::string::npos) << e.what();
    }
  }
  Svg2Backend backend(small_svg2_config());
  const at::Tensor q = randn({1, 2, 32, 8}, 12);
  try {
    backend.forward(q, randn({1, 2, 31, 8}, 13), q, context());
    FAIL();
  } catch (const svg2::Error& e) {
    EXPECT_NE(std::string(e.what()).find("[1, 2, 31, 8]"), std::string::npos) << e.what();
  }
  EXPECT_THROW(backend.forward(q[0], q[0], q[0], context()), svg2::Error);         // 3-D
  EXPECT_THROW(backend.forward(q, q, q.to(at::kDouble), context()), svg2::Error);  // dtype
  EXPECT_THROW(backend.forward(q.to(at::kLong), q.to(at::kLong), q.to(at::kLong), context()), svg2::Error);
  at::Tensor bad = q.clone();
  bad[0][1][3][2] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_THROW(backend.forward(bad, q, q, context()), svg2::Error);
  bad[0][1][3][2] = std::numeric_limits<float>::infinity();
  EXPECT_THROW(backend.forward(q, q, bad, context()), svg2::Error);
}

// On Q/K from a Gaussian mixture scattered across positions, SVG2's clusters follow the semantics
// and cover far more of the dense attention mass than positional blocks at the same density.
TEST(Svg2Backend, BeatsPositionBlocksOnRecallAtEqualDensity) {
  SyntheticQkvOptions o;
  o.heads = 2;
  o.frames = 4;
  o.height = 16;
  o.width = 16;  // S = 1024
  o.components = 16;
  o.seed = 3;
  const SyntheticQkv data = make_synthetic_qkv(o);
  AttentionConfig c = small_svg2_config();
  c.query_clusters = 32;
  c.key_clusters = 64;
  c.kmeans_iters_init = 10;
  c.fixed_density = 0.25;
  c.block_size = 64;
  std::vector<SparseLayout> svg2_layout, block_layout;
  Svg2Backend(c).forward_traced(data.q, data.k, data.v, context(), &svg2_layout);
  BlockTopKBackend(c).forward_traced(data.q, data.k, data.v, context(), &block_layout);
  const at::Tensor q = data.q[0], k = data.k[0];
  const double svg2_density =
      block_density(svg2_layout[0].mask, svg2_layout[0].q_sizes, svg2_layout[0].k_sizes)
          .mean()
          .item<double>();
  const double block_density_ =
      block_density(block_layout[0].mask, block_layout[0].q_sizes, block_layout[0].k_sizes)
          .mean()
          .item<double>();
  EXPECT_NEAR(svg2_density, 0.25, 0.05);
  EXPECT_NEAR(block_density_, 0.25, 0.07);
  const double svg2_recall = attention_recall(q, k, svg2_layout[0]).mean().item<double>();
  const double block_recall = attention_recall(q, k, block_layout[0]).mean().item<double>();
  EXPECT_GT(svg2_recall, 0.8) << "block top-k recall " << block_recall;
  EXPECT_GT(svg2_recall, block_recall + 0.3) << "svg2 " << svg2_recall << " block top-k " << block_recall;
}

}  // namespace
}  // namespace svg2::attention

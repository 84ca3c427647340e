#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "attention/factory.h"
#include "attention/policy.h"
#include "attention/svg2_backend.h"
#include "attention/telemetry_recorder.h"
#include "attention_test_util.h"
#include "svg2/error.h"

namespace svg2::attention {
namespace {

using test::context;
using test::randn;
using test::small_svg2_config;

TEST(Policy, DenseStepsAndLayers) {
  AttentionConfig c = small_svg2_config();
  c.dense_steps = 0.2;  // floor(0.2 * 10) = 2 steps
  c.dense_layers = 1;
  EXPECT_TRUE(policy_runs_dense(c, context(/*layer=*/0, /*step=*/5)));
  EXPECT_TRUE(policy_runs_dense(c, context(1, 0)));
  EXPECT_TRUE(policy_runs_dense(c, context(1, 1)));
  EXPECT_FALSE(policy_runs_dense(c, context(1, 2)));
  c.dense_steps = 3;  // a count
  EXPECT_TRUE(policy_runs_dense(c, context(1, 2)));
  EXPECT_FALSE(policy_runs_dense(c, context(1, 3)));
  c.mode = AttentionMode::Dense;
  EXPECT_TRUE(policy_runs_dense(c, context(3, 9)));
}

// dense_final_steps: the last steps of the schedule run dense again, counted like dense_steps.
TEST(Policy, DenseFinalSteps) {
  AttentionConfig c = small_svg2_config();
  c.dense_steps = 2;
  c.dense_final_steps = 3;  // of 10 steps: 7, 8 and 9
  EXPECT_TRUE(policy_runs_dense(c, context(1, 1)));
  for (int step = 2; step < 7; ++step) EXPECT_FALSE(policy_runs_dense(c, context(1, step))) << step;
  for (int step = 7; step < 10; ++step) EXPECT_TRUE(policy_runs_dense(c, context(1, step))) << step;
  c.dense_final_steps = 0.2;  // a fraction: floor(0.2 * 10) = the last 2
  EXPECT_FALSE(policy_runs_dense(c, context(1, 7)));
  EXPECT_TRUE(policy_runs_dense(c, context(1, 8)));
  c.dense_final_steps = 0;  // none: the reference's schedule
  EXPECT_FALSE(policy_runs_dense(c, context(1, 9)));

  // A final dense step is exactly dense, and k-means does not warm there (no sparse step follows).
  c.dense_final_steps = 1;
  c.kmeans_during_dense = true;
  PolicyBackend policy(c, std::make_unique<Svg2Backend>(c));
  const auto* svg2 = static_cast<Svg2Backend*>(policy.sparse());
  const at::Tensor q = randn({1, 2, 64, 8}, 7);
  EXPECT_TRUE(at::equal(policy.forward(q, q, q, context(1, 9)), at::scaled_dot_product_attention(q, q, q)));
  EXPECT_FALSE(svg2->cached_centroids(1, 1, 0).has_value());
}

TEST(Policy, DenseCallsAreExactlyDenseAndSparseCallsAreNot) {
  AttentionConfig c = small_svg2_config();
  c.dense_steps = 2;
  c.dense_layers = 1;
  c.fixed_density = 0.25;
  const auto backend = make_attention_backend(c);
  EXPECT_EQ(backend->name(), "svg2");
  const at::Tensor q = randn({1, 2, 96, 8}, 1), k = randn({1, 2, 96, 8}, 2), v = randn({1, 2, 96, 8}, 3);
  const at::Tensor dense = at::scaled_dot_product_attention(q, k, v);
  EXPECT_TRUE(at::equal(backend->forward(q, k, v, context(1, 1)), dense));  // dense step
  EXPECT_TRUE(at::equal(backend->forward(q, k, v, context(0, 5)), dense));  // dense layer
  EXPECT_FALSE(at::allclose(backend->forward(q, k, v, context(1, 2)), dense, 1e-3, 1e-3));
}

TEST(Policy, KMeansDuringDenseWarmsTheCache) {
  for (bool warm : {false, true}) {
    AttentionConfig c = small_svg2_config();
    c.dense_steps = 2;
    c.kmeans_during_dense = warm;
    PolicyBackend policy(c, std::make_unique<Svg2Backend>(c));
    const auto* svg2 = static_cast<Svg2Backend*>(policy.sparse());
    const at::Tensor q = randn({1, 2, 64, 8}, 4);
    policy.forward(q, q, q, context(/*layer=*/1, /*step=*/0));
    EXPECT_EQ(svg2->cached_centroids(1, 1, 0).has_value(), warm);
  }
}

TEST(Factory, ModesNamesAndValidation) {
  AttentionConfig c = small_svg2_config();
  for (auto [mode, name] :
       {std::pair{AttentionMode::Dense, "dense"}, std::pair{AttentionMode::Svg2, "svg2"},
        std::pair{AttentionMode::BlockTopK, "block-topk"}, std::pair{AttentionMode::Svg1, "svg1"}}) {
    c.mode = mode;
    EXPECT_EQ(make_attention_backend(c)->name(), name);
  }
  c.mode = AttentionMode::Dense;
  const at::Tensor q = randn({1, 2, 30, 8}, 5);
  EXPECT_TRUE(at::equal(make_attention_backend(c)->forward(q, q, q, context(2, 9)),
                        at::scaled_dot_product_attention(q, q, q)));
  c.query_clusters = 0;
  c.mode = AttentionMode::Svg2;
  EXPECT_THROW(make_attention_backend(c), svg2::Error);
  c = small_svg2_config();
  c.block_size = 32;
  EXPECT_THROW(make_attention_backend(c), svg2::Error);
}

TEST(Factory, DenseCallsAreReportedToTelemetry) {
  AttentionConfig c = small_svg2_config();
  c.dense_steps = 1;
  const auto backend = make_attention_backend(c);
  TelemetryOptions opt;
  opt.enabled = true;
  TelemetryRecorder rec(opt);
  AttentionContext ctx = context(1, 0);
  ctx.telemetry = &rec;
  ctx.branches = {0, 1};
  const at::Tensor q = randn({2, 3, 40, 8}, 6);
  backend->forward(q, q, q, ctx);  // dense step
  ctx.step = 1;
  backend->forward(q, q, q, ctx);  // sparse
  const TelemetrySnapshot snap = rec.drain();
  ASSERT_EQ(snap.calls.size(), 4u);
  EXPECT_FALSE(snap.calls[0].sparse);
  EXPECT_EQ(snap.calls[1].branch, 1);
  EXPECT_DOUBLE_EQ(snap.calls[0].density, 1.0);
  EXPECT_EQ(snap.calls[0].head_density.size(), 3u);
  EXPECT_TRUE(snap.calls[2].sparse);
  EXPECT_EQ(snap.step, 1);
}

}  // namespace
}  // namespace svg2::attention

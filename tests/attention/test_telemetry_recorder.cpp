#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <thread>

#include "attention/block_selection.h"
#include "attention/svg2_backend.h"
#include "attention/telemetry_recorder.h"
#include "attention_test_util.h"

namespace svg2::attention {
namespace {

using test::context;
using test::randn;
using test::small_svg2_config;

RecordedCall call_at(int step) {
  RecordedCall c;
  c.stats.step = step;
  return c;
}

TEST(TelemetryRecorder, DisabledRecordsNothing) {
  TelemetryRecorder rec;  // enabled = false
  rec.record(call_at(0));
  EXPECT_EQ(rec.pending_calls(), 0u);
  EXPECT_TRUE(rec.sampled_heads(0, 4).empty());
}

TEST(TelemetryRecorder, BoundedOldestDroppedFirst) {
  TelemetryOptions opt;
  opt.enabled = true;
  opt.max_calls = 3;
  TelemetryRecorder rec(opt);
  for (int i = 0; i < 5; ++i) rec.record(call_at(i));
  const TelemetrySnapshot snap = rec.drain();
  ASSERT_EQ(snap.calls.size(), 3u);
  EXPECT_EQ(snap.calls.front().step, 2);
  EXPECT_EQ(snap.dropped_calls, 2u);
  EXPECT_EQ(rec.pending_calls(), 0u);
  EXPECT_EQ(rec.drain().dropped_calls, 0u);
}

TEST(TelemetryRecorder, SampledHeadsFollowTheOptions) {
  TelemetryOptions opt;
  opt.enabled = true;
  opt.sample_layers = {2};
  opt.sample_heads = {0, 3, 7, 3};
  TelemetryRecorder rec(opt);
  EXPECT_TRUE(rec.sampled_heads(1, 4).empty());
  EXPECT_EQ(rec.sampled_heads(2, 4), (std::vector<int>{0, 3}));  // 7 is out of range, 3 once
  opt.sample_layers = {1};
  rec.set_options(opt);
  EXPECT_FALSE(rec.sampled_heads(1, 4).empty());
}

TEST(TelemetryRecorder, ThreadSafe) {
  TelemetryOptions opt;
  opt.enabled = true;
  opt.max_calls = 1 << 20;
  TelemetryRecorder rec(opt);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&rec] {
      for (int i = 0; i < 500; ++i) rec.record(call_at(i));
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(rec.drain().calls.size(), 2000u);
}

TEST(TelemetryRecorder, Svg2CallStatsAndClusterSnapshots) {
  TelemetryOptions opt;
  opt.enabled = true;
  opt.sample_layers = {1};
  opt.sample_heads = {1};
  TelemetryRecorder rec(opt);
  AttentionConfig c = small_svg2_config();
  c.top_p = 0.6;
  Svg2Backend backend(c);
  AttentionContext ctx = context(/*layer=*/1, /*step=*/4);
  ctx.telemetry = &rec;
  ctx.grid_f = 2;
  ctx.grid_h = 4;
  ctx.grid_w = 8;
  const at::Tensor q = randn({1, 3, 64, 8}, 1), k = randn({1, 3, 64, 8}, 2);
  std::vector<SparseLayout> layouts;
  backend.forward_traced(q, k, k, ctx, &layouts);
  ctx.layer = 0;  // not sampled: stats only
  backend.forward(q, k, k, ctx);
  const TelemetrySnapshot snap = rec.drain();
  ASSERT_EQ(snap.calls.size(), 2u);
  ASSERT_EQ(snap.clusters.size(), 1u);
  const AttentionCallStats& call = snap.calls[0];
  EXPECT_TRUE(call.sparse);
  EXPECT_EQ(call.step, 4);
  EXPECT_EQ(call.layer, 1);
  ASSERT_EQ(call.head_density.size(), 3u);
  const at::Tensor density = block_density(layouts[0].mask, layouts[0].q_sizes, layouts[0].k_sizes);
  EXPECT_NEAR(call.head_density[1], density[1].item<float>(), 1e-6);
  EXPECT_NEAR(call.density, density.mean().item<float>(), 1e-6);
  EXPECT_GT(call.k_inertia, 0.0);
  // Stage times were not asked for: none taken.
  EXPECT_EQ(call.times.kmeans_ms + call.times.attention_ms, 0.0);

  const ClusterSnapshot& s = snap.clusters[0];
  EXPECT_EQ(s.head, 1);
  EXPECT_EQ(s.grid_w, 8);
  ASSERT_EQ(s.q_labels.size(), 64u);
  for (int t = 0; t < 64; ++t) EXPECT_EQ(s.q_labels[t], layouts[0].q_labels[1][t].item<std::int64_t>());
  EXPECT_EQ(s.query_clusters, 8);
  EXPECT_EQ(s.key_clusters, 16);
  ASSERT_EQ(s.block_mask.size(), 8u * 16u);
  int sum = 0;
  for (int x : s.q_sizes) sum += x;
  EXPECT_EQ(sum, 64);
  // The snapshot's own numbers reproduce its density.
  double covered = 0;
  for (int i = 0; i < 8; ++i)
    for (int j = 0; j < 16; ++j) covered += s.block_mask[i * 16 + j] * s.q_sizes[i] * s.k_sizes[j];
  EXPECT_NEAR(covered / (64.0 * 64.0), s.density, 1e-6);
}

TEST(TelemetryRecorder, StageTimesWhenAsked) {
  TelemetryOptions opt;
  opt.enabled = true;
  opt.stage_times = true;
  TelemetryRecorder rec(opt);
  Svg2Backend backend(small_svg2_config());
  AttentionContext ctx = context();
  ctx.telemetry = &rec;
  const at::Tensor q = randn({1, 2, 256, 16}, 3);
  backend.forward(q, q, q, ctx);
  const AttentionStageTimes t = rec.drain().calls.at(0).times;
  EXPECT_GT(t.kmeans_ms, 0.0);
  EXPECT_GT(t.attention_ms, 0.0);
  EXPECT_GE(t.select_ms, 0.0);
  EXPECT_GE(t.permute_ms, 0.0);
  EXPECT_GE(t.inverse_ms, 0.0);
}

}  // namespace
}  // namespace svg2::attention

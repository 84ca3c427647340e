// `svg2 bench attention` without a GPU: shape parsing, option errors, and the CPU reference run
// on a tiny shape (rows, densities and renderings a user reads).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "svg2/bench_attention.h"
#include "svg2/error.h"

namespace svg2 {
namespace {

TEST(BenchAttention, ParsesPresetsAndCustomShapes) {
  const auto shapes = parse_bench_shapes("wan14b-720p,mine:3:1000:20:70,big:2:4096:64:256:64");
  ASSERT_EQ(shapes.size(), 3u);
  EXPECT_EQ(shapes[0].heads, 40);
  EXPECT_EQ(shapes[0].tokens, 75600);
  EXPECT_EQ(shapes[0].query_clusters, 300);
  EXPECT_EQ(shapes[0].key_clusters, 1000);
  EXPECT_EQ(shapes[1].name, "mine");
  EXPECT_EQ(shapes[1].heads, 3);
  EXPECT_EQ(shapes[1].tokens, 1000);
  EXPECT_EQ(shapes[1].query_clusters, 20);
  EXPECT_EQ(shapes[1].key_clusters, 70);
  EXPECT_EQ(shapes[1].head_dim, 128);
  EXPECT_EQ(shapes[2].head_dim, 64);
  EXPECT_EQ(default_gpu_bench_shapes().size(), 3u);
  EXPECT_EQ(default_gpu_bench_shapes()[2].query_clusters, 400);
}

TEST(BenchAttention, RejectsBadShapesWithTheOffendingText) {
  try {
    parse_bench_shapes("wan99b");
    FAIL() << "expected svg2::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("wan99b"), std::string::npos) << e.what();
  }
  try {
    parse_bench_shapes("x:4:zero");
    FAIL() << "expected svg2::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("zero"), std::string::npos) << e.what();
  }
  BenchAttentionOptions o;
  o.device = "tpu";
  EXPECT_THROW(run_bench_attention(o), Error);
  o.device = "cpu";
  o.shapes = {{"odd", 1, 256, 96, 8, 16}};
  EXPECT_THROW(run_bench_attention(o), Error);  // head dim 96
}

TEST(BenchAttention, CpuRunReportsEveryStageAndHitsTheDensity) {
  BenchAttentionOptions o;
  o.device = "cpu";
  o.shapes = {{"tiny", 2, 600, 64, 8, 24}};
  o.densities = {0.5, 0.2};
  o.warmup = 0;
  o.repeats = 2;
  o.kmeans_cold_iterations = 3;
  const BenchAttentionResult r = run_bench_attention(o);
  ASSERT_EQ(r.rows.size(), 2u);
  for (const BenchAttentionRow& row : r.rows) {
    EXPECT_GT(row.dense_ms, 0);
    EXPECT_GT(row.kmeans_q_ms, 0);
    EXPECT_GT(row.kmeans_k_ms, 0);
    EXPECT_GT(row.select_ms, 0);
    EXPECT_GT(row.attention_ms, 0);
    EXPECT_GE(row.total_ms, row.attention_ms);
    EXPECT_FALSE(row.inverse_fused);
    EXPECT_GT(row.permute_ms, 0);
    // Fixed density: every row reaches the target and overshoots by less than one key cluster.
    EXPECT_GE(row.density, row.target_density - 1e-9);
    EXPECT_LE(row.density, 1.0);
    EXPECT_GT(row.speedup, 0);
  }
  const std::string table = bench_attention_table(r);
  EXPECT_NE(table.find("tiny"), std::string::npos);
  EXPECT_NE(table.find("dense ms"), std::string::npos);
  const auto j = nlohmann::json::parse(bench_attention_json(r));
  ASSERT_EQ(j["rows"].size(), 2u);
  EXPECT_EQ(j["rows"][0]["shape"], "tiny");
  EXPECT_TRUE(j["rows"][1].contains("sparse_tflops"));
}

}  // namespace
}  // namespace svg2

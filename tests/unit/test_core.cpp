// Core: parameter validation and JSON round trips, atomic writes, device parsing.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/atomic_file.h"
#include "core/device.h"
#include "svg2/attention_config.h"
#include "svg2/error.h"
#include "svg2/render_params.h"

namespace fs = std::filesystem;

TEST(AttentionConfig, DefaultsMatchReferenceWanT2V720p) {
  svg2::AttentionConfig c;
  EXPECT_EQ(c.query_clusters, 300);
  EXPECT_EQ(c.key_clusters, 1000);
  EXPECT_DOUBLE_EQ(c.top_p, 0.9);
  EXPECT_DOUBLE_EQ(c.min_kc_ratio, 0.1);
  EXPECT_EQ(c.kmeans_iters_init, 50);
  EXPECT_EQ(c.kmeans_iters_step, 2);
  EXPECT_EQ(svg2::dense_step_count(c, 50), 10);
  EXPECT_EQ(c.dense_layers, 1);
  EXPECT_NO_THROW(svg2::validate(c));
}

TEST(AttentionConfig, DenseStepsCountOrFraction) {
  svg2::AttentionConfig c;
  c.dense_steps = 3;
  EXPECT_EQ(svg2::dense_step_count(c, 20), 3);
  c.dense_steps = 0.25;
  EXPECT_EQ(svg2::dense_step_count(c, 20), 5);
  c.dense_steps = 100;
  EXPECT_EQ(svg2::dense_step_count(c, 20), 20);
}

TEST(AttentionConfig, DenseFinalStepsCountFromTheEnd) {
  svg2::AttentionConfig c;
  c.mode = svg2::AttentionMode::Svg2;
  c.dense_steps = 6;
  EXPECT_EQ(svg2::dense_final_step_count(c, 20), 0);  // the default: none
  EXPECT_FALSE(svg2::step_runs_dense(c, 19, 20));
  c.dense_final_steps = 2;
  EXPECT_EQ(svg2::dense_final_step_count(c, 20), 2);
  EXPECT_TRUE(svg2::step_runs_dense(c, 5, 20));
  EXPECT_FALSE(svg2::step_runs_dense(c, 6, 20));
  EXPECT_FALSE(svg2::step_runs_dense(c, 17, 20));
  EXPECT_TRUE(svg2::step_runs_dense(c, 18, 20));
  EXPECT_TRUE(svg2::step_runs_dense(c, 19, 20));
  c.dense_final_steps = 0.25;  // a fraction: the last 5 of 20
  EXPECT_EQ(svg2::dense_final_step_count(c, 20), 5);
  c.dense_final_steps = 100;  // more than the schedule: every step
  EXPECT_EQ(svg2::dense_final_step_count(c, 20), 20);
  c.mode = svg2::AttentionMode::Dense;
  EXPECT_TRUE(svg2::step_runs_dense(c, 10, 20));
  c.mode = svg2::AttentionMode::Svg2;
  c.dense_final_steps = -1;
  EXPECT_THROW(svg2::validate(c), svg2::Error);
  try {
    svg2::validate(c);
  } catch (const svg2::Error& e) {
    EXPECT_NE(std::string(e.what()).find("dense_final_steps"), std::string::npos) << e.what();
  }
}

TEST(AttentionConfig, InvalidSettingsNameTheParameter) {
  auto expect_error = [](svg2::AttentionConfig c, const std::string& needle) {
    try {
      svg2::validate(c);
      FAIL() << "expected an error mentioning " << needle;
    } catch (const svg2::Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  svg2::AttentionConfig c;
  c.query_clusters = 0;
  expect_error(c, "query_clusters");
  c = {};
  c.top_p = 0.0;
  expect_error(c, "top_p");
  c = {};
  c.top_p = 1.5;
  expect_error(c, "top_p");
  c = {};
  c.fixed_density = 0.0;
  expect_error(c, "fixed_density");
  c = {};
  c.block_size = 32;
  expect_error(c, "block_size");
}

TEST(RenderParams, JsonRoundTrip) {
  svg2::RenderParams p;
  p.prompt = "a red circle moving right on a blue background";
  p.width = 832;
  p.height = 480;
  p.frames = 81;
  p.steps = 50;
  p.seed = 1234567890123LL;
  p.sampler = svg2::SamplerKind::Euler;
  p.attention.mode = svg2::AttentionMode::BlockTopK;
  p.attention.fixed_density = 0.295;
  p.attention.kmeans_init = svg2::KMeansInit::KMeansPlusPlus;
  p.attention.dense_final_steps = 2;
  const auto back = svg2::render_params_from_json(svg2::to_json(p));
  EXPECT_EQ(back.attention.dense_final_steps, 2);
  EXPECT_EQ(back.prompt, p.prompt);
  EXPECT_EQ(back.width, 832);
  EXPECT_EQ(back.frames, 81);
  EXPECT_EQ(back.seed, p.seed);
  EXPECT_EQ(back.sampler, svg2::SamplerKind::Euler);
  EXPECT_EQ(back.attention.mode, svg2::AttentionMode::BlockTopK);
  ASSERT_TRUE(back.attention.fixed_density.has_value());
  EXPECT_DOUBLE_EQ(*back.attention.fixed_density, 0.295);
  EXPECT_EQ(back.attention.kmeans_init, svg2::KMeansInit::KMeansPlusPlus);
}

TEST(RenderParams, BadJsonIsAClearError) {
  EXPECT_THROW(svg2::render_params_from_json("{not json"), svg2::Error);
  EXPECT_THROW(svg2::render_params_from_json(R"({"sampler": "ddim"})"), svg2::Error);
  EXPECT_THROW(svg2::render_params_from_json(R"({"width": "wide"})"), svg2::Error);
}

TEST(AtomicFile, WritesAndReplaces) {
  const fs::path dir = fs::temp_directory_path() / "svg2_test_atomic";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path target = dir / "out.txt";
  svg2::write_file_atomic(target, "first");
  svg2::write_file_atomic(target, "second");
  std::ifstream in(target);
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str(), "second");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator{}), 1)
      << "temp file left behind";
  fs::remove_all(dir);
}

TEST(AtomicFile, FailureKeepsTheOldFileAndLeavesNoTemp) {
  const fs::path dir = fs::temp_directory_path() / "svg2_test_atomic_fail";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path target = dir / "keep.txt";
  svg2::write_file_atomic(target, "precious");
  EXPECT_THROW(svg2::write_via_temp(target,
                                    [](const fs::path& tmp) {
                                      std::ofstream(tmp) << "partial";
                                      throw svg2::Error("disk full");
                                    }),
               svg2::Error);
  std::ifstream in(target);
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str(), "precious");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator{}), 1);
  fs::remove_all(dir);
}

TEST(AtomicFile, UnwritableFolderIsAClearError) {
  try {
    svg2::write_file_atomic("/proc/svg2-no-such-dir/x.txt", "x");
    FAIL();
  } catch (const svg2::Error& e) {
    EXPECT_NE(std::string(e.what()).find("x.txt"), std::string::npos) << e.what();
  }
}

TEST(Device, ParsesNamesAndRejectsUnknown) {
  EXPECT_TRUE(svg2::resolve_device("cpu").is_cpu());
  EXPECT_THROW(svg2::resolve_device("tpu"), svg2::Error);
  EXPECT_EQ(svg2::resolve_dtype("auto", c10::Device(c10::kCPU)), c10::kFloat);
  EXPECT_EQ(svg2::resolve_dtype("bf16", c10::Device(c10::kCPU)), c10::kBFloat16);
  EXPECT_THROW(svg2::resolve_dtype("int4", c10::Device(c10::kCPU)), svg2::Error);
  if (!svg2::cuda_available()) EXPECT_THROW(svg2::resolve_device("cuda"), svg2::Error);
}

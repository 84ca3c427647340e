// The text-to-video pipeline end to end on the tiny model (CPU): frames of the right size and
// count, determinism per seed, sparse attention, the sidecar (complete and re-runnable), Q/K/V
// dumps, random-weights mode.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>

#include "io/checkpoint.h"
#include "pipeline/tiny_model.h"
#include "svg2/engine.h"
#include "svg2/error.h"
#include "svg2/media.h"
#include "svg2/model_info.h"

namespace fs = std::filesystem;
using svg2::RenderParams;

namespace {

RenderParams tiny_params(std::int64_t seed = 5) {
  RenderParams p;
  p.model_dir = svg2::test::tiny_model_dir().string();
  p.prompt = "a red circle moves left";
  p.device = "cpu";
  p.seed = seed;
  p.attention.mode = svg2::AttentionMode::Dense;
  return p;
}

svg2::Engine& engine() {
  static svg2::Engine e;
  return e;
}

}  // namespace

TEST(T2VRender, VideoHasTheRequestedShape) {
  const auto r = engine().render(tiny_params());
  EXPECT_EQ(r.video.frames, 5);
  EXPECT_EQ(r.video.width, 64);
  EXPECT_EQ(r.video.height, 48);
  EXPECT_DOUBLE_EQ(r.video.fps, 16.0);
  EXPECT_EQ(r.video.rgb.size(), 5u * 64 * 48 * 3);
  EXPECT_EQ(r.timings.step_ms.size(), 3u);
  EXPECT_EQ(r.timings.dit_step_ms.size(), 3u);
  EXPECT_GT(r.timings.dit_ms, 0);
  EXPECT_GT(r.timings.vae_decode_ms, 0);
  EXPECT_EQ(r.device, "cpu");
  EXPECT_EQ(r.dtype, "fp32");
  // Random weights still give a non-constant picture.
  const auto [lo, hi] = std::minmax_element(r.video.rgb.begin(), r.video.rgb.end());
  EXPECT_LT(*lo, *hi);

  auto q = tiny_params();
  q.width = 48;
  q.height = 64;
  q.frames = 9;
  const auto r2 = engine().render(q);
  EXPECT_EQ(r2.video.frames, 9);
  EXPECT_EQ(r2.video.width, 48);
  EXPECT_EQ(r2.video.height, 64);
}

TEST(T2VRender, SameSeedSameVideoOtherSeedOtherVideo) {
  const auto a = engine().render(tiny_params(11));
  const auto b = engine().render(tiny_params(11));
  const auto c = engine().render(tiny_params(12));
  EXPECT_EQ(a.video.rgb, b.video.rgb);
  EXPECT_NE(a.video.rgb, c.video.rgb);
  EXPECT_EQ(a.params.seed, 11);
}

TEST(T2VRender, SparseAttentionRunsAndReportsDensity) {
  auto p = tiny_params();
  p.attention = svg2::probe_model(p.model_dir).attention_defaults;  // svg2, QC 4 / KC 8, 1 dense step
  p.attention.top_p = 0.3;
  const auto r = engine().render(p);
  EXPECT_EQ(r.video.frames, 5);
  EXPECT_GT(r.density.sparse_calls, 0);
  EXPECT_GT(r.density.dense_calls, 0);
  EXPECT_GT(r.density.mean_density, 0.0);
  EXPECT_LT(r.density.mean_density, 1.0);
  EXPECT_LT(r.density.overall_density, 1.0);
  ASSERT_EQ(r.timings.step_sparse.size(), 3u);
  EXPECT_FALSE(r.timings.step_sparse[0]);  // dense warm-up step
  EXPECT_TRUE(r.timings.step_sparse[1]);
  EXPECT_TRUE(r.timings.step_sparse[2]);

  // A final dense step: the last step runs dense again, every one of its calls.
  p.attention.dense_final_steps = 1;
  const auto finished = engine().render(p);
  ASSERT_EQ(finished.timings.step_sparse.size(), 3u);
  EXPECT_FALSE(finished.timings.step_sparse[0]);
  EXPECT_TRUE(finished.timings.step_sparse[1]);
  EXPECT_FALSE(finished.timings.step_sparse[2]);
  EXPECT_GT(finished.density.dense_calls, r.density.dense_calls);
  EXPECT_LT(finished.density.sparse_calls, r.density.sparse_calls);
  const auto dense = engine().render(tiny_params());
  EXPECT_EQ(dense.density.sparse_calls, 0);
  EXPECT_DOUBLE_EQ(dense.density.overall_density, 1.0);
}

TEST(T2VRender, SidecarIsCompleteAndReRuns) {
  auto p = tiny_params(3);
  p.steps = 2;
  const auto r = engine().render(p);
  const auto sidecar = nlohmann::json::parse(r.sidecar_json);
  for (const char* key : {"params", "model", "timings", "density", "versions", "device", "video", "created"})
    EXPECT_TRUE(sidecar.contains(key)) << key;
  const auto& params = sidecar.at("params");
  EXPECT_EQ(params.at("seed"), 3);
  EXPECT_EQ(params.at("steps"), 2);
  EXPECT_EQ(params.at("width"), 64);  // resolved defaults, not 0
  EXPECT_EQ(params.at("frames"), 5);
  EXPECT_EQ(params.at("sampler"), "euler");
  EXPECT_EQ(params.at("use_default_sampler"), false);
  EXPECT_EQ(params.at("attention").at("mode"), "dense");
  EXPECT_EQ(sidecar.at("model").at("size_name"), "tiny-test");
  EXPECT_EQ(sidecar.at("timings").at("step_ms").size(), 2u);
  EXPECT_TRUE(sidecar.at("versions").contains("torch"));

  // Written next to the clip (PNG frames: works in every build) and re-run from it.
  const fs::path dir = svg2::test::temp_dir("sidecar");
  const auto saved = svg2::save_render(r, (dir / "clip").string());
  EXPECT_EQ(fs::path(saved.sidecar_path), dir / "clip.json");
  ASSERT_TRUE(fs::exists(saved.sidecar_path));
  const auto again = engine().render(svg2::render_params_from_file(saved.sidecar_path));
  EXPECT_EQ(again.video.rgb, r.video.rgb);
  const auto written = nlohmann::json::parse(std::ifstream(saved.sidecar_path));
  EXPECT_EQ(written.at("output").at("format"), "png");
}

TEST(T2VRender, WritesMp4WhenFfmpegIsAvailable) {
  if (!svg2::video_format_available(svg2::VideoFormat::Mp4H264))
    GTEST_SKIP() << "no H.264 encoder in this build";
  const auto r = engine().render(tiny_params());
  const fs::path dir = svg2::test::temp_dir("mp4");
  const auto saved = svg2::save_render(r, (dir / "clip.mp4").string());
  const auto info = svg2::probe_video(saved.video_path);
  EXPECT_EQ(info.frames, 5);
  EXPECT_EQ(info.width, 64);
  EXPECT_EQ(info.height, 48);
  EXPECT_NEAR(info.fps, 16.0, 1e-6);
  EXPECT_TRUE(fs::exists(dir / "clip.json"));
}

TEST(T2VRender, DumpsQkvOfOneStepAndLayer) {
  auto p = tiny_params();
  const fs::path file = svg2::test::temp_dir("qkv") / "qkv.safetensors";
  p.dump_qkv_path = file.string();
  p.dump_qkv_step = 1;
  p.dump_qkv_layer = 1;
  engine().render(p);
  const auto ckpt = svg2::io::Checkpoint::open(file);
  ASSERT_TRUE(ckpt.contains("q"));
  const auto& q = ckpt.info("q");
  ASSERT_EQ(q.shape.size(), 4u);
  EXPECT_EQ(q.shape[0], 2);    // both CFG branches
  EXPECT_EQ(q.shape[1], 2);    // heads
  EXPECT_EQ(q.shape[2], 24);   // 2 latent frames x 3 x 4 patches
  EXPECT_EQ(q.shape[3], 128);  // head dim
  EXPECT_EQ(ckpt.metadata().at("step"), "1");
  EXPECT_EQ(ckpt.metadata().at("layer"), "1");
  EXPECT_EQ(ckpt.metadata().at("branches"), "0,1");
}

TEST(T2VRender, RandomWeightsTinyArchitecture) {
  RenderParams p;
  p.random_weights = "tiny";
  p.prompt = "anything";
  p.device = "cpu";
  p.seed = 1;
  p.attention.mode = svg2::AttentionMode::Dense;
  const auto r = engine().render(p);
  EXPECT_EQ(r.video.frames, 5);
  EXPECT_EQ(r.video.width, 64);
  EXPECT_EQ(r.video.height, 48);
  EXPECT_EQ(nlohmann::json::parse(r.sidecar_json).at("model").at("random_weights"), "tiny");
}

TEST(T2VRender, BadInputIsAnErrorNotACrash) {
  auto p = tiny_params();
  p.frames = 6;
  try {
    engine().render(p);
    FAIL() << "expected an error";
  } catch (const svg2::Error& e) {
    EXPECT_NE(std::string(e.what()).find("nearest valid: 5"), std::string::npos) << e.what();
  }
  // The engine still renders afterwards.
  EXPECT_EQ(engine().render(tiny_params()).video.frames, 5);
}

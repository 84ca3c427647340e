// The committed demo model (resources/models/demo): it loads, a fixed prompt and seed renders the
// same clip twice and passes the checker, and SVG2 at the model's defaults stays close to dense on
// two fixed prompts.
// Full-size CPU renders (256x256x33 at the model's default steps).
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "svg2/clip_checker.h"
#include "svg2/engine.h"
#include "svg2/media.h"
#include "svg2/model_info.h"
#include "svg2/train.h"

namespace fs = std::filesystem;

namespace {

constexpr const char* kPrompt = "a red circle moving right on a blue background";
constexpr std::int64_t kSeed = 7;
constexpr const char* kSecondPrompt = "a green star and a yellow square bouncing on a dark gradient";
constexpr std::int64_t kSecondSeed = 11;

// Floors for the PSNR of the SVG2 render against the dense render of the same seed, per fixed
// prompt. MODEL_CARD.md records the measured values (37.6 and 33.8 dB on the twelfth checkpoint at
// its defaults, QC 128 / KC 768 / top_p 0.97 / 6 dense steps); each floor sits ~2 dB below for
// CPU-library differences.
struct FixedPrompt {
  const char* prompt;
  std::int64_t seed;
  double psnr_floor_db;
};
constexpr FixedPrompt kFixedPrompts[] = {{kPrompt, kSeed, 35.5}, {kSecondPrompt, kSecondSeed, 31.5}};

svg2::AttentionConfig model_attention(svg2::AttentionMode mode) {
  const svg2::ModelInfo info = svg2::probe_model(svg2::bundled_demo_model_dir());
  svg2::AttentionConfig a = info.has_attention_defaults ? info.attention_defaults : svg2::AttentionConfig{};
  a.mode = mode;
  return a;
}

svg2::RenderResult render(svg2::Engine& engine, svg2::AttentionMode mode, const char* prompt = kPrompt,
                          std::int64_t seed = kSeed) {
  svg2::RenderParams p;
  p.prompt = prompt;  // model_dir empty: the bundled demo model
  p.seed = seed;
  p.device = "cpu";
  p.attention = model_attention(mode);
  p.preview_every = 0;
  return engine.render(p);
}

}  // namespace

TEST(DemoModel, CommittedWeightsLoad) {
  const std::string dir = svg2::bundled_demo_model_dir();
  const svg2::ModelInfo info = svg2::probe_model(dir);
  EXPECT_EQ(info.family, "wan2.1-t2v");
  EXPECT_EQ(info.size_name, "demo");
  EXPECT_EQ(info.default_width, 256);
  EXPECT_EQ(info.default_height, 256);
  EXPECT_EQ(info.default_frames, 33);
  EXPECT_TRUE(info.has_attention_defaults);
  EXPECT_EQ(info.attention_defaults.mode, svg2::AttentionMode::Svg2);
  std::uintmax_t bytes = 0;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.is_regular_file()) bytes += entry.file_size();
  EXPECT_LE(bytes, 40u * 1000 * 1000) << "the demo model must stay within 40 MB";
}

// The first fixed prompt, rendered dense twice: the same clip both times, and one the checker
// passes (a red circle moving right over blue; most held-out prompts still fail, MODEL_CARD.md).
// One test for both so that CI renders the clip once more, not twice.
TEST(DemoModel, FixedPromptRendersTheSameClipAndPassesTheChecker) {
  svg2::Engine engine;
  const svg2::RenderResult a = render(engine, svg2::AttentionMode::Dense);
  const svg2::RenderResult b = render(engine, svg2::AttentionMode::Dense);
  ASSERT_EQ(a.video.frames, 33);
  EXPECT_EQ(a.video.width, 256);
  EXPECT_EQ(a.video.height, 256);
  EXPECT_EQ(a.video.rgb, b.video.rgb) << "same prompt, seed and device must give the same clip";
  const svg2::procedural::CheckResult r = svg2::procedural::check_clip(a.video, kPrompt);
  std::printf("[ value ] checker: %s\n", r.summary.c_str());
  EXPECT_TRUE(r.passed()) << r.summary;
}

// Two fixed prompts (one object on a plain background; two objects on a gradient): SVG2 at the model's
// defaults must skip work and stay close to the dense render of the same seed.
TEST(DemoModel, Svg2StaysCloseToDenseOnFixedPrompts) {
  svg2::Engine engine;
  for (const auto& [prompt, seed, floor_db] : kFixedPrompts) {
    const svg2::RenderResult dense = render(engine, svg2::AttentionMode::Dense, prompt, seed);
    const svg2::RenderResult sparse = render(engine, svg2::AttentionMode::Svg2, prompt, seed);
    const double psnr = svg2::compare_videos(dense.video, sparse.video).mean_psnr;
    // Logged so that a CI run records the values the floors guard (MODEL_CARD.md cites them).
    std::printf("[ value ] %s (seed %lld): SVG2 vs dense %.2f dB at density %.3f\n", prompt,
                static_cast<long long>(seed), psnr, sparse.density.mean_density);
    EXPECT_GE(psnr, floor_db) << prompt;
    EXPECT_LT(sparse.density.mean_density, 0.9)
        << prompt << ": SVG2 at the model's defaults must actually skip work";
  }
}

// `svg2 train eval --ceiling`: the ground-truth clip of a held-out prompt passes the checker (the
// checker's own sanity), and its round trip through the committed VAE stays close to it; the
// report carries both rows.
TEST(DemoModel, EvalCeilingScoresTheGroundTruthAndTheVaeRoundTrip) {
  svg2::EvalOptions o;
  o.prompts = 1;
  o.sparse = false;
  o.steps = 1;  // the dense render is not what this test is about
  o.device = "cpu";
  o.ceiling = true;
  const svg2::EvalReport r = svg2::evaluate_demo_model(o);
  EXPECT_EQ(r.truth.color, 1.0);
  EXPECT_EQ(r.truth.shape, 1.0);
  EXPECT_EQ(r.truth.motion, 1.0);
  EXPECT_GT(r.vae_psnr, 20.0) << "the committed VAE round trip measured ~29 dB";
  const nlohmann::json j = nlohmann::json::parse(r.json);
  EXPECT_TRUE(j.contains("truth") && j.contains("vae")) << r.json;
  EXPECT_TRUE(j["rows"][0].contains("vae_psnr"));
  // The prompt is counted in the split of its object count, and only there.
  const int objects = j["rows"][0].at("objects").get<int>();
  ASSERT_TRUE(objects == 1 || objects == 2) << r.json;
  const auto& mine = r.by_objects[static_cast<std::size_t>(objects - 1)];
  const auto& other = r.by_objects[static_cast<std::size_t>(2 - objects)];
  EXPECT_EQ(mine.prompts, 1);
  EXPECT_EQ(other.prompts, 0);
  EXPECT_EQ(mine.truth.motion, 1.0);
  EXPECT_EQ(mine.dense.color, r.dense.color);
  EXPECT_EQ(mine.vae.shape, r.vae.shape);
  EXPECT_EQ(j.at("by_objects").at(std::to_string(objects)).at("prompts").get<int>(), 1);
}

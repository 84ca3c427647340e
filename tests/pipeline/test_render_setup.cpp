// Render parameters: defaults from the model, validation messages that name the parameter and the
// nearest valid values, JSON round trips through sidecars.
#include <gtest/gtest.h>

#include <fstream>

#include "pipeline/render_setup.h"
#include "pipeline/tiny_model.h"
#include "svg2/error.h"
#include "svg2/model_info.h"
#include "svg2/render_params.h"

using svg2::RenderParams;
namespace fs = std::filesystem;

namespace {

std::string error_of(const RenderParams& p) {
  const auto model = svg2::probe_model(svg2::test::tiny_model_dir().string());
  try {
    svg2::pipeline::resolve_render_params(p, model);
  } catch (const svg2::Error& e) {
    return e.what();
  }
  return "";
}

RenderParams tiny(std::function<void(RenderParams&)> edit = {}) {
  RenderParams p;
  p.model_dir = svg2::test::tiny_model_dir().string();
  p.prompt = "a red circle moves left";
  p.device = "cpu";
  if (edit) edit(p);
  return p;
}

}  // namespace

TEST(RenderSetup, NearestValidValues) {
  EXPECT_EQ(svg2::pipeline::nearest_valid_frames(32), "33");
  EXPECT_EQ(svg2::pipeline::nearest_valid_frames(30), "29");
  EXPECT_EQ(svg2::pipeline::nearest_valid_frames(31), "29 or 33");
  EXPECT_EQ(svg2::pipeline::nearest_valid_frames(80), "81");
  EXPECT_EQ(svg2::pipeline::nearest_multiple_of_16(830), "832");
  EXPECT_EQ(svg2::pipeline::nearest_multiple_of_16(824), "816 or 832");
  EXPECT_EQ(svg2::pipeline::nearest_multiple_of_16(3), "16");
}

TEST(RenderSetup, FillsModelDefaults) {
  const auto model = svg2::probe_model(svg2::test::tiny_model_dir().string());
  const auto p = svg2::pipeline::resolve_render_params(tiny([](RenderParams& p) { p.seed = 7; }), model);
  EXPECT_EQ(p.width, 64);
  EXPECT_EQ(p.height, 48);
  EXPECT_EQ(p.frames, 5);
  EXPECT_EQ(p.steps, 3);
  EXPECT_DOUBLE_EQ(p.guidance, 4.0);
  EXPECT_DOUBLE_EQ(p.shift, 3.0);
  EXPECT_EQ(p.sampler, svg2::SamplerKind::Euler);
  EXPECT_FALSE(p.use_default_sampler);
  EXPECT_FALSE(p.use_default_negative);
  EXPECT_EQ(p.negative_prompt, "");
  EXPECT_EQ(p.seed, 7);
  EXPECT_EQ(fs::path(p.model_dir), fs::path(model.dir));

  // An explicit choice beats the model's default; a random seed is drawn and recorded.
  const auto q = svg2::pipeline::resolve_render_params(tiny([](RenderParams& p) {
                                                         p.sampler = svg2::SamplerKind::UniPC;
                                                         p.use_default_sampler = false;
                                                         p.seed = -1;
                                                       }),
                                                       model);
  EXPECT_EQ(q.sampler, svg2::SamplerKind::UniPC);
  EXPECT_GE(q.seed, 0);
}

TEST(RenderSetup, RejectsBadInputNamingTheParameter) {
  auto msg = error_of(tiny([](RenderParams& p) { p.frames = 32; }));
  EXPECT_NE(msg.find("frames must be 4n+1"), std::string::npos) << msg;
  EXPECT_NE(msg.find("nearest valid: 33"), std::string::npos) << msg;

  msg = error_of(tiny([](RenderParams& p) {
    p.width = 830;
    p.height = 480;
  }));
  EXPECT_NE(msg.find("width must be a multiple of 16"), std::string::npos) << msg;
  EXPECT_NE(msg.find("832"), std::string::npos) << msg;

  msg = error_of(tiny([](RenderParams& p) { p.width = 64; }));
  EXPECT_NE(msg.find("both width and height"), std::string::npos) << msg;

  msg = error_of(tiny([](RenderParams& p) { p.steps = -2; }));
  EXPECT_NE(msg.find("steps must be between 1 and 1000"), std::string::npos) << msg;
}

TEST(RenderSetup, MoreBadInput) {
  EXPECT_NE(error_of(tiny([](RenderParams& p) { p.guidance = 0.5; })).find("guidance"), std::string::npos);
  EXPECT_NE(error_of(tiny([](RenderParams& p) { p.shift = 0.0; })).find("shift"), std::string::npos);
  EXPECT_NE(error_of(tiny([](RenderParams& p) { p.device = "tpu"; })).find("unknown device"),
            std::string::npos);
  EXPECT_NE(error_of(tiny([](RenderParams& p) { p.dtype = "int8"; })).find("unknown dtype"),
            std::string::npos);
  EXPECT_NE(error_of(tiny([](RenderParams& p) { p.attention.top_p = 0; })).find("top_p"), std::string::npos);
  EXPECT_NE(error_of(tiny([](RenderParams& p) { p.offload_blocks = true; })).find("CUDA"), std::string::npos);
  EXPECT_NE(error_of(tiny([](RenderParams& p) {
              p.dump_qkv_path = "x.safetensors";
              p.dump_qkv_step = 9;
              p.dump_qkv_layer = 0;
            })).find("dump-qkv"),
            std::string::npos);
}

TEST(RenderSetup, UnknownModelFolder) {
  RenderParams p;
  p.model_dir = "/nonexistent/model";
  try {
    svg2::pipeline::model_info_for(p);
    FAIL() << "expected an error";
  } catch (const svg2::Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/model"), std::string::npos) << e.what();
  }
}

TEST(RenderSetup, ParamsFromSidecarOrBareJson) {
  RenderParams p = tiny([](RenderParams& p) {
    p.seed = 42;
    p.frames = 9;
    p.attention.mode = svg2::AttentionMode::Dense;
    p.sampler = svg2::SamplerKind::UniPC;
    p.use_default_sampler = false;
  });
  const fs::path dir = svg2::test::temp_dir("params");
  std::ofstream(dir / "bare.json") << svg2::to_json(p);
  std::ofstream(dir / "sidecar.json") << "{\"svg2_render\": 1, \"params\": " << svg2::to_json(p) << "}";
  for (const char* name : {"bare.json", "sidecar.json"}) {
    const auto q = svg2::render_params_from_file((dir / name).string());
    EXPECT_EQ(q.seed, 42);
    EXPECT_EQ(q.frames, 9);
    EXPECT_EQ(q.attention.mode, svg2::AttentionMode::Dense);
    EXPECT_EQ(q.sampler, svg2::SamplerKind::UniPC);
    EXPECT_FALSE(q.use_default_sampler);
    EXPECT_EQ(q.model_dir, p.model_dir);
  }
  std::ofstream(dir / "bad.json") << "{\"params\": {\"frames\": \"nine\"}}";
  try {
    svg2::render_params_from_file((dir / "bad.json").string());
    FAIL() << "expected an error";
  } catch (const svg2::Error& e) {
    EXPECT_NE(std::string(e.what()).find("frames"), std::string::npos) << e.what();
  }
}

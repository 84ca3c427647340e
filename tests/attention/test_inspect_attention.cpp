#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "attention/synthetic_qkv.h"
#include "io/safetensors_writer.h"
#include "svg2/error.h"
#include "svg2/inspect_attention.h"
#include "svg2/media.h"

namespace svg2 {
namespace {

namespace fs = std::filesystem;

fs::path temp_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("svg2_test_inspect_attention_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

InspectAttentionOptions small_options() {
  InspectAttentionOptions o;
  o.synthetic_heads = 2;
  o.synthetic_frames = 4;
  o.synthetic_height = 8;
  o.synthetic_width = 8;  // S = 256
  o.synthetic_dim = 32;
  o.synthetic_components = 8;
  o.top_p = {0.5, 1.0};
  o.densities = {0.25};
  o.config.query_clusters = 16;
  o.config.key_clusters = 32;
  o.config.kmeans_iters_init = 8;
  return o;
}

const nlohmann::json& point(const nlohmann::json& r, const std::string& backend, const std::string& knob,
                            double value) {
  for (const auto& p : r["points"])
    if (p["backend"] == backend && p["knob"] == knob && std::abs(p["value"].get<double>() - value) < 1e-9)
      return p;
  throw std::runtime_error("no point " + backend + " " + knob);
}

TEST(InspectAttention, SyntheticSweepWritesJsonAndPlot) {
  const fs::path dir = temp_dir("synthetic");
  InspectAttentionOptions o = small_options();
  o.json_path = (dir / "attention.json").string();
  o.plot_path = (dir / "pareto.png").string();
  const nlohmann::json r = nlohmann::json::parse(inspect_attention(o));
  EXPECT_EQ(r["shape"], (std::vector<int>{1, 2, 256, 32}));
  EXPECT_EQ(r["points"].size(), 2u * 3u + 1u);  // svg2 and block-topk: 2 top_p + 1 density; svg1: 1
  EXPECT_TRUE(r["skipped"].empty());
  // top_p = 1 keeps everything: exact.
  EXPECT_LT(point(r, "svg2", "top_p", 1.0)["relative_l2_error"].get<double>(), 1e-5);
  EXPECT_NEAR(point(r, "svg2", "top_p", 1.0)["density"].get<double>(), 1.0, 1e-9);
  EXPECT_NEAR(point(r, "block-topk", "top_p", 1.0)["recall"].get<double>(), 1.0, 1e-5);
  // At equal density, SVG2's semantic clusters cover more of the attention than positional blocks.
  const auto& s = point(r, "svg2", "density", 0.25);
  const auto& b = point(r, "block-topk", "density", 0.25);
  EXPECT_GT(s["recall"].get<double>(), b["recall"].get<double>() + 0.2);
  EXPECT_LT(s["relative_l2_error"].get<double>(), b["relative_l2_error"].get<double>());
  EXPECT_GE(point(r, "svg1", "density", 0.25)["density"].get<double>(), 0.25 - 1e-6);
  // Files: the same JSON, and a readable plot.
  EXPECT_EQ(nlohmann::json::parse(std::ifstream(o.json_path))["points"], r["points"]);
  const Image img = read_png(o.plot_path);
  EXPECT_EQ(img.width, 960);
  EXPECT_EQ(img.height, 600);
  std::size_t coloured = 0;  // the curves are drawn in colour (not only grey axes and black text)
  for (std::size_t i = 0; i + 2 < img.rgb.size(); i += 3)
    coloured += (std::abs(img.rgb[i] - img.rgb[i + 2]) > 80) ? 1 : 0;
  EXPECT_GT(coloured, 500u);
}

TEST(InspectAttention, ReadsSavedQkvAndItsGrid) {
  const fs::path dir = temp_dir("file");
  attention::SyntheticQkvOptions so;
  so.heads = 2;
  so.frames = 2;
  so.height = 8;
  so.width = 8;
  so.dim = 16;
  const attention::SyntheticQkv d = attention::make_synthetic_qkv(so);
  const fs::path with_grid = dir / "qkv.safetensors";
  io::save_safetensors(with_grid, {{"q", d.q[0]}, {"k", d.k[0]}, {"v", d.v[0]}},  // [H, S, D]
                       {{"grid_f", "2"}, {"grid_h", "8"}, {"grid_w", "8"}});
  InspectAttentionOptions o = small_options();
  o.input = with_grid.string();
  o.top_p = {0.9};
  nlohmann::json r = nlohmann::json::parse(inspect_attention(o));
  EXPECT_EQ(r["shape"], (std::vector<int>{1, 2, 128, 16}));
  EXPECT_EQ(r["grid"], (std::vector<int>{2, 8, 8}));
  EXPECT_EQ(r["points"].size(), 5u);

  // Without a grid svg1 is skipped (with the reason), the others still run.
  const fs::path no_grid = dir / "nogrid.safetensors";
  io::save_safetensors(no_grid, {{"q", d.q}, {"k", d.k}, {"v", d.v}});
  o.input = no_grid.string();
  r = nlohmann::json::parse(inspect_attention(o));
  ASSERT_EQ(r["skipped"].size(), 1u);
  EXPECT_EQ(r["skipped"][0]["backend"], "svg1");
  EXPECT_EQ(r["points"].size(), 4u);
  o.grid_f = 2;
  o.grid_h = 8;
  o.grid_w = 8;
  EXPECT_EQ(nlohmann::json::parse(inspect_attention(o))["points"].size(), 5u);
}

TEST(InspectAttention, BadInputsRaiseClearErrors) {
  const fs::path dir = temp_dir("bad");
  const at::Tensor x = at::randn({2, 64, 8});
  const auto expect_error = [](const InspectAttentionOptions& o, const std::string& text) {
    try {
      inspect_attention(o);
      ADD_FAILURE() << "no error, expected: " << text;
    } catch (const svg2::Error& e) {
      EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
    }
  };
  InspectAttentionOptions o = small_options();
  o.input = (dir / "missing.safetensors").string();
  io::save_safetensors(o.input, {{"q", x}, {"k", x}});
  expect_error(o, "has no tensor 'v'");
  io::save_safetensors(o.input, {{"q", x}, {"k", x}, {"v", at::randn({2, 63, 8})}});
  expect_error(o, "must have one shape");
  at::Tensor nan = x.clone();
  nan[1][2][3] = std::numeric_limits<float>::quiet_NaN();
  io::save_safetensors(o.input, {{"q", x}, {"k", nan}, {"v", x}});
  expect_error(o, "'k'");
  o = small_options();
  o.top_p = {0.5, 1.5};
  expect_error(o, "top_p must be in (0, 1]");
  o = small_options();
  o.backends = {"svg3"};
  expect_error(o, "unknown attention mode 'svg3'");
  o.backends = {"dense"};
  expect_error(o, "dense is the reference");
  o = small_options();
  o.config.query_clusters = 0;
  expect_error(o, "query_clusters");
}

}  // namespace
}  // namespace svg2

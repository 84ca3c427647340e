// Model folders: probing the three layouts from headers only, the manifest's validation, scanning.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>

#include "io/checkpoint.h"
#include "io/safetensors_writer.h"
#include "models/wan/dit_weights.h"
#include "pipeline/model_files.h"
#include "pipeline/render_setup.h"
#include "pipeline/tiny_model.h"
#include "svg2/error.h"
#include "svg2/model_info.h"

namespace fs = std::filesystem;
using svg2::test::temp_dir;
using svg2::test::tiny_model_dir;

namespace {

void write_text(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

// A tiny DiT's weights (dim 256, 3 layers) under the given key spelling.
void write_dit(const fs::path& path, svg2::io::KeyFormat format) {
  svg2::wan::DiTConfig c;
  c.dim = 256;
  c.ffn_dim = 512;
  c.num_heads = 2;
  c.num_layers = 3;
  c.text_dim = 64;
  auto dit = svg2::wan::make_random_dit(c, c10::Device(c10::kCPU), at::kFloat, 1);
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  for (const auto& item : dit->named_parameters(true)) {
    const std::string key =
        format == svg2::io::KeyFormat::original
            ? item.key()
            : svg2::io::from_canonical_key(svg2::io::ModelFamily::wan_dit, format, item.key());
    tensors.emplace_back(key, item.value().detach().contiguous());
  }
  fs::create_directories(path.parent_path());
  svg2::io::save_safetensors(path, tensors);
}

void write_tensors(const fs::path& path, std::vector<std::pair<std::string, at::Tensor>> tensors) {
  fs::create_directories(path.parent_path());
  svg2::io::save_safetensors(path, tensors);
}

std::string expect_error(const std::function<void()>& f) {
  try {
    f();
  } catch (const svg2::Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected svg2::Error";
  return {};
}

nlohmann::json read_manifest(const fs::path& dir) {
  std::ifstream in(dir / "svg2_model.json");
  return nlohmann::json::parse(in);
}

// A copy of the tiny model whose manifest is edited by `edit`.
fs::path tiny_with_manifest(const std::function<void(nlohmann::json&)>& edit) {
  const fs::path dir = temp_dir("manifest");
  for (const auto& e : fs::directory_iterator(tiny_model_dir()))
    fs::copy(e.path(), dir / e.path().filename());
  nlohmann::json j = read_manifest(dir);
  edit(j);
  write_text(dir / "svg2_model.json", j.dump(2));
  return dir;
}

}  // namespace

TEST(ModelProbe, ManifestLayout) {
  const auto info = svg2::probe_model(tiny_model_dir().string());
  EXPECT_EQ(info.format, "manifest");
  EXPECT_EQ(info.family, "wan2.1-t2v");
  EXPECT_EQ(info.size_name, "tiny-test");
  EXPECT_EQ(info.dim, 256);
  EXPECT_EQ(info.layers, 2);
  EXPECT_EQ(info.heads, 2);
  EXPECT_EQ(info.head_dim, 128);
  EXPECT_EQ(info.ffn_dim, 512);
  EXPECT_EQ(info.latent_channels, 16);
  EXPECT_EQ(info.default_width, 64);
  EXPECT_EQ(info.default_height, 48);
  EXPECT_EQ(info.default_frames, 5);
  EXPECT_EQ(info.default_steps, 3);
  EXPECT_EQ(info.default_sampler, "euler");
  EXPECT_EQ(info.default_negative_prompt, "");
  EXPECT_EQ(info.text_len, 32);
  ASSERT_EQ(info.sizes.size(), 2u);
  EXPECT_EQ(info.sizes[1], std::make_pair(48, 64));
  ASSERT_TRUE(info.has_attention_defaults);
  EXPECT_EQ(info.attention_defaults.query_clusters, 4);
  EXPECT_EQ(info.attention_defaults.key_clusters, 8);
  EXPECT_DOUBLE_EQ(info.attention_defaults.top_p, 0.5);
  EXPECT_EQ(info.attention_defaults.block_size, 64);  // unspecified keys keep the engine defaults
  EXPECT_GT(info.dit_params, 0);
}

TEST(ModelProbe, OriginalLayoutFromHeaders) {
  const fs::path dir = temp_dir("original");
  write_dit(dir / "diffusion_pytorch_model.safetensors", svg2::io::KeyFormat::original);
  write_text(dir / "config.json",
             R"({"_class_name": "WanModel", "dim": 256, "num_heads": 2, "num_layers": 3})");
  write_text(dir / "models_t5_umt5-xxl-enc-bf16.pth", "not read by probing");
  write_text(dir / "Wan2.1_VAE.pth", "not read by probing");
  write_text(dir / "google" / "umt5-xxl" / "spiece.model", "not read by probing");
  const auto info = svg2::probe_model(dir.string());
  EXPECT_EQ(info.format, "original");
  EXPECT_EQ(info.family, "wan2.1-t2v");
  EXPECT_EQ(info.size_name, "custom");
  EXPECT_EQ(info.dim, 256);
  EXPECT_EQ(info.layers, 3);
  EXPECT_EQ(info.heads, 2);
  EXPECT_EQ(info.default_frames, 81);
  EXPECT_EQ(info.default_steps, 50);
  EXPECT_EQ(info.default_width, 832);
  EXPECT_EQ(info.default_height, 480);
  EXPECT_EQ(info.default_sampler, "unipc");
  EXPECT_EQ(info.default_negative_prompt.size(), 403u);  // Wan's default negative prompt, byte-exact
}

TEST(ModelProbe, OriginalLayoutNamesTheMissingFile) {
  const fs::path dir = temp_dir("original-missing");
  write_dit(dir / "diffusion_pytorch_model.safetensors", svg2::io::KeyFormat::original);
  write_text(dir / "models_t5_umt5-xxl-enc-bf16.pth", "x");
  write_text(dir / "google" / "umt5-xxl" / "spiece.model", "x");
  const auto message = expect_error([&] { svg2::probe_model(dir.string()); });
  EXPECT_NE(message.find("Wan2.1_VAE.pth"), std::string::npos) << message;
}

TEST(ModelProbe, ShardedOriginalLayout) {
  const fs::path dir = temp_dir("sharded");
  write_dit(dir / "full.safetensors", svg2::io::KeyFormat::original);
  // Split the tensors over two shards with an index, as the 14B release does.
  const auto ckpt = svg2::io::Checkpoint::open(dir / "full.safetensors");
  std::vector<std::pair<std::string, at::Tensor>> a, b;
  nlohmann::json map;
  for (const auto& key : ckpt.keys()) {
    const bool first = key.rfind("blocks.2.", 0) != 0;
    (first ? a : b).emplace_back(key, ckpt.load(key));
    map[key] = first ? "diffusion_pytorch_model-00001-of-00002.safetensors"
                     : "diffusion_pytorch_model-00002-of-00002.safetensors";
  }
  svg2::io::save_safetensors(dir / "diffusion_pytorch_model-00001-of-00002.safetensors", a);
  svg2::io::save_safetensors(dir / "diffusion_pytorch_model-00002-of-00002.safetensors", b);
  fs::remove(dir / "full.safetensors");
  write_text(dir / "diffusion_pytorch_model.safetensors.index.json",
             nlohmann::json{{"metadata", {{"total_size", 0}}}, {"weight_map", map}}.dump());
  write_text(dir / "models_t5_umt5-xxl-enc-bf16.pth", "x");
  write_text(dir / "Wan2.1_VAE.pth", "x");
  write_text(dir / "google" / "umt5-xxl" / "spiece.model", "x");
  const auto info = svg2::probe_model(dir.string());
  EXPECT_EQ(info.layers, 3);
  EXPECT_EQ(svg2::pipeline::locate_model_files(dir.string()).dit_files.size(), 2u);
}

TEST(ModelProbe, DiffusersLayout) {
  const fs::path dir = temp_dir("diffusers");
  write_text(dir / "model_index.json", R"({"_class_name": "WanPipeline"})");
  write_dit(dir / "transformer" / "diffusion_pytorch_model.safetensors", svg2::io::KeyFormat::diffusers);
  write_text(dir / "transformer" / "config.json", R"({"num_attention_heads": 2, "attention_head_dim": 128})");
  write_tensors(dir / "vae" / "diffusion_pytorch_model.safetensors",
                {{"decoder.conv_in.weight", at::zeros({4, 16, 3, 3, 3})}});
  write_tensors(dir / "text_encoder" / "model.safetensors", {{"shared.weight", at::zeros({4, 4})}});
  write_text(dir / "tokenizer" / "spiece.model", "x");
  const auto info = svg2::probe_model(dir.string());
  EXPECT_EQ(info.format, "diffusers");
  EXPECT_EQ(info.dim, 256);
  EXPECT_EQ(info.layers, 3);
  EXPECT_EQ(info.heads, 2);
  EXPECT_EQ(info.ffn_dim, 512);
  EXPECT_EQ(info.latent_channels, 16);
}

TEST(ModelProbe, NotAModelFolder) {
  const fs::path dir = temp_dir("empty");
  const auto message = expect_error([&] { svg2::probe_model(dir.string()); });
  EXPECT_NE(message.find("not a model folder"), std::string::npos) << message;
  EXPECT_NE(expect_error([&] { svg2::probe_model((dir / "nope").string()); }).find("does not exist"),
            std::string::npos);
}

TEST(ModelProbe, TruncatedCheckpointIsAClearError) {
  const fs::path dir = tiny_with_manifest([](nlohmann::json&) {});
  const auto size = fs::file_size(dir / "dit.safetensors");
  fs::resize_file(dir / "dit.safetensors", size / 2);
  const auto message = expect_error([&] { svg2::probe_model(dir.string()); });
  EXPECT_NE(message.find("dit.safetensors"), std::string::npos) << message;
}

TEST(ModelProbe, ManifestErrorsNameTheKey) {
  auto message = expect_error([] {
    svg2::probe_model(tiny_with_manifest([](nlohmann::json& j) { j["defaults"]["frames"] = 32; }).string());
  });
  EXPECT_NE(message.find("defaults.frames"), std::string::npos) << message;
  EXPECT_NE(message.find("4n+1"), std::string::npos) << message;

  message = expect_error([] {
    svg2::probe_model(tiny_with_manifest([](nlohmann::json& j) { j["files"].erase("vae"); }).string());
  });
  EXPECT_NE(message.find("files.vae"), std::string::npos) << message;

  message = expect_error([] {
    svg2::probe_model(tiny_with_manifest([](nlohmann::json& j) { j["format_version"] = 2; }).string());
  });
  EXPECT_NE(message.find("format_version 2"), std::string::npos) << message;

  message = expect_error([] {
    svg2::probe_model(tiny_with_manifest([](nlohmann::json& j) { j["attention"]["top_p"] = 1.5; }).string());
  });
  EXPECT_NE(message.find("top_p"), std::string::npos) << message;

  message = expect_error([] {
    svg2::probe_model(tiny_with_manifest([](nlohmann::json& j) {
                        j["preview"]["latent_rgb_factors"] = {{1, 2, 3}};
                      }).string());
  });
  EXPECT_NE(message.find("latent_rgb_factors"), std::string::npos) << message;

  message = expect_error([] {
    svg2::probe_model(
        tiny_with_manifest([](nlohmann::json& j) { j["files"]["dit"] = "missing.safetensors"; }).string());
  });
  EXPECT_NE(message.find("missing.safetensors"), std::string::npos) << message;
}

TEST(ModelProbe, ScanSkipsNonModels) {
  const fs::path root = temp_dir("scan");
  fs::create_directories(root / "junk");
  write_text(root / "junk" / "readme.txt", "hi");
  fs::copy(tiny_model_dir(), root / "tiny", fs::copy_options::recursive);
  const fs::path broken = root / "broken";
  fs::copy(tiny_model_dir(), broken, fs::copy_options::recursive);
  write_text(broken / "svg2_model.json", "{ not json");
  const auto models = svg2::scan_models({root.string(), (root / "does-not-exist").string()});
  ASSERT_EQ(models.size(), 1u);
  EXPECT_EQ(fs::path(models[0].dir).filename(), "tiny");
}

TEST(ModelProbe, RandomWeightsArchitectures) {
  const auto small = svg2::random_weights_model_info("wan-1.3b");
  EXPECT_EQ(small.dit_params, 1418996800);  // the released 1.3B DiT's parameter count
  EXPECT_EQ(small.dim, 1536);
  EXPECT_EQ(small.layers, 30);
  EXPECT_EQ(small.heads, 12);
  const auto big = svg2::random_weights_model_info("wan-14b");
  EXPECT_EQ(big.dim, 5120);
  EXPECT_EQ(big.default_width, 1280);
  const auto message = expect_error([] { svg2::random_weights_model_info("wan-2b"); });
  EXPECT_NE(message.find("wan-1.3b"), std::string::npos) << message;
}

// svg2/model_info.h: probe model folders from their headers only.
#include <algorithm>
#include <filesystem>
#include <regex>
#include <set>

#include "core/check.h"
#include "core/log.h"
#include "core/paths.h"
#include "pipeline/model_files.h"
#include "pipeline/wan_constants.h"
#include "pipeline/weight_headers.h"
#include "svg2/model_info.h"

namespace svg2 {
namespace fs = std::filesystem;
using pipeline::ModelFormat;

namespace {

// A tensor by its Wan name, also under the prefix ComfyUI-style single files use.
const pipeline::TensorShape* find_tensor(const pipeline::ShapeMap& shapes, const std::string& name) {
  for (const char* prefix : {"", "model.diffusion_model."}) {
    auto it = shapes.find(prefix + name);
    if (it != shapes.end()) return &it->second;
  }
  return nullptr;
}

// Returns the patch embedding's input channels (T2V: the VAE's z_dim; I2V: 2 z_dim + 4).
int64_t fill_dit_shape(ModelInfo& info, const pipeline::ModelFiles& files) {
  const auto shapes = pipeline::read_safetensors_shapes(files.dit_files);
  const bool diffusers = files.format == ModelFormat::Diffusers;
  const auto* head_mod = find_tensor(shapes, diffusers ? "scale_shift_table" : "head.modulation");
  SVG2_CHECK(head_mod && head_mod->shape.size() == 3,
             "model folder '{}': the DiT checkpoint has no '{}' tensor; is this a Wan 2.1 DiT?", files.dir,
             diffusers ? "scale_shift_table" : "head.modulation");
  info.dim = static_cast<int>(head_mod->shape[2]);
  std::set<int> blocks;
  static const std::regex block_re(R"((?:^|\.)blocks\.(\d+)\.)");
  for (const auto& [name, t] : shapes) {
    info.dit_params += t.numel();
    std::smatch m;
    if (std::regex_search(name, m, block_re)) blocks.insert(std::stoi(m[1]));
  }
  info.layers = static_cast<int>(blocks.size());
  const auto* ffn =
      find_tensor(shapes, diffusers ? "blocks.0.ffn.net.0.proj.weight" : "blocks.0.ffn.0.weight");
  if (ffn && !ffn->shape.empty()) info.ffn_dim = static_cast<int>(ffn->shape[0]);
  const auto* patch = find_tensor(shapes, "patch_embedding.weight");
  SVG2_CHECK(patch && patch->shape.size() == 5,
             "model folder '{}': the DiT checkpoint has no patch_embedding.weight", files.dir);
  const auto in_dim = patch->shape[1];
  info.heads = files.dit_num_heads.value_or(std::max(1, info.dim / 128));
  SVG2_CHECK(info.heads > 0 && info.dim % info.heads == 0,
             "model folder '{}': DiT width {} is not divisible by {} heads", files.dir, info.dim, info.heads);
  info.head_dim = info.dim / info.heads;
  return in_dim;
}

// z_dim from the VAE decoder's first conv (safetensors only; .pth stays at Wan's 16).
void fill_latent_channels(ModelInfo& info, const pipeline::ModelFiles& files) {
  if (files.vae_file.size() < 12 || files.vae_file.substr(files.vae_file.size() - 12) != ".safetensors")
    return;
  const auto shapes = pipeline::read_safetensors_shapes(files.vae_file);
  for (const char* key : {"decoder.conv1.weight", "decoder.conv_in.weight"}) {
    if (auto it = shapes.find(key); it != shapes.end() && it->second.shape.size() == 5) {
      info.latent_channels = static_cast<int>(it->second.shape[1]);
      return;
    }
  }
}

void fill_wan_defaults(ModelInfo& info) {
  const bool big = info.dim >= 5120;
  if (info.dim == 1536 && info.layers == 30) {
    info.size_name = "1.3B";
  } else if (info.dim == 5120 && info.layers == 40) {
    info.size_name = "14B";
  } else {
    info.size_name = "custom";
  }
  info.default_width = big ? 1280 : 832;
  info.default_height = big ? 720 : 480;
  info.default_frames = 81;
  info.default_steps = 50;
  info.default_guidance = 5.0;
  info.default_shift = 5.0;
  info.default_sampler = "unipc";
  info.default_negative_prompt = std::string(pipeline::kWanDefaultNegativePrompt);
  info.sizes = {{832, 480}, {480, 832}};
  if (big) info.sizes.insert(info.sizes.begin(), {{1280, 720}, {720, 1280}});
  info.description = fmt::format("Wan 2.1 T2V {} ({} layout)", info.size_name, info.format);
}

void fill_manifest_defaults(ModelInfo& info, const pipeline::ModelManifest& m) {
  info.family = m.family;
  info.size_name = m.size_name;
  info.description = m.description;
  info.default_width = m.width;
  info.default_height = m.height;
  info.default_frames = m.frames;
  info.default_steps = m.steps;
  info.default_guidance = m.guidance;
  info.default_shift = m.shift;
  info.default_sampler = m.sampler;
  info.default_negative_prompt = m.negative_prompt.value_or(std::string(pipeline::kWanDefaultNegativePrompt));
  info.sizes = m.sizes;
  info.text_len = m.text_len;
  if (m.attention) {
    info.has_attention_defaults = true;
    info.attention_defaults = *m.attention;
  }
}

}  // namespace

ModelInfo probe_model(const std::string& dir) {
  const auto files = pipeline::locate_model_files(dir);
  ModelInfo info;
  info.dir = files.dir;
  info.format = pipeline::to_string(files.format);
  const int64_t dit_in_dim = fill_dit_shape(info, files);
  fill_latent_channels(info, files);
  // T2V iff the DiT's input channels equal the VAE's latent channels (small self-made models too).
  info.family = dit_in_dim == info.latent_channels ? "wan2.1-t2v" : "wan2.1-i2v";
  if (files.manifest) {
    const std::string family = info.family;
    fill_manifest_defaults(info, *files.manifest);
    SVG2_CHECK(family == "wan2.1-t2v",
               "{}: family says wan2.1-t2v but the DiT takes image conditioning (I2V)", files.manifest->path);
    if (!files.manifest->latents_mean.empty())
      SVG2_CHECK(static_cast<int>(files.manifest->latents_mean.size()) == info.latent_channels,
                 "{}: vae.latents_mean has {} entries but the VAE has {} latent channels",
                 files.manifest->path, files.manifest->latents_mean.size(), info.latent_channels);
    const auto& factors = files.manifest->latent_rgb_factors;
    SVG2_CHECK(factors.empty() || static_cast<int>(factors.size()) == info.latent_channels,
               "{}: preview.latent_rgb_factors has {} rows but the VAE has {} latent channels",
               files.manifest->path, factors.size(), info.latent_channels);
  } else {
    fill_wan_defaults(info);
  }
  return info;
}

std::vector<ModelInfo> scan_models(const std::vector<std::string>& folders) {
  std::set<std::string> candidates;
  for (const auto& folder : folders) {
    std::error_code ec;
    if (!fs::is_directory(folder, ec)) continue;
    candidates.insert(fs::absolute(folder).lexically_normal().string());
    for (const auto& e : fs::directory_iterator(folder, ec))
      if (e.is_directory(ec)) candidates.insert(fs::absolute(e.path()).lexically_normal().string());
  }
  std::vector<ModelInfo> found;
  for (const auto& dir : candidates) {
    if (!pipeline::detect_model_format(dir)) continue;
    try {
      found.push_back(probe_model(dir));
    } catch (const Error& e) {
      log_warn("skipping model folder '{}': {}", dir, e.what());
    }
  }
  return found;
}

std::string bundled_demo_model_dir() {
  return (fs::path(resources_dir()) / "models" / "demo").string();
}

}  // namespace svg2

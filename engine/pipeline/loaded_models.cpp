#include "pipeline/loaded_models.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/ops/cat.h>
#include <ATen/ops/randn.h>

#include <filesystem>

#include "core/check.h"
#include "core/device.h"
#include "core/log.h"
#include "io/checkpoint.h"
#include "models/wan/dit_weights.h"
#include "models/wan/vae_config.h"
#include "pipeline/model_files.h"
#include "pipeline/random_arch.h"

namespace svg2::pipeline {
namespace fs = std::filesystem;

namespace {

// What io::Checkpoint::open takes for a list of shards: the file itself, or their folder.
fs::path checkpoint_path(const std::vector<std::string>& files) {
  SVG2_CHECK(!files.empty(), "no checkpoint files");
  return files.size() == 1 ? fs::path(files.front()) : fs::path(files.front()).parent_path();
}

LatentPreview preview_for(const ModelInfo& info, const std::optional<ModelManifest>& manifest,
                          wan::WanVaeImpl& vae);

void load_from_folder(LoadedModels& m, wan::BlockPlacement blocks) {
  const ModelFiles files = locate_model_files(m.info.dir);
  const c10::Device cpu(c10::kCPU);

  const auto dit_ckpt = io::Checkpoint::open(checkpoint_path(files.dit_files), io::ModelFamily::wan_dit);
  wan::DiTLoadOptions dit_options;
  dit_options.device = m.device;
  dit_options.compute_dtype = m.dtype;
  if (files.dit_num_heads) dit_options.num_heads = *files.dit_num_heads;
  dit_options.text_len = m.info.text_len;
  dit_options.blocks = blocks;
  m.dit = wan::load_dit(dit_ckpt, dit_options);

  const fs::path t5_path = files.format == ModelFormat::Diffusers
                               ? checkpoint_path(files.text_encoder_files)
                               : fs::path(files.text_encoder_files.front());
  m.text.emplace(text::TextEncoder::load(t5_path, files.tokenizer_file, m.device, m.dtype, m.info.text_len));

  m.vae = load_model_vae(files, m.device);
  m.preview = preview_for(m.info, files.manifest, *m.vae);
}

void build_random(LoadedModels& m, wan::BlockPlacement blocks) {
  const RandomArch& a = random_arch(m.info.random_weights);
  wan::DiTConfig dit_config;
  if (a.name == "wan-1.3b" || a.name == "wan-14b") {
    dit_config = wan::dit_preset(a.name);
  } else {
    dit_config.name = "custom";
    dit_config.dim = a.dim;
    dit_config.ffn_dim = a.ffn_dim;
    dit_config.num_heads = a.heads;
    dit_config.num_layers = a.layers;
    dit_config.text_dim = a.t5_dim;
  }
  m.dit = wan::make_random_dit(dit_config, m.device, m.dtype, /*seed=*/1, blocks);

  text::UMT5Config t5;
  t5.vocab_size = a.t5_vocab;
  t5.d_model = a.t5_dim;
  t5.num_heads = a.t5_heads;
  t5.d_kv = a.t5_dim / a.t5_heads;
  t5.d_ff = a.t5_ffn;
  t5.num_layers = a.t5_layers;
  t5.num_buckets = a.t5_buckets;
  m.random_text = text::UMT5Encoder(t5, at::TensorOptions().dtype(m.dtype).device(m.device));
  text::init_random_umt5(*m.random_text, /*seed=*/2);
  m.random_text->eval();

  const auto vae_config = wan::make_wan_vae_config(a.vae_base_dim, a.z_dim);
  m.vae = wan::WanVae(vae_config, at::TensorOptions().dtype(c10::kFloat).device(m.device));
  wan::init_random_wan_vae(*m.vae, /*seed=*/3);
  m.vae->eval();
  m.preview = LatentPreview::wan21();
}

// Wan 2.1's factors for 16-channel latents unless the manifest brings its own; otherwise a
// least-squares fit of the VAE's decoded colours on random latents, once per load.
LatentPreview preview_for(const ModelInfo& info, const std::optional<ModelManifest>& manifest,
                          wan::WanVaeImpl& vae) {
  if (manifest && !manifest->latent_rgb_factors.empty())
    return LatentPreview(manifest->latent_rgb_factors, manifest->latent_rgb_bias);
  const int channels = static_cast<int>(vae.config().z_dim);
  if (channels == 16) return LatentPreview::wan21();
  log_info("fitting a latent preview projection for {} latent channels", channels);
  c10::InferenceMode guard;
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(7);
  const int64_t side = 8, samples = 8;
  at::Tensor z = at::randn({samples, channels, 1, side, side}, gen, at::TensorOptions().dtype(at::kFloat));
  const auto sf = vae.config().spatial_factor();
  at::Tensor rgb = vae.decode(z.to(vae.device())).to(at::kFloat).cpu();         // [N, 3, 1, side*sf, side*sf]
  rgb = rgb.squeeze(2).reshape({samples, 3, side, sf, side, sf}).mean({3, 5});  // [N, 3, side, side]
  at::Tensor latents = z.squeeze(2).permute({0, 2, 3, 1}).reshape({-1, channels});
  at::Tensor colors = rgb.permute({0, 2, 3, 1}).reshape({-1, 3});
  return LatentPreview::fit(latents, colors);
}

}  // namespace

std::string model_key(const ModelInfo& info, const c10::Device& device, c10::ScalarType dtype) {
  const std::string source =
      info.random_weights.empty() ? "dir:" + info.dir : "random:" + info.random_weights;
  return fmt::format("{}|{}|{}", source, device.str(), dtype_name(dtype));
}

wan::WanVae load_model_vae(const ModelFiles& files, const c10::Device& device) {
  std::vector<double> mean, stdev;
  if (files.manifest) {
    mean.assign(files.manifest->latents_mean.begin(), files.manifest->latents_mean.end());
    stdev.assign(files.manifest->latents_std.begin(), files.manifest->latents_std.end());
  }
  return wan::load_wan_vae(io::Checkpoint::open(files.vae_file, io::ModelFamily::wan_vae), device,
                           c10::kFloat, mean, stdev);
}

std::unique_ptr<LoadedModels> load_models(const ModelInfo& info, const c10::Device& device,
                                          c10::ScalarType dtype, bool offload_blocks) {
  SVG2_CHECK(!offload_blocks || device.is_cuda(),
             "block offload (--offload) needs a CUDA device (device is '{}')", device.str());
  const auto blocks = offload_blocks ? wan::BlockPlacement::host : wan::BlockPlacement::device;
  auto m = std::make_unique<LoadedModels>();
  m->key = model_key(info, device, dtype);
  m->info = info;
  m->device = device;
  m->dtype = dtype;
  if (info.random_weights.empty()) {
    load_from_folder(*m, blocks);
  } else {
    build_random(*m, blocks);
  }
  m->dit->eval();
  if (offload_blocks) m->dit->enable_block_offload();
  return m;
}

}  // namespace svg2::pipeline

#include "models/wan/wan_vae.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/ops/cat.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/tensor.h>
#include <c10/core/InferenceMode.h>
#include <fmt/ranges.h>

#include <cmath>

#include "core/check.h"
#include "core/device.h"
#include "core/log.h"
#include "io/checkpoint.h"

namespace svg2::wan {
namespace {

std::string shape_str(const at::Tensor& t) {
  return fmt::format("[{}]", fmt::join(t.sizes(), ", "));
}

// "nearest valid" values for a count that must be 1 + step*k.
std::string nearest_one_plus(int64_t n, int64_t step) {
  const int64_t below = n < 1 ? 1 : 1 + ((n - 1) / step) * step;
  return fmt::format("{} or {}", below, below + step);
}

std::string nearest_multiple(int64_t n, int64_t step) {
  const int64_t below = (n / step) * step;
  return below == 0 ? fmt::format("{}", step) : fmt::format("{} or {}", below, below + step);
}

}  // namespace

WanVaeImpl::WanVaeImpl(const WanVaeConfig& config, const at::TensorOptions& options) : config_(config) {
  SVG2_CHECK(config.encoder || config.decoder, "Wan VAE config has neither an encoder nor a decoder");
  if (config_.latents_mean.empty() && config_.latents_std.empty()) {
    if (config_.z_dim == 16) {
      config_.latents_mean = wan21_latents_mean();
      config_.latents_std = wan21_latents_std();
    } else {
      log_warn("Wan VAE with z_dim {}: no latent mean/std given, using identity normalization",
               config_.z_dim);
      config_.latents_mean.assign(config_.z_dim, 0.0);
      config_.latents_std.assign(config_.z_dim, 1.0);
    }
  }
  SVG2_CHECK(static_cast<int64_t>(config_.latents_mean.size()) == config_.z_dim &&
                 static_cast<int64_t>(config_.latents_std.size()) == config_.z_dim,
             "VAE latents_mean / latents_std have {} / {} values; the VAE's z_dim is {}",
             config_.latents_mean.size(), config_.latents_std.size(), config_.z_dim);
  for (double s : config_.latents_std)
    SVG2_CHECK(s > 0 && std::isfinite(s), "VAE latents_std must be > 0, got {}", s);

  const int64_t z = config_.z_dim;
  if (config_.encoder) {
    encoder = register_module("encoder", VaeStack(*config_.encoder, /*decoder=*/false, options));
    conv1 = register_module(
        "conv1", CausalConv3d(2 * z, 2 * z, Dims3{1, 1, 1}, Dims3{1, 1, 1}, Dims3{0, 0, 0}, options));
  }
  if (config_.decoder) {
    conv2 =
        register_module("conv2", CausalConv3d(z, z, Dims3{1, 1, 1}, Dims3{1, 1, 1}, Dims3{0, 0, 0}, options));
    decoder = register_module("decoder", VaeStack(*config_.decoder, /*decoder=*/true, options));
  }
}

c10::Device WanVaeImpl::device() const {
  return (decoder ? conv2 : conv1)->weight.device();
}
c10::ScalarType WanVaeImpl::dtype() const {
  return (decoder ? conv2 : conv1)->weight.scalar_type();
}

int64_t WanVaeImpl::video_frames(int64_t latent_frames) const {
  return latent_frames <= 0 ? 0 : 1 + config_.temporal_factor() * (latent_frames - 1);
}

int64_t WanVaeImpl::latent_frames(int64_t video_frames) const {
  return video_frames <= 0 ? 0 : 1 + (video_frames - 1) / config_.temporal_factor();
}

at::Tensor WanVaeImpl::stat(const std::vector<double>& values, const at::Tensor& like) const {
  return at::tensor(values, at::TensorOptions().dtype(at::kDouble))
      .to(like.device(), at::kFloat)
      .view({1, config_.z_dim, 1, 1, 1});
}

// Wan keeps scale = [mean, 1 / std] (fp32) and computes z / scale[1] + scale[0] and
// (mu - scale[0]) * scale[1]; the same arithmetic here.
at::Tensor WanVaeImpl::normalize(const at::Tensor& mu) const {
  const at::Tensor inv_std = 1.0 / stat(config_.latents_std, mu);
  return ((mu.to(at::kFloat) - stat(config_.latents_mean, mu)) * inv_std).to(mu.scalar_type());
}

at::Tensor WanVaeImpl::denormalize(const at::Tensor& z) const {
  const at::Tensor inv_std = 1.0 / stat(config_.latents_std, z);
  return (z.to(at::kFloat) / inv_std + stat(config_.latents_mean, z)).to(z.scalar_type());
}

void WanVaeImpl::check_latents(const at::Tensor& latents) const {
  SVG2_CHECK(decoder, "this VAE has no decoder weights ('decoder.*'), so it cannot decode");
  SVG2_CHECK(latents.dim() == 5, "VAE decode: latents must be [batch, {}, frames, height, width], got {}",
             config_.z_dim, shape_str(latents));
  SVG2_CHECK(latents.size(1) == config_.z_dim,
             "VAE decode: latents have {} channels, the VAE's z_dim is {} (shape {})", latents.size(1),
             config_.z_dim, shape_str(latents));
  SVG2_CHECK(latents.size(0) >= 1 && latents.size(2) >= 1 && latents.size(3) >= 1 && latents.size(4) >= 1,
             "VAE decode: latents shape {} has an empty dimension", shape_str(latents));
  SVG2_CHECK(latents.is_floating_point(), "VAE decode: latents must be floating point");
}

at::Tensor WanVaeImpl::decode_frame(const at::Tensor& x, VaeCausalCache& cache) {
  cache.start_chunk();
  return decoder->forward(x, cache);
}

at::Tensor WanVaeImpl::decode(const at::Tensor& latents, const VaeTiling& tiling, const VaeFrameSink& sink,
                              VaeDecodeStats* stats_out) {
  check_latents(latents);
  c10::InferenceMode guard;
  VaeDecodeStats stats;
  const at::Tensor x = conv2->forward(denormalize(latents.to(device(), dtype())));
  const int64_t sf = config_.spatial_factor();
  const bool tile = tiling.enabled && (x.size(3) > tiling.tile_latent || x.size(4) > tiling.tile_latent);
  at::Tensor result;
  if (tile) {
    result = decode_tiled(*this, x, tiling, sink, stats);
  } else {
    VaeCausalCache cache;
    std::vector<at::Tensor> chunks;
    int64_t frame = 0;
    for (int64_t i = 0; i < x.size(2); ++i) {
      at::Tensor out = decode_frame(x.slice(2, i, i + 1), cache).clamp(-1.0, 1.0);
      stats.cache_bytes = std::max(stats.cache_bytes, cache.bytes());
      ++stats.chunks;
      if (sink) {
        sink(out, frame);
      } else {
        chunks.push_back(out);
      }
      frame += out.size(2);
    }
    if (!sink) result = at::cat(chunks, 2);
  }
  log_debug("VAE decode: {} latent frames {}x{} -> {}x{} px, {} chunks, {} tiles, cache {:.1f} MiB",
            x.size(2), x.size(3), x.size(4), x.size(3) * sf, x.size(4) * sf, stats.chunks, stats.tiles,
            static_cast<double>(stats.cache_bytes) / (1 << 20));
  if (stats_out) *stats_out = stats;
  return result;
}

at::Tensor WanVaeImpl::encode(const at::Tensor& video) {
  SVG2_CHECK(encoder, "this VAE has no encoder weights ('encoder.*'), so it cannot encode");
  const int64_t channels = config_.encoder->in_channels;
  const int64_t sf = config_.spatial_factor(), tf = config_.temporal_factor();
  SVG2_CHECK(video.dim() == 5, "VAE encode: video must be [batch, {}, frames, height, width], got {}",
             channels, shape_str(video));
  SVG2_CHECK(video.size(1) == channels, "VAE encode: video has {} channels, expected {} (shape {})",
             video.size(1), channels, shape_str(video));
  const int64_t frames = video.size(2), h = video.size(3), w = video.size(4);
  SVG2_CHECK(frames >= 1 && (frames - 1) % tf == 0,
             "VAE encode: {} frames; the VAE needs 1 + {}k frames (nearest: {})", frames, tf,
             nearest_one_plus(frames, tf));
  SVG2_CHECK(h >= sf && h % sf == 0, "VAE encode: height {} must be a multiple of {} (nearest: {})", h, sf,
             nearest_multiple(h, sf));
  SVG2_CHECK(w >= sf && w % sf == 0, "VAE encode: width {} must be a multiple of {} (nearest: {})", w, sf,
             nearest_multiple(w, sf));
  c10::InferenceMode guard;
  const at::Tensor x = video.to(device(), dtype());
  VaeCausalCache cache;
  std::vector<at::Tensor> chunks;
  for (int64_t start = 0; start < frames;) {
    const int64_t end = start == 0 ? 1 : start + tf;  // chunks of 1, then tf frames
    cache.start_chunk();
    chunks.push_back(encoder->forward(x.slice(2, start, end), cache));
    start = end;
  }
  const at::Tensor mu = conv1->forward(at::cat(chunks, 2)).slice(1, 0, config_.z_dim);
  return normalize(mu);
}

WanVaeConfig detect_wan_vae_config(const io::Checkpoint& weights) {
  std::map<std::string, std::vector<int64_t>> shapes;
  for (const auto& key : weights.keys()) shapes.emplace(key, weights.info(key).shape);
  return detect_wan_vae_config(shapes);
}

WanVae load_wan_vae(const io::Checkpoint& weights, c10::Device device, c10::ScalarType dtype,
                    const std::vector<double>& latents_mean, const std::vector<double>& latents_std) {
  WanVaeConfig config = detect_wan_vae_config(weights);
  config.latents_mean = latents_mean;
  config.latents_std = latents_std;
  log_info("{} from {} ({} on {})", config.describe(), weights.describe(), dtype_name(dtype), device.str());
  WanVae vae(config, at::TensorOptions().dtype(dtype).device(device));
  vae->eval();
  io::LoadOptions options;
  options.dtype = dtype;
  options.device = device;
  io::load_into(*vae, weights, options);
  return vae;
}

void init_random_wan_vae(WanVaeImpl& vae, uint64_t seed) {
  c10::InferenceMode guard;
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  for (auto& item : vae.named_parameters(/*recurse=*/true)) {
    at::Tensor& p = item.value();
    const std::string& name = item.key();
    at::Tensor cpu = at::empty(p.sizes(), at::TensorOptions().dtype(at::kFloat));
    if (name.size() >= 5 && name.compare(name.size() - 5, 5, "gamma") == 0) {
      cpu.fill_(1.0);
    } else if (p.dim() <= 1) {
      cpu.normal_(0.0, 0.02, gen);
    } else {
      const double fan_in = static_cast<double>(p.numel() / p.size(0));
      cpu.normal_(0.0, 1.0 / std::sqrt(fan_in), gen);
    }
    p.copy_(cpu);
  }
}

}  // namespace svg2::wan

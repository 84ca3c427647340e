// `svg2 inspect vae`: Wan VAE decode / encode on saved tensors, safetensors out.
#include "svg2/inspect_vae.h"

#include <c10/core/InferenceMode.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/check.h"
#include "core/device.h"
#include "io/checkpoint.h"
#include "io/safetensors_writer.h"
#include "models/wan/wan_vae.h"
#include "pipeline/device_memory.h"
#include "pipeline/model_files.h"

namespace svg2 {
namespace fs = std::filesystem;

namespace {

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

std::string inspect_vae(const InspectVaeOptions& o) {
  SVG2_CHECK(o.mode == "decode" || o.mode == "encode",
             "inspect vae: mode '{}' unknown (allowed: decode, encode)", o.mode);
  SVG2_CHECK(!o.inputs.empty(), "inspect vae: --inputs is required (a .safetensors file)");
  SVG2_CHECK(!o.out.empty(), "inspect vae: --out is required (a .safetensors file)");
  const bool decode = o.mode == "decode";

  fs::path weights = o.weights;
  std::vector<double> mean = o.latents_mean, std = o.latents_std;
  if (!o.model_dir.empty()) {
    const pipeline::ModelFiles files = pipeline::locate_model_files(o.model_dir);
    if (weights.empty()) weights = files.vae_file;
    if (mean.empty() && std.empty() && files.manifest) {
      mean.assign(files.manifest->latents_mean.begin(), files.manifest->latents_mean.end());
      std.assign(files.manifest->latents_std.begin(), files.manifest->latents_std.end());
    }
  }
  SVG2_CHECK(!weights.empty(), "inspect vae: no weights (give --model DIR or --weights FILE)");

  const io::Checkpoint in = io::Checkpoint::open(o.inputs);
  const std::string key = o.input_key.empty() ? (decode ? "latents" : "video") : o.input_key;
  SVG2_CHECK(in.contains(key), "inspect vae: '{}' has no tensor named '{}'", o.inputs, key);
  at::Tensor x = in.load(key, c10::kFloat);
  const bool batched = x.dim() == 5;
  if (x.dim() == 4) x = x.unsqueeze(0);

  const c10::Device device = resolve_device(o.device);
  const c10::ScalarType dtype = resolve_dtype(o.dtype, device);
  auto t0 = std::chrono::steady_clock::now();
  wan::WanVae vae =
      wan::load_wan_vae(io::Checkpoint::open(weights, io::ModelFamily::wan_vae), device, dtype, mean, std);
  const double load_ms = ms_since(t0);

  pipeline::reset_peak_device_memory(device);
  t0 = std::chrono::steady_clock::now();
  nlohmann::json result = {{"ok", true},
                           {"mode", o.mode},
                           {"weights", weights.string()},
                           {"device", device.str()},
                           {"dtype", dtype_name(dtype)},
                           {"input_shape", x.sizes().vec()},
                           {"z_dim", vae->config().z_dim}};
  at::Tensor y;
  if (decode) {
    wan::VaeTiling tiling;
    tiling.enabled = o.tiled;
    tiling.tile_latent = o.tile_latent;
    tiling.overlap_latent = o.tile_overlap_latent;
    wan::VaeDecodeStats stats;
    y = vae->decode(x, tiling, {}, &stats);
    result["chunks"] = stats.chunks;
    result["tiles"] = stats.tiles;
    result["cache_bytes"] = stats.cache_bytes;
  } else {
    y = vae->encode(x);
  }
  pipeline::synchronize(device);
  result["run_ms"] = ms_since(t0);
  result["peak_memory_bytes"] = pipeline::peak_device_memory(device);
  y = y.to(at::kCPU, at::kFloat);
  if (!batched) y = y.squeeze(0);
  result["output_shape"] = y.sizes().vec();
  result["load_ms"] = load_ms;
  result["out"] = o.out;
  io::save_safetensors(o.out, {{decode ? "video" : "latents", y}}, {{"producer", "svg2 inspect vae"}});
  return result.dump();
}

}  // namespace svg2

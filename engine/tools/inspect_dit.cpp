// `svg2 inspect dit`: one DiT forward on saved inputs, safetensors out.
#include "svg2/inspect_dit.h"

#include <c10/core/InferenceMode.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/check.h"
#include "core/device.h"
#include "io/checkpoint.h"
#include "io/safetensors_writer.h"
#include "models/wan/dit_weights.h"
#include "pipeline/device_memory.h"
#include "pipeline/model_files.h"

namespace svg2 {
namespace fs = std::filesystem;

namespace {

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

// Shards of one checkpoint: a single file, or their common folder.
fs::path checkpoint_of(const std::vector<std::string>& files) {
  SVG2_CHECK(!files.empty(), "model folder lists no DiT weights");
  return files.size() == 1 ? fs::path(files.front()) : fs::path(files.front()).parent_path();
}

wan::WanDiT load_model(const InspectDitOptions& o, const c10::Device& device, c10::ScalarType dtype,
                       nlohmann::json& result) {
  if (!o.random_weights.empty()) {
    SVG2_CHECK(o.model_dir.empty() && o.weights.empty(),
               "inspect dit: --random-weights replaces --model / --weights; give only one");
    auto config = wan::dit_preset(o.random_weights);
    if (o.text_len > 0) config.text_len = o.text_len;
    result["weights"] = "random:" + o.random_weights;
    result["seed"] = o.seed;
    return wan::make_random_dit(config, device, dtype, o.seed);
  }
  wan::DiTLoadOptions load;
  load.device = device;
  load.compute_dtype = dtype;
  if (o.num_heads > 0) load.num_heads = o.num_heads;
  if (o.text_len > 0) load.text_len = o.text_len;
  fs::path weights = o.weights;
  if (!o.model_dir.empty()) {
    const pipeline::ModelFiles files = pipeline::locate_model_files(o.model_dir);
    if (weights.empty()) weights = checkpoint_of(files.dit_files);
    if (!load.num_heads && files.dit_num_heads) load.num_heads = *files.dit_num_heads;
    if (!load.text_len && files.manifest) load.text_len = files.manifest->text_len;
  }
  SVG2_CHECK(!weights.empty(),
             "inspect dit: no weights (give --model DIR, --weights FILE or --random-weights ARCH)");
  result["weights"] = weights.string();
  return wan::load_dit(io::Checkpoint::open(weights, io::ModelFamily::wan_dit), load);
}

}  // namespace

std::string inspect_dit(const InspectDitOptions& o) {
  SVG2_CHECK(!o.inputs.empty(), "inspect dit: --inputs is required (a .safetensors file)");
  SVG2_CHECK(!o.out.empty(), "inspect dit: --out is required (a .safetensors file)");
  SVG2_CHECK(o.num_heads >= 0, "inspect dit: --num-heads must be positive, got {}", o.num_heads);
  SVG2_CHECK(o.text_len >= 0 && o.text_len <= 4096, "inspect dit: --text-len {} out of range (1..4096)",
             o.text_len);

  const c10::Device device = resolve_device(o.device);
  const c10::ScalarType dtype = resolve_dtype(o.dtype, device);
  nlohmann::json result = {{"ok", true}, {"device", device.str()}, {"dtype", dtype_name(dtype)}};

  // Inputs first: a wrong file fails before a large model loads.
  const io::Checkpoint in = io::Checkpoint::open(o.inputs);
  for (const char* key : {"latents", "context"}) {
    SVG2_CHECK(in.contains(key), "inspect dit: '{}' has no tensor named '{}'", o.inputs, key);
  }
  const std::string t_key = in.contains("timesteps") ? "timesteps" : "timestep";
  SVG2_CHECK(in.contains(t_key), "inspect dit: '{}' has no tensor named 'timesteps'", o.inputs);
  const at::Tensor latents = in.load("latents", c10::kFloat, device);
  const at::Tensor context = in.load("context", c10::kFloat, device);
  const at::Tensor timesteps = in.load(t_key, c10::kDouble).reshape({-1});

  pipeline::reset_peak_device_memory(device);
  auto t0 = std::chrono::steady_clock::now();
  wan::WanDiT model = load_model(o, device, dtype, result);
  const double load_ms = ms_since(t0);
  const auto& c = model->config();
  result["config"] = {{"name", c.name},
                      {"dim", c.dim},
                      {"ffn_dim", c.ffn_dim},
                      {"num_heads", c.num_heads},
                      {"num_layers", c.num_layers},
                      {"in_dim", c.in_dim},
                      {"out_dim", c.out_dim},
                      {"text_dim", c.text_dim},
                      {"text_len", c.text_len},
                      {"freq_dim", c.freq_dim},
                      {"params", c.parameter_count()}};

  t0 = std::chrono::steady_clock::now();
  at::Tensor velocity;
  {
    c10::InferenceMode guard;
    velocity = model->forward(latents, timesteps, context);
  }
  pipeline::synchronize(device);
  const double forward_ms = ms_since(t0);

  io::save_safetensors(o.out, {{"velocity", velocity.to(at::kCPU).contiguous()}},
                       {{"producer", "svg2 inspect dit"}});
  result["inputs"] = o.inputs;
  result["latents_shape"] = latents.sizes().vec();
  result["context_shape"] = context.sizes().vec();
  result["timesteps"] =
      std::vector<double>(timesteps.data_ptr<double>(), timesteps.data_ptr<double>() + timesteps.numel());
  result["velocity_shape"] = velocity.sizes().vec();
  result["out"] = o.out;
  result["load_ms"] = load_ms;
  result["forward_ms"] = forward_ms;
  result["peak_memory_bytes"] = pipeline::peak_device_memory(device);
  return result.dump();
}

}  // namespace svg2

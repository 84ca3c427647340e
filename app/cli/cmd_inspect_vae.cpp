// svg2 inspect vae: Wan VAE decode (latents -> video) or encode (video -> latents), safetensors.
#include <nlohmann/json.hpp>

#include <memory>
#include <sstream>

#include "cli/cli_context.h"
#include "svg2/inspect_vae.h"

namespace svg2::cli {

void add_inspect_vae_command(CLI::App& inspect, CliContext& ctx) {
  auto* cmd = inspect.add_subcommand(
      "vae", "Wan VAE decode (latents -> video) or encode (video -> latents), safetensors in/out");
  auto o = std::make_shared<InspectVaeOptions>();
  cmd->add_option("mode", o->mode, "decode or encode")
      ->check(CLI::IsMember({"decode", "encode"}))
      ->capture_default_str();
  cmd->add_option("--model", o->model_dir,
                  "Model folder (finds the VAE weights and the manifest's latent statistics)");
  cmd->add_option("--weights", o->weights, "VAE weights: Wan .pth, safetensors, or a diffusers vae/ folder");
  cmd->add_option("--inputs", o->inputs,
                  "Input .safetensors: 'latents' (decode) or 'video' in [-1, 1] (encode)")
      ->required();
  cmd->add_option("--key", o->input_key, "Input tensor name (default: latents / video)");
  cmd->add_option("--out", o->out, "Output .safetensors ('video' or 'latents')")->required();
  cmd->add_option("--latents-mean", o->latents_mean,
                  "Per-channel latent mean (default: Wan 2.1's for 16 channels)")
      ->delimiter(',');
  cmd->add_option("--latents-std", o->latents_std, "Per-channel latent std")->delimiter(',');
  cmd->add_flag("--tiled", o->tiled, "Spatially tiled decode (bounded memory for large frames)");
  cmd->add_option("--tile", o->tile_latent, "Tile size in latent pixels")->capture_default_str();
  cmd->add_option("--tile-overlap", o->tile_overlap_latent, "Tile overlap in latent pixels")
      ->capture_default_str();
  cmd->add_option("--device", o->device, "auto, cpu, cuda, cuda:N")->capture_default_str();
  cmd->add_option("--dtype", o->dtype, "fp32, bf16 or fp16")->capture_default_str();
  cmd->callback([&ctx, o] {
    ctx.action = [&ctx, o]() -> int {
      const auto result = nlohmann::json::parse(inspect_vae(*o));
      std::ostringstream human;
      human << o->mode << " " << result["input_shape"].dump() << " -> " << result["output_shape"].dump()
            << " in " << static_cast<int>(result["run_ms"].get<double>()) << " ms";
      if (result.contains("chunks"))
        human << " (" << result["chunks"] << " chunks, " << result["tiles"] << " tiles)";
      const auto peak = result["peak_memory_bytes"].get<int64_t>();
      if (peak > 0) human << ", peak " << peak / (1 << 20) << " MiB";
      human << "\nwrote " << o->out << "\n";
      print_result(ctx, result, human.str());
      return 0;
    };
  });
}

}  // namespace svg2::cli

// svg2 inspect dit: one Wan DiT forward on saved inputs (latents, timesteps, text context) ->
// safetensors with the velocity.
#include <nlohmann/json.hpp>

#include <memory>
#include <sstream>

#include "cli/cli_context.h"
#include "svg2/inspect_dit.h"

namespace svg2::cli {

void add_inspect_dit_command(CLI::App& inspect, CliContext& ctx) {
  auto* cmd = inspect.add_subcommand("dit", "One DiT forward on saved inputs (safetensors in/out)");
  auto o = std::make_shared<InspectDitOptions>();
  cmd->add_option("--model", o->model_dir, "Model folder (finds the DiT weights and head count)");
  cmd->add_option("--weights", o->weights, "DiT checkpoint: .safetensors file or folder of shards");
  cmd->add_option("--random-weights", o->random_weights,
                  "Random weights for an architecture: wan-1.3b, wan-14b");
  cmd->add_option("--seed", o->seed, "Seed of the random weights")->capture_default_str();
  cmd->add_option("--num-heads", o->num_heads,
                  "Attention heads (default: config.json / manifest, else dim/128)");
  cmd->add_option("--text-len", o->text_len,
                  "Context rows after zero padding (default: the model's, else 512)");
  cmd->add_option(
         "--inputs", o->inputs,
         "Safetensors with 'latents' [B,C,F,H,W], 'timesteps' [B] (0..1000), 'context' [B,L,text_dim]")
      ->required();
  cmd->add_option("--out", o->out, "Output .safetensors ('velocity' [B,C,F,H,W] fp32)")->required();
  cmd->add_option("--device", o->device, "auto, cpu, cuda, cuda:N")->capture_default_str();
  cmd->add_option("--dtype", o->dtype, "Matmul dtype: fp32, bf16 or fp16")->capture_default_str();
  cmd->callback([&ctx, o] {
    ctx.action = [&ctx, o]() -> int {
      const auto result = nlohmann::json::parse(inspect_dit(*o));
      const auto& c = result["config"];
      std::ostringstream human;
      human << "DiT " << c["name"].get<std::string>() << " (dim " << c["dim"].get<int>() << ", "
            << c["num_layers"].get<int>() << " layers, " << c["num_heads"].get<int>() << " heads) from "
            << result["weights"].get<std::string>() << "\n"
            << "velocity " << result["velocity_shape"].dump() << " -> " << o->out << " ("
            << result["dtype"].get<std::string>() << " on " << result["device"].get<std::string>()
            << ", forward " << static_cast<int>(result["forward_ms"].get<double>()) << " ms)\n";
      print_result(ctx, result, human.str());
      return 0;
    };
  });
}

}  // namespace svg2::cli

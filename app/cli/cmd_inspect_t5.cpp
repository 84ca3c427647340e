// svg2 inspect t5: the umT5 text encoder on prompts or saved token ids -> safetensors.
#include <nlohmann/json.hpp>

#include <memory>
#include <sstream>

#include "cli/cli_context.h"
#include "svg2/inspect_t5.h"

namespace svg2::cli {

void add_inspect_t5_command(CLI::App& inspect, CliContext& ctx) {
  auto* cmd = inspect.add_subcommand(
      "t5",
      "umT5 encoder on prompts (cleaned, tokenized, trimmed like Wan) or saved token ids -> safetensors");
  auto o = std::make_shared<InspectT5Options>();
  cmd->add_option("--model", o->model_dir, "Model folder (finds the text encoder weights and tokenizer)");
  cmd->add_option("--weights", o->weights, "umT5 weights: Wan .pth, safetensors, or a transformers folder");
  cmd->add_option("--tokenizer", o->tokenizer, "SentencePiece model (spiece.model)");
  cmd->add_option("--prompt", o->prompts, "Prompt to encode (repeat for a batch)");
  cmd->add_option("--ids", o->ids_file, "Safetensors with 'ids' [B, L] and optional 'mask' [B, L]");
  cmd->add_option("--out", o->out, "Output .safetensors")->required();
  cmd->add_option("--device", o->device, "auto, cpu, cuda, cuda:N")->capture_default_str();
  cmd->add_option("--dtype", o->dtype, "fp32, bf16 or fp16")->capture_default_str();
  cmd->add_option("--text-len", o->text_len, "Tokens per prompt after padding/truncation")
      ->capture_default_str();
  cmd->callback([&ctx, o] {
    ctx.action = [&ctx, o]() -> int {
      const auto result = nlohmann::json::parse(inspect_t5(*o));
      std::ostringstream human;
      if (result.contains("prompts")) {
        int i = 0;
        for (const auto& p : result["prompts"]) {
          human << "prompt " << i++ << ": " << p["length"].get<int>() << " tokens"
                << (p["truncated"].get<bool>()
                        ? " (truncated from " + std::to_string(p["original_length"].get<int>()) + ")"
                        : "")
                << ", context " << p["context_shape"].dump() << "\n";
        }
      } else {
        human << "hidden states " << result["hidden_shape"].dump() << "\n";
      }
      human << "wrote " << o->out << " (" << result["dtype"].get<std::string>() << " on "
            << result["device"].get<std::string>() << ", encode "
            << static_cast<int>(result["encode_ms"].get<double>()) << " ms)\n";
      print_result(ctx, result, human.str());
      return 0;
    };
  });
}

}  // namespace svg2::cli

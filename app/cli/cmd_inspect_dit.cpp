#include "cli/cli_context.h"
#include "svg2/error.h"

namespace svg2::cli {

void add_inspect_dit_command(CLI::App& inspect, CliContext& ctx) {
  auto* cmd = inspect.add_subcommand("dit", "One DiT forward on saved inputs (safetensors in/out)");
  cmd->allow_extras();
  cmd->callback([&ctx] {
    ctx.action = []() -> int { throw svg2::Error("'svg2 inspect dit' is not available in this build yet"); };
  });
}

}  // namespace svg2::cli

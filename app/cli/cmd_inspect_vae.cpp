#include "cli/cli_context.h"
#include "svg2/error.h"

namespace svg2::cli {

void add_inspect_vae_command(CLI::App& inspect, CliContext& ctx) {
  auto* cmd = inspect.add_subcommand("vae", "VAE decode/encode on saved inputs");
  cmd->allow_extras();
  cmd->callback([&ctx] {
    ctx.action = []() -> int { throw svg2::Error("'svg2 inspect vae' is not available in this build yet"); };
  });
}

}  // namespace svg2::cli

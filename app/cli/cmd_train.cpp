#include "cli/cli_context.h"
#include "svg2/error.h"

namespace svg2::cli {

void add_train_command(CLI::App& app, CliContext& ctx) {
  auto* cmd = app.add_subcommand("train", "Train the bundled demo model (vae, text, dit)");
  cmd->allow_extras();
  cmd->callback([&ctx] {
    ctx.action = []() -> int { throw svg2::Error("'svg2 train' is not available in this build yet"); };
  });
}

}  // namespace svg2::cli

#include "cli/cli_context.h"
#include "svg2/error.h"

namespace svg2::cli {

void add_compare_command(CLI::App& app, CliContext& ctx) {
  auto* cmd = app.add_subcommand("compare", "Render dense and SVG2 with the same seed and report speed and PSNR/SSIM");
  cmd->allow_extras();
  cmd->callback([&ctx] {
    ctx.action = [] () -> int { throw svg2::Error("'svg2 compare' is not available in this build yet"); };
  });
}

}  // namespace svg2::cli

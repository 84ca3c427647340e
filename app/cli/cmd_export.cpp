#include "cli/cli_context.h"
#include "svg2/error.h"

namespace svg2::cli {

void add_export_command(CLI::App& app, CliContext& ctx) {
  auto* cmd = app.add_subcommand("export", "Export a render to MP4/WebM/GIF/PNG or a side-by-side comparison");
  cmd->allow_extras();
  cmd->callback([&ctx] {
    ctx.action = [] () -> int { throw svg2::Error("'svg2 export' is not available in this build yet"); };
  });
}

}  // namespace svg2::cli

#include "cli/cli_context.h"
#include "svg2/error.h"

namespace svg2::cli {

void add_inspect_command(CLI::App& app, CliContext& ctx) {
  auto* cmd = app.add_subcommand("inspect", "Run one model stage on saved inputs, or inspect attention/clusters");
  cmd->allow_extras();
  cmd->callback([&ctx] {
    ctx.action = [] () -> int { throw svg2::Error("'svg2 inspect' is not available in this build yet"); };
  });
}

}  // namespace svg2::cli

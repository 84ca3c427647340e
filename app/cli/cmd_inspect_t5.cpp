#include "cli/cli_context.h"
#include "svg2/error.h"

namespace svg2::cli {

void add_inspect_t5_command(CLI::App& inspect, CliContext& ctx) {
  auto* cmd = inspect.add_subcommand("t5", "umT5 encoder on a prompt or saved token ids");
  cmd->allow_extras();
  cmd->callback([&ctx] {
    ctx.action = []() -> int { throw svg2::Error("'svg2 inspect t5' is not available in this build yet"); };
  });
}

}  // namespace svg2::cli

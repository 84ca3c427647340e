#include "cli/cli_context.h"
#include "svg2/error.h"

namespace svg2::cli {

void add_inspect_attention_command(CLI::App& inspect, CliContext& ctx) {
  auto* cmd = inspect.add_subcommand("attention", "Error/recall/density of each backend over a top-p/density sweep");
  cmd->allow_extras();
  cmd->callback([&ctx] {
    ctx.action = []() -> int { throw svg2::Error("'svg2 inspect attention' is not available in this build yet"); };
  });
}

}  // namespace svg2::cli

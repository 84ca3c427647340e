#include "cli/cli_context.h"
#include "svg2/error.h"

namespace svg2::cli {

void add_inspect_clusters_command(CLI::App& inspect, CliContext& ctx) {
  auto* cmd = inspect.add_subcommand("clusters", "Cluster and block-sparse maps of a render step/layer/head as PNG");
  cmd->allow_extras();
  cmd->callback([&ctx] {
    ctx.action = []() -> int { throw svg2::Error("'svg2 inspect clusters' is not available in this build yet"); };
  });
}

}  // namespace svg2::cli

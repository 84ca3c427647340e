#include "cli/cli_context.h"
#include "svg2/error.h"

namespace svg2::cli {

void add_bench_e2e_command(CLI::App& bench, CliContext& ctx) {
  auto* cmd = bench.add_subcommand("e2e", "End-to-end Wan step timings and totals with random weights");
  cmd->allow_extras();
  cmd->callback([&ctx] {
    ctx.action = []() -> int { throw svg2::Error("'svg2 bench e2e' is not available in this build yet"); };
  });
}

}  // namespace svg2::cli

#include "cli/cli_context.h"
#include "svg2/error.h"

namespace svg2::cli {

void add_bench_attention_command(CLI::App& bench, CliContext& ctx) {
  auto* cmd = bench.add_subcommand("attention", "Attention backends: dense vs SVG2 stages, density, TFLOP/s");
  cmd->allow_extras();
  cmd->callback([&ctx] {
    ctx.action = []() -> int { throw svg2::Error("'svg2 bench attention' is not available in this build yet"); };
  });
}

}  // namespace svg2::cli

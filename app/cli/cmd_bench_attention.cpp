// svg2 bench attention: dense attention vs each SVG2 stage (issue #7's table).
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/attention_options.h"
#include "cli/cli_context.h"
#include "svg2/bench_attention.h"
#include "svg2/error.h"

namespace svg2::cli {

namespace {

struct BenchAttentionCommand {
  BenchAttentionOptions options;
  std::string shapes, densities, kernels;
};

}  // namespace

void add_bench_attention_command(CLI::App& bench, CliContext& ctx) {
  auto* cmd = bench.add_subcommand("attention", "Attention backends: dense vs SVG2 stages, density, TFLOP/s");
  auto s = std::make_shared<BenchAttentionCommand>();
  auto& o = s->options;
  cmd->add_option("--device", o.device, "cuda (kernels vs cuDNN) or cpu (reference stages, small shapes)")
      ->capture_default_str();
  cmd->add_option(
      "--shapes", s->shapes,
      "Comma-separated presets (wan1.3b-480p, wan14b-720p, hunyuan-720p, cpu-small, cpu-medium) or "
      "name:heads:tokens[:qc:kc[:dim]]; default: the device's presets");
  cmd->add_option("--densities", s->densities, "Fixed-density targets, comma-separated (default 0.30,0.13)");
  cmd->add_option(
      "--kernels", s->kernels,
      "CUDA attention kernels to time, comma-separated: auto, hopper-tma-ov, hopper, hopper-simple, "
      "ampere (the first is used in the SVG2 total; default auto)");
  cmd->add_option("--repeats", o.repeats, "Timed runs (median)")->capture_default_str();
  cmd->add_option("--warmup", o.warmup, "Untimed runs first")->capture_default_str();
  cmd->add_option("--kmeans-iters", o.kmeans_iterations, "Warm k-means iterations per call")
      ->capture_default_str();
  cmd->add_option("--kmeans-cold-iters", o.kmeans_cold_iterations, "k-means iterations before timing")
      ->capture_default_str();
  cmd->add_option("--seed", o.seed, "Random inputs' seed")->capture_default_str();
  cmd->callback([&ctx, s] {
    ctx.action = [&ctx, s]() -> int {
      auto& o = s->options;
      if (!s->shapes.empty()) o.shapes = parse_bench_shapes(s->shapes);
      if (!s->densities.empty()) o.densities = parse_fraction_list(s->densities, "--densities", "0.30,0.13");
      if (!s->kernels.empty()) o.kernels = split_comma_list(s->kernels);
      const BenchAttentionResult r = run_bench_attention(o);
      print_result(ctx, nlohmann::json::parse(bench_attention_json(r)), bench_attention_table(r));
      return 0;
    };
  });
}

}  // namespace svg2::cli

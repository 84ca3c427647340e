// svg2 bench e2e: whole-video Wan 2.1 timings with random weights (issue #8's headline numbers).
#include <memory>
#include <regex>

#include "cli/cli_context.h"
#include "svg2/bench_e2e.h"
#include "svg2/error.h"

namespace svg2::cli {

namespace {

struct BenchE2ECommand {
  BenchE2EOptions options;
  std::string size, attention = "svg2", kmeans_init;
  double density = 0, top_p = 0, dense_steps = 0, dense_final_steps = 0;
  int qc = 0, kc = 0, dense_layers = 0, kmeans_iters_init = 0, kmeans_iters_step = 0;
};

}  // namespace

void add_bench_e2e_command(CLI::App& bench, CliContext& ctx) {
  auto* cmd = bench.add_subcommand("e2e", "End-to-end Wan step timings and totals with random weights");
  auto s = std::make_shared<BenchE2ECommand>();
  auto& o = s->options;
  cmd->add_option("--arch", o.arch, "wan-1.3b or wan-14b (tiny: tests)")->capture_default_str();
  cmd->add_option("--size", s->size, "WIDTHxHEIGHT (default: the architecture's, 832x480 / 1280x720)");
  cmd->add_option("--frames", o.frames, "Frames, 4n+1")->capture_default_str();
  cmd->add_option("--steps", o.steps, "Steps of the schedule the totals are computed for")
      ->capture_default_str();
  cmd->add_option("--guidance", o.guidance, "CFG scale (1 = CFG off)")->capture_default_str();
  cmd->add_option("--attention", s->attention, "Sparse side: svg2, block-topk, svg1")->capture_default_str();
  cmd->add_option("--density", s->density, "Fixed-density mode at this density, e.g. 0.295 or 0.129");
  auto* top_p = cmd->add_option("--top-p", s->top_p, "SVG2 top-p (when no --density)");
  auto* qc = cmd->add_option("--qc", s->qc, "SVG2 query clusters");
  auto* kc = cmd->add_option("--kc", s->kc, "SVG2 key clusters");
  auto* dense_steps = cmd->add_option("--dense-steps", s->dense_steps,
                                      "Dense leading steps: a count or a fraction (default 0.2)");
  auto* dense_final_steps = cmd->add_option("--dense-final-steps", s->dense_final_steps,
                                            "Dense final steps: a count or a fraction (default 0)");
  auto* dense_layers = cmd->add_option("--dense-layers", s->dense_layers, "Dense leading layers (default 1)");
  auto* iters_init = cmd->add_option("--kmeans-iters-init", s->kmeans_iters_init, "k-means iterations, cold");
  auto* iters_step = cmd->add_option("--kmeans-iters-step", s->kmeans_iters_step, "k-means iterations, warm");
  cmd->add_option("--device", o.device, "auto, cpu, cuda, cuda:N")->capture_default_str();
  cmd->add_option("--dtype", o.dtype, "auto, bf16, fp16, fp32")->capture_default_str();
  cmd->add_flag("--offload", o.offload_blocks, "Block-wise CPU offload of the DiT");
  cmd->add_option("--warmup", o.warmup_steps, "Untimed dense steps first")->capture_default_str();
  cmd->add_option("--dense-repeats", o.dense_repeats, "Timed dense steps")->capture_default_str();
  cmd->add_option("--sparse-repeats", o.sparse_repeats, "Timed warm sparse steps")->capture_default_str();
  auto* density = cmd->get_option("--density");
  cmd->callback([&ctx, s, density, top_p, qc, kc, dense_steps, dense_final_steps, dense_layers, iters_init,
                 iters_step] {
    ctx.action = [&ctx, s, density, top_p, qc, kc, dense_steps, dense_final_steps, dense_layers, iters_init,
                  iters_step]() -> int {
      auto& o = s->options;
      if (!s->size.empty()) {
        static const std::regex re(R"(^(\d+)[xX](\d+)$)");
        std::smatch m;
        if (!std::regex_match(s->size, m, re))
          throw Error("--size must be WIDTHxHEIGHT, e.g. 1280x720 (got '" + s->size + "')");
        o.width = std::stoi(m[1]);
        o.height = std::stoi(m[2]);
      }
      o.attention.mode = attention_mode_from_string(s->attention);
      if (o.attention.mode == AttentionMode::Dense)
        throw Error("--attention must be a sparse mode (svg2, block-topk, svg1); dense is always measured");
      if (density->count()) o.density = s->density;
      if (top_p->count()) o.attention.top_p = s->top_p;
      if (qc->count()) o.attention.query_clusters = s->qc;
      if (kc->count()) o.attention.key_clusters = s->kc;
      if (dense_steps->count()) o.attention.dense_steps = s->dense_steps;
      if (dense_final_steps->count()) o.attention.dense_final_steps = s->dense_final_steps;
      if (dense_layers->count()) o.attention.dense_layers = s->dense_layers;
      if (iters_init->count()) o.attention.kmeans_iters_init = s->kmeans_iters_init;
      if (iters_step->count()) o.attention.kmeans_iters_step = s->kmeans_iters_step;
      const BenchE2EResult r = run_bench_e2e(o);
      print_result(ctx, nlohmann::json::parse(r.json), r.text);
      return 0;
    };
  });
}

}  // namespace svg2::cli

// svg2 compare: dense vs sparse with the same seed and settings; per-frame PSNR/SSIM, speed
// readouts, and optionally both clips plus a side-by-side video.
#include <cmath>
#include <cstdio>
#include <memory>

#include "cli/cli_context.h"
#include "cli/render_options.h"
#include "cli/render_progress.h"
#include "svg2/compare.h"
#include "svg2/error.h"

namespace svg2::cli {

namespace {

struct CompareCommand {
  RenderOptions options;
  std::string out_dir, format = "mp4", cache_dir;
  bool no_cache = false, no_side_by_side = false, no_stage_times = false;
};

std::string fmt_psnr(double v) {
  char b[32];
  if (std::isinf(v)) return "inf";
  std::snprintf(b, sizeof b, "%.2f", v);
  return b;
}

std::string human(const CompareResult& r) {
  std::string t;
  char b[512];
  std::snprintf(b, sizeof b, "dense%s vs %s (seed %lld, density %.1f%%)\n",
                r.dense_from_cache ? " (cached)" : "", to_string(r.sparse.params.attention.mode).c_str(),
                static_cast<long long>(r.sparse.params.seed), 100 * r.density);
  t += b;
  t += "frame   PSNR dB   SSIM\n";
  for (std::size_t i = 0; i < r.quality.psnr.size(); ++i) {
    std::snprintf(b, sizeof b, "%5zu  %8s  %.4f\n", i, fmt_psnr(r.quality.psnr[i]).c_str(),
                  r.quality.ssim[i]);
    t += b;
  }
  std::snprintf(b, sizeof b, "mean   %8s  %.4f\n", fmt_psnr(r.quality.mean_psnr).c_str(),
                r.quality.mean_ssim);
  t += b;
  auto line = [&](const char* what, double dense, double sparse, double speedup) {
    std::snprintf(b, sizeof b, "%-10s dense %9.1f ms   sparse %9.1f ms   %.2fx\n", what, dense, sparse,
                  speedup);
    t += b;
  };
  line("total", r.dense_speed.total_ms, r.sparse_speed.total_ms, r.speedup_total);
  line("DiT", r.dense_speed.dit_ms, r.sparse_speed.dit_ms, r.speedup_dit);
  if (r.sparse_speed.attention_ms > 0)
    line("attention", r.dense_speed.attention_ms, r.sparse_speed.attention_ms, r.speedup_attention);
  line("per step", r.dense_speed.per_step_ms, r.sparse_speed.per_step_ms,
       r.sparse_speed.per_step_ms > 0 ? r.dense_speed.per_step_ms / r.sparse_speed.per_step_ms : 0);
  if (!r.dense_video.empty())
    t += "wrote " + r.dense_video + ", " + r.sparse_video +
         (r.side_by_side_video.empty() ? "" : ", " + r.side_by_side_video) + "\n";
  return t;
}

}  // namespace

void add_compare_command(CLI::App& app, CliContext& ctx) {
  auto* cmd = app.add_subcommand("compare",
                                 "Render dense and SVG2 with the same seed and report speed and PSNR/SSIM");
  auto state = std::make_shared<CompareCommand>();
  add_render_options(*cmd, state->options);
  cmd->add_option("-o,--out-dir", state->out_dir,
                  "Write dense, sparse and side-by-side clips (+ sidecars) into this folder");
  cmd->add_option("--format", state->format, "Clip format for --out-dir: mp4, webm, gif, png")
      ->capture_default_str();
  cmd->add_option("--cache-dir", state->cache_dir,
                  "Where dense renders are cached (default: the user data folder)");
  cmd->add_flag("--no-cache", state->no_cache, "Always render the dense side");
  cmd->add_flag("--no-side-by-side", state->no_side_by_side, "Do not write the side-by-side clip");
  cmd->add_flag("--no-stage-times", state->no_stage_times,
                "Do not time self-attention (no per-call device sync)");
  cmd->callback([&ctx, state] {
    ctx.action = [&ctx, state]() -> int {
      CompareOptions options;
      options.params = build_render_params(state->options);
      options.use_cache = !state->no_cache;
      options.cache_dir = state->cache_dir;
      options.stage_times = !state->no_stage_times;
      options.output_dir = state->out_dir;
      options.write_side_by_side = !state->no_side_by_side;
      options.video_extension = file_extension(video_format_from_string(state->format));
      const bool show = !ctx.quiet;
      options.on_phase = [show](const std::string& phase) {
        if (show) std::fprintf(stderr, "compare: %s\n", phase.c_str());
      };
      Engine engine;
      ProgressPrinter progress(show);
      CompareResult result;
      {
        InterruptCancels interrupts(engine);
        result = run_compare(engine, options, &progress);
      }
      progress.finish();
      print_result(ctx, nlohmann::json::parse(result.json), human(result));
      return 0;
    };
  });
}

}  // namespace svg2::cli

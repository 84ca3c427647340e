// svg2 render: one clip from a prompt, written as MP4 (or another format by extension) plus its
// JSON sidecar, through the same Engine the GUI uses.
#include <cstdio>
#include <memory>

#include "cli/cli_context.h"
#include "cli/render_options.h"
#include "cli/render_progress.h"
#include "svg2/engine.h"
#include "svg2/error.h"

namespace svg2::cli {

namespace {

struct RenderCommand {
  RenderOptions options;
  std::string out = "clip.mp4";
  bool stage_times = false;
};

std::string human_summary(const RenderResult& r, const SavedRender& saved) {
  const auto& t = r.timings;
  char buffer[1024];
  std::snprintf(
      buffer, sizeof buffer,
      "wrote %s (%d frames, %dx%d, %.0f fps)\n"
      "sidecar %s\n"
      "seed %lld, %d steps, attention %s, density %.1f%%\n"
      "time %.1f s: load %.1f s, text %.1f s, denoise %.1f s (DiT %.1f s, %.2f s/step), decode %.1f s\n",
      saved.video_path.c_str(), r.video.frames, r.video.width, r.video.height, r.video.fps,
      saved.sidecar_path.c_str(), static_cast<long long>(r.params.seed), r.params.steps,
      to_string(r.params.attention.mode).c_str(), 100.0 * r.density.overall_density, t.total_ms / 1000,
      t.load_ms / 1000, t.text_encode_ms / 1000, t.denoise_ms / 1000, t.dit_ms / 1000,
      t.step_ms.empty() ? 0.0 : t.denoise_ms / 1000 / static_cast<double>(t.step_ms.size()),
      t.vae_decode_ms / 1000);
  std::string text = buffer;
  if (t.peak_memory_bytes > 0) {
    const auto gib = [](std::int64_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024 * 1024); };
    std::snprintf(buffer, sizeof buffer,
                  "peak GPU memory %.2f GiB (load %.2f, text %.2f, denoise %.2f, decode %.2f)\n",
                  gib(t.peak_memory_bytes), gib(t.load_peak_memory_bytes), gib(t.text_peak_memory_bytes),
                  gib(t.denoise_peak_memory_bytes), gib(t.decode_peak_memory_bytes));
    text += buffer;
  }
  return text;
}

}  // namespace

void add_render_command(CLI::App& app, CliContext& ctx) {
  auto* cmd = app.add_subcommand("render", "Render a clip from a prompt (MP4 + JSON sidecar)");
  auto state = std::make_shared<RenderCommand>();
  add_render_options(*cmd, state->options);
  cmd->add_option("-o,--out", state->out,
                  "Output clip (.mp4 = H.264 yuv420p 16 fps; .webm, .gif; no extension = PNG frames); the "
                  "sidecar goes next to it as .json")
      ->capture_default_str();
  cmd->add_flag("--stage-times", state->stage_times,
                "Measure self-attention time per call (synchronizes the device; slower)");
  cmd->callback([&ctx, state] {
    ctx.action = [&ctx, state]() -> int {
      RenderParams params = build_render_params(state->options);
      EngineOptions engine_options;
      engine_options.telemetry.stage_times = state->stage_times;
      Engine engine(engine_options);
      ProgressPrinter progress(!ctx.quiet);
      RenderResult result;
      {
        InterruptCancels interrupts(engine);
        result = engine.render(params, &progress);
      }
      progress.finish();
      const SavedRender saved = save_render(result, state->out);
      nlohmann::json j = nlohmann::json::parse(result.sidecar_json);
      j["ok"] = true;
      j["video_path"] = saved.video_path;
      j["sidecar_path"] = saved.sidecar_path;
      print_result(ctx, j, human_summary(result, saved));
      return 0;
    };
  });
}

}  // namespace svg2::cli

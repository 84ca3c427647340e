// What the open inspector costs a render: the same render with telemetry off (panel closed) and
// with the panel's default sampling (layer 1, heads 0 and 1) while a consumer does the panel's data
// work inline on the engine thread (history + the cluster-map and block-map images it turns into
// textures), which over-counts the real panel, whose work runs on the UI thread. Modes alternate
// per repeat so drift on a shared machine hits both. Prints a table and one JSON line.
//
//   bench_inspector_overhead [--model DIR] [--width 256 --height 256 --frames 17 --steps 4]
//                            [--repeats 5] [--layers 1] [--heads 0,1]
// Without --model it builds the pipeline tests' tiny random model (when linked in).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "inspector/telemetry_history.h"
#include "svg2/cluster_maps.h"
#include "svg2/engine.h"
#include "svg2/error.h"

#ifdef SVG2_BENCH_TINY_MODEL
#include "pipeline/tiny_model.h"
#endif

namespace {

using Clock = std::chrono::steady_clock;

class PanelConsumer final : public svg2::JobEvents {
 public:
  void on_telemetry(svg2::JobId, const svg2::TelemetrySnapshot& s) override {
    history.add(s);
    for (const auto& c : s.clusters) {
      svg2::ClusterMapStyle style;
      style.cell_px = std::clamp(256 / std::max(1, c.grid_w), 1, 16);
      for (int f = 0; f < c.grid_f; ++f)
        pixels += svg2::cluster_map_frame(c, svg2::ClusterSide::Query, f, style).rgb.size();
      pixels += svg2::block_map_plot(c, 512).rgb.size();
    }
  }
  svg2::ui::TelemetryHistory history;
  std::size_t pixels = 0;
};

std::vector<int> parse_list(const char* text) {
  std::vector<int> out;
  for (const char* p = text; *p;) {
    out.push_back(std::atoi(p));
    while (*p && *p != ',') ++p;
    if (*p == ',') ++p;
  }
  return out;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

}  // namespace

int main(int argc, char** argv) {
  svg2::RenderParams p;
  p.prompt = "a red circle moving right on a black background";
  p.width = 256;
  p.height = 256;
  p.frames = 17;
  p.steps = 4;
  p.device = "cpu";
  p.seed = 1;
  int repeats = 5;
  std::vector<int> layers{1}, heads{0, 1};
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const char* value = argv[i + 1];
    if (flag == "--model")
      p.model_dir = value;
    else if (flag == "--width")
      p.width = std::atoi(value);
    else if (flag == "--height")
      p.height = std::atoi(value);
    else if (flag == "--frames")
      p.frames = std::atoi(value);
    else if (flag == "--steps")
      p.steps = std::atoi(value);
    else if (flag == "--repeats")
      repeats = std::max(1, std::atoi(value));
    else if (flag == "--layers")
      layers = parse_list(value);
    else if (flag == "--heads")
      heads = parse_list(value);
    else {
      std::fprintf(stderr, "unknown option %s\n", flag.c_str());
      return 2;
    }
  }
  try {
#ifdef SVG2_BENCH_TINY_MODEL
    if (p.model_dir.empty()) p.model_dir = svg2::test::tiny_model_dir().string();
#endif
    svg2::Engine engine;
    PanelConsumer warm;
    engine.render(p, &warm);  // loads the model, warms allocators and caches

    svg2::TelemetryOptions open;
    open.enabled = true;
    open.sample_layers = layers;
    open.sample_heads = heads;
    std::vector<double> closed_ms, open_ms;
    std::size_t snapshots = 0;
    for (int r = 0; r < repeats; ++r) {
      for (int k = 0; k < 2; ++k) {
        const bool panel_open = (k == 0) == (r % 2 == 0);
        engine.set_telemetry(panel_open ? open : svg2::TelemetryOptions{});
        PanelConsumer consumer;
        const auto t0 = Clock::now();
        engine.render(p, &consumer);
        const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
        (panel_open ? open_ms : closed_ms).push_back(ms);
        if (panel_open) snapshots = consumer.history.snapshot_count();
      }
    }
    const double closed = median(closed_ms), opened = median(open_ms);
    const double overhead = (opened / closed - 1.0) * 100.0;
    std::printf("render %dx%d, %d frames, %d steps, device %s, %d repeats\n", p.width, p.height, p.frames,
                p.steps, p.device.c_str(), repeats);
    std::printf("panel closed (telemetry off): median %.1f ms\n", closed);
    std::printf("panel open (%zu snapshots/render): median %.1f ms\n", snapshots, opened);
    std::printf("overhead: %+.2f %%\n", overhead);
    std::printf("{\"closed_ms\": %.3f, \"open_ms\": %.3f, \"overhead_percent\": %.3f, \"snapshots\": %zu}\n",
                closed, opened, overhead, snapshots);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_inspector_overhead: %s\n", e.what());
    return 1;
  }
}

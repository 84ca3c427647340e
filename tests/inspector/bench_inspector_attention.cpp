// The inspector's cost where it is paid: SVG2 self-attention calls on the CPU with telemetry off
// (panel closed) and on (panel open: per-call stats, cluster snapshots of the sampled heads, a drain
// after every call — the pipeline drains once per step — and the panel's data work on every drained
// snapshot: history, cluster-map images of every latent frame and the block-map image, done inline,
// which over-counts the real panel whose work runs on the UI thread). Telemetry touches nothing
// else in a render, so this relative overhead bounds the whole render's from above.
// Modes alternate per repeat; medians. Needs no model (synthetic Q/K/V).
//
//   bench_inspector_attention [--grid 5x24x32] [--heads 12] [--dim 64] [--qc 100] [--kc 250]
//                             [--sampled-heads 2] [--repeats 9]
#include <ATen/core/Tensor.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "attention/backend.h"
#include "attention/factory.h"
#include "attention/synthetic_qkv.h"
#include "attention/telemetry_recorder.h"
#include "inspector/telemetry_history.h"
#include "svg2/cluster_maps.h"

namespace {

using Clock = std::chrono::steady_clock;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

}  // namespace

int main(int argc, char** argv) {
  svg2::attention::SyntheticQkvOptions data;
  data.frames = 5;
  data.height = 24;
  data.width = 32;
  data.heads = 12;
  data.dim = 64;
  data.components = 64;
  int qc = 100, kc = 250, sampled_heads = 2, repeats = 9, calls = 4;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--grid") {
      std::sscanf(value.c_str(), "%ldx%ldx%ld", &data.frames, &data.height, &data.width);
    } else if (flag == "--heads") {
      data.heads = std::atoi(value.c_str());
    } else if (flag == "--dim") {
      data.dim = std::atoi(value.c_str());
    } else if (flag == "--qc") {
      qc = std::atoi(value.c_str());
    } else if (flag == "--kc") {
      kc = std::atoi(value.c_str());
    } else if (flag == "--sampled-heads") {
      sampled_heads = std::atoi(value.c_str());
    } else if (flag == "--repeats") {
      repeats = std::max(1, std::atoi(value.c_str()));
    } else {
      std::fprintf(stderr, "unknown option %s\n", flag.c_str());
      return 2;
    }
  }
  try {
    const auto qkv = svg2::attention::make_synthetic_qkv(data);
    svg2::AttentionConfig config;
    config.query_clusters = qc;
    config.key_clusters = kc;
    auto backend = svg2::attention::make_sparse_backend(config);

    svg2::TelemetryOptions on;
    on.enabled = true;
    on.sample_layers = {1};
    for (int h = 0; h < sampled_heads; ++h) on.sample_heads.push_back(h);
    svg2::attention::TelemetryRecorder recorder_on(on);

    // `calls` warm sparse calls (k-means warm-started from the cache, as in a render's later steps).
    auto run = [&](bool panel_open, svg2::ui::TelemetryHistory& history) {
      svg2::attention::AttentionContext ctx;
      ctx.layer = 1;
      ctx.num_layers = 2;
      ctx.job_id = 1;
      ctx.grid_f = static_cast<int>(data.frames);
      ctx.grid_h = static_cast<int>(data.height);
      ctx.grid_w = static_cast<int>(data.width);
      ctx.telemetry = panel_open ? &recorder_on : nullptr;
      std::size_t pixels = 0;
      const auto t0 = Clock::now();
      for (int c = 0; c < calls; ++c) {
        ctx.step = c;
        const at::Tensor out = backend->forward(qkv.q, qkv.k, qkv.v, ctx);
        if (!panel_open) continue;
        const svg2::TelemetrySnapshot s = recorder_on.drain();
        history.add(s);
        for (const auto& snap : s.clusters) {
          svg2::ClusterMapStyle style;
          style.cell_px = std::clamp(256 / std::max(1, snap.grid_w), 1, 16);
          for (int f = 0; f < snap.grid_f; ++f)
            pixels += svg2::cluster_map_frame(snap, svg2::ClusterSide::Query, f, style).rgb.size();
          pixels += svg2::block_map_plot(snap, 512).rgb.size();
        }
      }
      const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
      if (pixels == 0 && panel_open && sampled_heads > 0) std::fprintf(stderr, "no snapshots recorded\n");
      return ms;
    };

    svg2::ui::TelemetryHistory warm_history;
    run(false, warm_history);  // cold k-means into the centroid cache, allocator warm-up
    run(true, warm_history);
    std::vector<double> closed_ms, open_ms;
    std::size_t snapshots = 0;
    for (int r = 0; r < repeats; ++r)
      for (int k = 0; k < 2; ++k) {
        const bool panel_open = (k == 0) == (r % 2 == 0);
        svg2::ui::TelemetryHistory history;
        const double ms = run(panel_open, history);
        (panel_open ? open_ms : closed_ms).push_back(ms);
        if (panel_open) snapshots = history.snapshot_count();
      }
    const double closed = median(closed_ms), opened = median(open_ms);
    const double overhead = (opened / closed - 1.0) * 100.0;
    std::printf(
        "SVG2 CPU attention, %ld heads x %ld tokens (grid %ldx%ldx%ld), dim %ld, QC %d, KC %d; %d calls per "
        "run, "
        "%d repeats, %d sampled heads\n",
        data.heads, data.frames * data.height * data.width, data.frames, data.height, data.width, data.dim,
        qc, kc, calls, repeats, sampled_heads);
    std::printf("panel closed (telemetry off): median %.1f ms\n", closed);
    std::printf("panel open (%zu snapshots per run): median %.1f ms\n", snapshots, opened);
    std::printf("overhead: %+.2f %%\n", overhead);
    std::printf("{\"closed_ms\": %.3f, \"open_ms\": %.3f, \"overhead_percent\": %.3f}\n", closed, opened,
                overhead);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_inspector_attention: %s\n", e.what());
    return 1;
  }
}

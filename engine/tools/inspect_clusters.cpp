// `svg2 inspect clusters`: cluster data from a render re-run (or synthetic Q/K), written as pictures.
#include "svg2/inspect_clusters.h"

#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <optional>

#include "core/check.h"
#include "core/log.h"
#include "svg2/engine.h"
#include "svg2/media.h"
#include "svg2/render_params.h"

namespace svg2 {

namespace {

bool matches(const ClusterSnapshot& c, const InspectClustersOptions& o, int step) {
  return c.layer == o.layer && c.head == o.head && c.branch == o.branch && (step < 0 || c.step == step);
}

// Collects the telemetry and previews of the re-run.
class Collector final : public JobEvents {
 public:
  explicit Collector(const InspectClustersOptions& o) : o_(o) {}
  void on_telemetry(JobId, const TelemetrySnapshot& s) override {
    calls.insert(calls.end(), s.calls.begin(), s.calls.end());
    for (const auto& c : s.clusters)
      if (matches(c, o_, o_.step)) snapshots.push_back(c);  // step -1: every step, the last wins
  }
  void on_preview(JobId, int step, const Video& preview) override {
    // Preview `step` is 1-based (steps done): it shows the x0 prediction after step - 1.
    if (o_.step >= 0 && step == o_.step + 1) this->preview = preview;
  }
  std::vector<AttentionCallStats> calls;
  std::vector<ClusterSnapshot> snapshots;
  std::optional<Video> preview;

 private:
  const InspectClustersOptions& o_;
};

struct Source {
  ClusterSnapshot snapshot;
  std::vector<AttentionCallStats> calls;
  Video frames;  // what the maps overlay (may be empty)
  nlohmann::json info;
};

Source from_render(InspectClustersOptions o) {
  const ClipFiles files = find_clip_files(o.render);
  SVG2_CHECK(!files.sidecar.empty(),
             "render '{}' has no JSON sidecar: its parameters are needed to re-run it", o.render);
  RenderParams params = render_params_from_file(files.sidecar);
  SVG2_CHECK(params.attention.mode == AttentionMode::Svg2,
             "render '{}' used attention mode '{}': cluster maps exist only for svg2 renders", o.render,
             to_string(params.attention.mode));
  if (!o.device.empty()) params.device = o.device;
  params.preview_every = 1;
  params.dump_qkv_path.clear();
  if (o.layer < 0) o.layer = params.attention.dense_layers;

  EngineOptions engine_options;
  engine_options.cache_models = false;
  engine_options.telemetry.enabled = true;
  engine_options.telemetry.sample_layers = {o.layer};
  engine_options.telemetry.sample_heads = {o.head};
  log_info("inspect clusters: re-running '{}' ({}) with telemetry on layer {} head {}", o.render,
           files.sidecar, o.layer, o.head);
  Engine engine(engine_options);
  Collector collector(o);
  RenderResult result = engine.render(params, &collector);

  const int steps = static_cast<int>(result.timings.step_ms.size());
  SVG2_CHECK(o.step < steps, "--step {} outside the render's steps [0, {})", o.step, steps);
  if (collector.snapshots.empty()) {
    std::vector<int> sparse_steps;
    for (int i = 0; i < static_cast<int>(result.timings.step_sparse.size()); ++i)
      if (result.timings.step_sparse[static_cast<std::size_t>(i)]) sparse_steps.push_back(i);
    fail(
        "no clusters for step {}, layer {}, head {}, branch {} of '{}': that call ran dense or does not "
        "exist "
        "(sparse steps: {}; layers before {} are always dense; heads and layers must exist in the model; "
        "branch 1 exists only with guidance > 1)",
        o.step, o.layer, o.head, o.branch, o.render, fmt::join(sparse_steps, ","),
        params.attention.dense_layers);
  }
  Source src;
  src.snapshot = collector.snapshots.back();
  src.calls = std::move(collector.calls);
  src.frames = collector.preview ? std::move(*collector.preview) : std::move(result.video);
  src.info = {{"render", o.render}, {"sidecar", files.sidecar}, {"device", result.device}, {"rerun", true}};
  return src;
}

Source from_synthetic(const InspectClustersOptions& o) {
  SyntheticClusters syn = make_synthetic_clusters(o.synthetic_options);
  const int layer = o.layer < 0 ? 0 : o.layer;
  Source src;
  for (const auto& c : syn.telemetry.clusters)
    if (c.layer == layer && c.head == o.head && c.branch == o.branch && (o.step < 0 || c.step == o.step))
      src.snapshot = c;
  SVG2_CHECK(
      !src.snapshot.q_labels.empty(),
      "synthetic clusters have step 0, layer 0, branch 0 and heads [0, {}): no step {}, layer {}, head {}, "
      "branch {}",
      o.synthetic_options.heads, o.step, layer, o.head, o.branch);
  src.calls = std::move(syn.telemetry.calls);
  src.info = {{"synthetic", true},
              {"adjusted_rand_index_query", adjusted_rand_index(src.snapshot.q_labels, syn.truth)},
              {"adjusted_rand_index_key", adjusted_rand_index(src.snapshot.k_labels, syn.truth)}};
  return src;
}

void check_out_path(const std::string& path, const char* option) {
  if (path.empty()) return;
  const auto parent = std::filesystem::absolute(path).parent_path();
  SVG2_CHECK(std::filesystem::is_directory(parent), "{} '{}': folder '{}' does not exist", option, path,
             parent.string());
}

}  // namespace

InspectClustersResult run_inspect_clusters(const InspectClustersOptions& o) {
  SVG2_CHECK(o.synthetic != !o.render.empty(),
             "inspect clusters needs exactly one of --render DIR or --synthetic");
  SVG2_CHECK(!o.out.empty(), "inspect clusters needs --out map.png");
  SVG2_CHECK(o.step >= -1, "--step {} must be >= 0 (or -1 for the last step)", o.step);
  SVG2_CHECK(o.layer >= -1, "--layer {} must be >= 0 (or -1 for the first sparse layer)", o.layer);
  SVG2_CHECK(o.head >= 0, "--head {} must be >= 0", o.head);
  SVG2_CHECK(o.branch == 0 || o.branch == 1, "--branch {} must be 0 (conditional) or 1 (unconditional)",
             o.branch);
  SVG2_CHECK(o.cell_px >= 1 && o.cell_px <= 64, "--cell {} px outside [1, 64]", o.cell_px);
  check_out_path(o.out, "--out");
  check_out_path(o.blocks_out, "--blocks-out");
  check_out_path(o.density_out, "--density-out");
  check_out_path(o.histogram_out, "--histogram-out");
  check_out_path(o.animation_out, "--animation-out");
  if (!o.animation_out.empty()) {
    const VideoFormat format = video_format_for_path(o.animation_out);
    SVG2_CHECK(video_format_available(format),
               "--animation-out '{}': {} export is not available in this build", o.animation_out,
               to_string(format));
  }

  Source src = o.synthetic ? from_synthetic(o) : from_render(o);
  check_cluster_snapshot(src.snapshot);
  const ClusterSnapshot& s = src.snapshot;
  const Video* overlay = o.overlay && !src.frames.empty() ? &src.frames : nullptr;
  ClusterMapStyle style;
  style.cell_px = o.cell_px;

  InspectClustersResult r;
  write_png(o.out, cluster_map_sheet(s, o.side, style, overlay));
  r.written.push_back(o.out);
  if (!o.blocks_out.empty()) {
    write_png(o.blocks_out, block_map_image(s, 512));
    r.written.push_back(o.blocks_out);
  }
  if (!o.density_out.empty()) {
    const ValueGrid grid = layer_head_density(src.calls, s.step, o.branch);
    write_png(o.density_out,
              heatmap_image(grid, fmt::format("density, layers x heads, step {}", s.step), 16));
    r.written.push_back(o.density_out);
  }
  if (!o.histogram_out.empty()) {
    write_png(o.histogram_out, histogram_image(cluster_sizes(s, o.side), 32,
                                               fmt::format("{} cluster sizes", to_string(o.side))));
    r.written.push_back(o.histogram_out);
  }
  if (!o.animation_out.empty()) {
    ExportOptions eo;
    eo.format = video_format_for_path(o.animation_out);
    export_video(cluster_map_animation(s, o.side, style, overlay), o.animation_out, eo);
    r.written.push_back(o.animation_out);
  }

  nlohmann::json j = src.info;
  j["step"] = s.step;
  j["layer"] = s.layer;
  j["head"] = s.head;
  j["branch"] = s.branch;
  j["side"] = to_string(o.side);
  j["grid"] = {s.grid_f, s.grid_h, s.grid_w};
  j["query_clusters"] = s.query_clusters;
  j["key_clusters"] = s.key_clusters;
  j["q_sizes"] = s.q_sizes;
  j["k_sizes"] = s.k_sizes;
  j["density"] = s.density;
  j["pairs_kept"] = block_pair_fraction(s);
  j["q_inertia"] = s.q_inertia;
  j["k_inertia"] = s.k_inertia;
  j["written"] = r.written;
  r.json = j.dump(2);
  r.snapshot = std::move(src.snapshot);
  r.calls = std::move(src.calls);
  return r;
}

}  // namespace svg2

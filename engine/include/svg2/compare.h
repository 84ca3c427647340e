#pragma once
// Dense vs sparse A/B: the same prompt, seed and settings rendered with dense attention and with
// the chosen sparse attention, then per-frame PSNR/SSIM and speed readouts. `svg2 compare` and the
// GUI's compare view both use this. The dense render is cached on disk (keyed by a hash of its
// resolved parameters and the model files), so comparing several sparse settings against one
// dense render costs one dense render.
#include <functional>
#include <string>

#include "svg2/engine.h"
#include "svg2/media.h"
#include "svg2/render_params.h"

namespace svg2 {

struct CompareOptions {
  // Settings of both renders. params.attention is the sparse side; a dense mode there means
  // SVG2 with the engine's defaults.
  RenderParams params;
  // Reuse / store the dense render in cache_dir (default: <user data dir>/cache/dense).
  bool use_cache = true;
  std::string cache_dir;
  // Measure self-attention time (synchronizes per call; needed for the attention readouts).
  bool stage_times = true;
  // When not empty: write dense.mp4, sparse.mp4 (+ sidecars) and side_by_side.mp4 there
  // (extension from video_extension: ".mp4", ".webm", ".gif", or "" for PNG frames).
  std::string output_dir;
  std::string video_extension = ".mp4";
  bool write_side_by_side = true;
  // Called on the calling thread when a phase starts: "dense", "dense-cached", "sparse", "metrics",
  // "writing".
  std::function<void(const std::string& phase)> on_phase;
};

struct SpeedReadout {
  double total_ms = 0;  // text + denoise + decode (model loading excluded)
  double denoise_ms = 0;
  double dit_ms = 0;
  double attention_ms = 0;  // 0 unless measured
  double per_step_ms = 0;
  double peak_memory_bytes = 0;
};

struct CompareResult {
  RenderResult dense, sparse;
  bool dense_from_cache = false;
  QualityMetrics quality;  // sparse vs dense, per frame
  SpeedReadout dense_speed, sparse_speed;
  double speedup_total = 1, speedup_dit = 1, speedup_attention = 1;  // dense / sparse
  double density = 1;  // sparse render's mean density over sparse calls
  std::string dense_video, sparse_video, side_by_side_video;  // written files, when output_dir
  std::string json;  // the whole comparison as JSON (what `svg2 compare --json` prints)
};

// Runs the comparison on the calling thread through `engine` (render()); `events` receives both
// renders' events. Throws svg2::Error / svg2::Cancelled like Engine::render.
CompareResult run_compare(Engine& engine, const CompareOptions& options, JobEvents* events = nullptr);

// The cache key of the dense render for `params` (hex), exposed for tests and the GUI.
std::string dense_cache_key(const RenderParams& params);

}  // namespace svg2

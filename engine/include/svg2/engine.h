#pragma once
// The engine's public API: submit render jobs, receive progress / previews / telemetry / results
// through JobEvents, cancel. The same API serves the CLI (render() blocks) and the GUI (submit()
// returns at once; events arrive on the engine's own thread and the UI re-posts them).
// No LibTorch or Qt in this header.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "svg2/render_params.h"
#include "svg2/telemetry.h"
#include "svg2/video.h"

namespace svg2 {

using JobId = std::uint64_t;

struct StepProgress {
  int step = 0;  // 1-based: steps finished
  int total = 0;
  double it_per_s = 0;
  double eta_s = 0;
  double elapsed_s = 0;
  std::string stage;  // "text", "denoise", "decode", "encode"
};

// Wall-clock split of a render. All in milliseconds.
struct RenderTimings {
  double total_ms = 0;
  double load_ms = 0;
  double text_encode_ms = 0;
  double denoise_ms = 0;    // all sampler steps (DiT + scheduler)
  double dit_ms = 0;        // DiT forwards only
  double attention_ms = 0;  // self-attention only (measured when telemetry stage times are on)
  double vae_decode_ms = 0;
  std::vector<double> step_ms;
  std::int64_t peak_memory_bytes = 0;  // device peak (CUDA) or 0 when unknown

  // --- added by the pipeline ---
  std::vector<double> dit_step_ms;  // DiT forwards of each step
  std::vector<bool> step_sparse;    // whether the step ran sparse attention (after dense warm-up)
  // Device peak per stage (CUDA; 0 elsewhere): model load (0 when the models were cached), text
  // encode, sampler loop, VAE decode.
  std::int64_t load_peak_memory_bytes = 0;
  std::int64_t text_peak_memory_bytes = 0, denoise_peak_memory_bytes = 0, decode_peak_memory_bytes = 0;
  // Phase breakdown (the speed readout of the app and `svg2 bench e2e`). Attention phases come
  // from the attention telemetry's stage times and are 0 unless stage times were measured.
  double dense_steps_ms = 0;   // steps that ran all-dense attention (warm-up)
  double sparse_steps_ms = 0;  // steps with sparse layers
  double kmeans_ms = 0, selection_ms = 0, permute_ms = 0;
  double sparse_attention_ms = 0;  // block-sparse attention kernels
  double dense_attention_ms = 0;   // dense self-attention calls (dense steps and dense layers)
  double other_dit_ms = 0;         // DiT time outside self-attention: linear layers, norms, cross-attention
  bool stage_times_measured = false;
};

struct DensityStats {
  double mean_density = 1.0;     // over sparse calls (dense calls count as 1 in overall)
  double overall_density = 1.0;  // over all self-attention calls of the render
  int sparse_calls = 0, dense_calls = 0;
};

struct RenderResult {
  RenderParams params;  // fully resolved (defaults filled in)
  Video video;
  RenderTimings timings;
  DensityStats density;
  std::string sidecar_json;  // params + timings + density, as written next to the clip
  // --- added by the pipeline ---
  JobId job_id = 0;         // the engine's id of this render
  std::string device;       // "cpu", "cuda:0"
  std::string dtype;        // compute dtype: "fp32", "bf16", "fp16"
  std::string device_name;  // e.g. "NVIDIA H100 80GB HBM3" or "CPU"
};

class JobEvents {
 public:
  virtual ~JobEvents() = default;
  virtual void on_started(JobId) {}
  virtual void on_progress(JobId, const StepProgress&) {}
  virtual void on_preview(JobId, int /*step*/, const Video& /*preview*/) {}
  virtual void on_telemetry(JobId, const TelemetrySnapshot&) {}
  virtual void on_finished(JobId, const RenderResult&) {}
  virtual void on_failed(JobId, const std::string& /*message*/) {}
  virtual void on_cancelled(JobId) {}
};

struct EngineOptions {
  TelemetryOptions telemetry;
  // Keep loaded models between jobs while model, dtype and device stay the same.
  bool cache_models = true;
};

class Engine {
 public:
  explicit Engine(EngineOptions options = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Queue a job on the engine thread (FIFO). Events are called from that thread.
  JobId submit(const RenderParams& params, std::shared_ptr<JobEvents> events);
  // Stop a queued or running job; a running one stops within one sampler step.
  void cancel(JobId id);
  void cancel_all();
  // Change which layers/heads the running job samples for the visualizer.
  void set_telemetry(const TelemetryOptions& options);

  // Run one job on the calling thread (the CLI). Throws svg2::Error or svg2::Cancelled.
  RenderResult render(const RenderParams& params, JobEvents* events = nullptr);

  // --- added by the pipeline ---
  // Jobs waiting in the queue (not the running one), in order.
  std::vector<JobId> queued_jobs() const;
  // The job running on the engine thread, 0 when idle.
  JobId running_job() const;
  // Blocks until the queue is empty and no job runs (tests, the CLI's batch mode).
  void wait_idle();
  // Drop cached models and free device memory (the next job loads again).
  void release_models();
  TelemetryOptions telemetry_options() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// --- added by the pipeline ---
// Writes a finished render: the clip at `video_path` (format from the extension through
// svg2/media.h: .mp4 = H.264 yuv420p; no extension = PNG frames) and its JSON sidecar next to it
// (same stem, .json), both atomically. Throws svg2::Error (no permission, disk full, no encoder).
struct SavedRender {
  std::string video_path;
  std::string sidecar_path;
};
SavedRender save_render(const RenderResult& result, const std::string& video_path);
std::string sidecar_path_for(const std::string& video_path);  // clip.mp4 -> clip.json

}  // namespace svg2

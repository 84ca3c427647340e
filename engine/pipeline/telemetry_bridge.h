#pragma once
// The pipeline's side of attention telemetry: owns the job's recorder, drains it once per step
// into a TelemetrySnapshot for JobEvents::on_telemetry, and sums what the render's statistics
// need (density over all calls, stage times).
#include <memory>
#include <optional>

#include "attention/backend.h"
#include "svg2/attention_config.h"
#include "svg2/engine.h"
#include "svg2/telemetry.h"

namespace svg2::pipeline {

class TelemetryBridge {
 public:
  TelemetryBridge(const TelemetryOptions& options, const AttentionConfig& config, JobId job);
  ~TelemetryBridge();

  // Passed to the DiT for every forward.
  attention::TelemetryRecorder* recorder();
  // The UI may change which layers/heads are sampled while the job runs.
  void set_live_options(const TelemetryOptions& options);
  // What the recorder collected during `step`; nullopt when the UI did not ask for telemetry.
  std::optional<TelemetrySnapshot> drain(int step);
  // Density statistics and attention stage times of the whole render: k-means, selection,
  // permutation and sparse attention kernels (0 unless stage times were measured).
  void finish(RenderTimings& timings, DensityStats& density);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace svg2::pipeline

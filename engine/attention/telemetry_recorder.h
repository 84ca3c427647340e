#pragma once
// Collects what the attention backends report during a job, for the UI and the render summary.
// Thread-safe and bounded (TelemetryOptions::max_calls / max_snapshots, oldest dropped first).
// Backends hand over device tensors as they are; they are copied to the host only in drain(), which
// the pipeline calls once per step, so recording never synchronizes the device by itself.
#include <ATen/core/Tensor.h>

#include <cstddef>
#include <deque>
#include <mutex>
#include <vector>

#include "svg2/telemetry.h"

namespace svg2::attention {

// One self-attention call of one batch element (one CFG branch).
struct RecordedCall {
  AttentionCallStats stats;         // step, layer, branch, sparse, times (density fields filled at drain)
  at::Tensor head_density;          // [H] float, any device; undefined = every head dense (1.0)
  at::Tensor q_inertia, k_inertia;  // [H] float, any device; undefined = no clustering
};

// One head's cluster structure.
struct RecordedClusters {
  ClusterSnapshot meta;             // step, layer, head, branch, grid, cluster counts
  at::Tensor q_labels, k_labels;    // [S] integer, original token order
  at::Tensor q_sizes, k_sizes;      // [QC], [KC] integer
  at::Tensor mask;                  // [QC, KC] bool
  at::Tensor density;               // [] float
  at::Tensor q_inertia, k_inertia;  // [] float, undefined = none
};

class TelemetryRecorder {
 public:
  explicit TelemetryRecorder(TelemetryOptions options = {});

  TelemetryOptions options() const;
  // The UI may change the sampled layers/heads while a job runs.
  void set_options(const TelemetryOptions& options);

  bool enabled() const;
  bool stage_times() const;  // stage times requested (backends then synchronize per stage)
  // Heads of `layer` whose cluster maps are wanted, among `num_heads` (empty = none).
  std::vector<int> sampled_heads(int layer, int num_heads) const;

  void record(RecordedCall call);
  void record(RecordedClusters clusters);

  // Everything recorded since the last drain, copied to the host; `step` is the latest recorded step.
  TelemetrySnapshot drain();
  std::size_t pending_calls() const;
  std::size_t pending_clusters() const;

 private:
  mutable std::mutex mutex_;
  TelemetryOptions options_;
  std::deque<RecordedCall> calls_;
  std::deque<RecordedClusters> clusters_;
  std::size_t dropped_calls_ = 0, dropped_clusters_ = 0;
};

}  // namespace svg2::attention

#pragma once
// What the attention backends report, only when asked (never forcing a device sync otherwise).
// Bounded: per-call summaries plus cluster snapshots for the layers/heads the UI chose.
#include <cstdint>
#include <vector>

namespace svg2 {

struct TelemetryOptions {
  bool enabled = false;
  bool stage_times = false;        // per-stage times (syncs the device per stage on CUDA)
  std::vector<int> sample_layers;  // layers whose cluster maps are captured (empty = none)
  std::vector<int> sample_heads;   // heads captured in those layers (empty = none)
  std::size_t max_snapshots = 256; // oldest dropped first
  std::size_t max_calls = 4096;    // per-call stats kept between drains, oldest dropped first
};

struct AttentionStageTimes {
  double kmeans_ms = 0, select_ms = 0, permute_ms = 0, attention_ms = 0, inverse_ms = 0;
};

// One self-attention call (one layer, one CFG branch, one step).
struct AttentionCallStats {
  int step = 0, layer = 0, branch = 0;  // branch 0 = conditional, 1 = unconditional
  bool sparse = false;                  // false when the policy ran it dense
  double density = 1.0;                 // mean over heads: sum M_ij |Q_i||K_j| / S^2
  std::vector<float> head_density;      // per head
  AttentionStageTimes times;
  double q_inertia = 0, k_inertia = 0;  // k-means objective, mean over heads
};

// Cluster structure of one head, for the visualizer.
struct ClusterSnapshot {
  int step = 0, layer = 0, head = 0, branch = 0;
  int grid_f = 0, grid_h = 0, grid_w = 0;  // token grid (S = f*h*w) when known
  int query_clusters = 0, key_clusters = 0;
  std::vector<std::int32_t> q_labels, k_labels;  // per token, in original token order
  std::vector<std::int32_t> q_sizes, k_sizes;    // per cluster
  std::vector<std::uint8_t> block_mask;          // QC x KC, row-major, 1 = computed
  double density = 1.0;
  double q_inertia = 0, k_inertia = 0;
};

struct TelemetrySnapshot {
  int step = 0;
  std::vector<AttentionCallStats> calls;
  std::vector<ClusterSnapshot> clusters;
  std::size_t dropped_calls = 0, dropped_clusters = 0;  // over the bounds since the last drain
};

}  // namespace svg2

#pragma once
// What the inspector panel keeps of one render's telemetry: every per-call statistic (small) and
// the cluster snapshots of the sampled layers/heads (large: labels per token), bounded by count and
// bytes with the oldest steps dropped first, plus the latest latent previews. Plain C++ (no Qt,
// no GL) so it is testable on its own.
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <tuple>
#include <vector>

#include "svg2/telemetry.h"
#include "svg2/video.h"

namespace svg2::ui {

struct TelemetryHistoryLimits {
  std::size_t max_calls = 200000;               // per-call stats (a few hundred bytes each)
  std::size_t max_snapshots = 512;              // cluster snapshots
  std::size_t max_snapshot_bytes = 256u << 20;  // labels + masks of all kept snapshots
  std::size_t max_previews = 8;                 // latent previews (one per step, newest kept)
};

class TelemetryHistory {
 public:
  explicit TelemetryHistory(TelemetryHistoryLimits limits = {});

  void clear();
  void add(const TelemetrySnapshot& snapshot);
  // `step` is the preview's 1-based step (steps done), as JobEvents::on_preview reports it.
  void add_preview(int step, std::shared_ptr<const Video> preview);

  const std::vector<AttentionCallStats>& calls() const { return calls_; }
  // Steps, layers and heads that have cluster snapshots (sorted); heads of `layer` only when >= 0.
  std::vector<int> snapshot_steps() const;
  std::vector<int> snapshot_layers(int step) const;
  std::vector<int> snapshot_heads(int step, int layer) const;
  std::vector<int> call_steps() const;  // steps with per-call stats
  int heads_in_calls() const;           // largest per-head density count seen
  int layers_in_calls() const;          // largest layer index seen + 1

  // The snapshot of (step, layer, head, branch), or null.
  const ClusterSnapshot* find(int step, int layer, int head, int branch) const;
  // The preview closest to the state after 0-based `step` (preview step + 1), or null.
  std::shared_ptr<const Video> preview_for(int step) const;

  // Mean q/k inertia over heads of `layer` per step (branch -1 = both), from the per-call stats.
  struct InertiaSeries {
    std::vector<int> steps;
    std::vector<float> query, key;
  };
  InertiaSeries inertia(int layer, int branch) const;

  std::size_t snapshot_count() const { return snapshots_.size(); }
  std::size_t snapshot_bytes() const { return snapshot_bytes_; }
  std::size_t dropped() const { return dropped_; }  // dropped here or by the engine's bounds
  // Bumped on every change, so views cache what they drew.
  std::uint64_t revision() const { return revision_; }

 private:
  using Key = std::tuple<int, int, int, int>;  // step, layer, head, branch
  static std::size_t bytes_of(const ClusterSnapshot& s);
  void enforce_limits();

  TelemetryHistoryLimits limits_;
  std::vector<AttentionCallStats> calls_;
  std::map<Key, ClusterSnapshot> snapshots_;
  std::map<int, std::shared_ptr<const Video>> previews_;
  std::size_t snapshot_bytes_ = 0, dropped_ = 0;
  std::uint64_t revision_ = 0;
};

}  // namespace svg2::ui

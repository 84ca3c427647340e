#include "inspector/telemetry_history.h"

#include <algorithm>
#include <set>

namespace svg2::ui {

TelemetryHistory::TelemetryHistory(TelemetryHistoryLimits limits) : limits_(limits) {}

void TelemetryHistory::clear() {
  calls_.clear();
  snapshots_.clear();
  previews_.clear();
  snapshot_bytes_ = dropped_ = 0;
  ++revision_;
}

std::size_t TelemetryHistory::bytes_of(const ClusterSnapshot& s) {
  return (s.q_labels.size() + s.k_labels.size() + s.q_sizes.size() + s.k_sizes.size()) *
             sizeof(std::int32_t) +
         s.block_mask.size() + sizeof(ClusterSnapshot);
}

void TelemetryHistory::add(const TelemetrySnapshot& snapshot) {
  calls_.insert(calls_.end(), snapshot.calls.begin(), snapshot.calls.end());
  for (const auto& c : snapshot.clusters) {
    const Key key{c.step, c.layer, c.head, c.branch};
    if (auto it = snapshots_.find(key); it != snapshots_.end()) {
      snapshot_bytes_ -= bytes_of(it->second);
      it->second = c;
    } else {
      snapshots_.emplace(key, c);
    }
    snapshot_bytes_ += bytes_of(c);
  }
  dropped_ += snapshot.dropped_calls + snapshot.dropped_clusters;
  enforce_limits();
  ++revision_;
}

void TelemetryHistory::enforce_limits() {
  if (calls_.size() > limits_.max_calls) {
    const std::size_t over = calls_.size() - limits_.max_calls;
    calls_.erase(calls_.begin(), calls_.begin() + static_cast<std::ptrdiff_t>(over));
    dropped_ += over;
  }
  // The map is ordered by step first: begin() is the oldest step.
  while (!snapshots_.empty() &&
         (snapshots_.size() > limits_.max_snapshots || snapshot_bytes_ > limits_.max_snapshot_bytes)) {
    snapshot_bytes_ -= bytes_of(snapshots_.begin()->second);
    snapshots_.erase(snapshots_.begin());
    ++dropped_;
  }
}

void TelemetryHistory::add_preview(int step, std::shared_ptr<const Video> preview) {
  if (!preview || preview->empty()) return;
  previews_[step] = std::move(preview);
  while (previews_.size() > std::max<std::size_t>(limits_.max_previews, 1))
    previews_.erase(previews_.begin());
  ++revision_;
}

std::vector<int> TelemetryHistory::snapshot_steps() const {
  std::set<int> steps;
  for (const auto& [key, s] : snapshots_) steps.insert(std::get<0>(key));
  return {steps.begin(), steps.end()};
}

std::vector<int> TelemetryHistory::snapshot_layers(int step) const {
  std::set<int> layers;
  for (const auto& [key, s] : snapshots_)
    if (std::get<0>(key) == step) layers.insert(std::get<1>(key));
  return {layers.begin(), layers.end()};
}

std::vector<int> TelemetryHistory::snapshot_heads(int step, int layer) const {
  std::set<int> heads;
  for (const auto& [key, s] : snapshots_)
    if (std::get<0>(key) == step && std::get<1>(key) == layer) heads.insert(std::get<2>(key));
  return {heads.begin(), heads.end()};
}

std::vector<int> TelemetryHistory::call_steps() const {
  std::set<int> steps;
  for (const auto& c : calls_) steps.insert(c.step);
  return {steps.begin(), steps.end()};
}

int TelemetryHistory::heads_in_calls() const {
  std::size_t heads = 0;
  for (const auto& c : calls_) heads = std::max(heads, c.head_density.size());
  return static_cast<int>(heads);
}

int TelemetryHistory::layers_in_calls() const {
  int layers = 0;
  for (const auto& c : calls_) layers = std::max(layers, c.layer + 1);
  return layers;
}

const ClusterSnapshot* TelemetryHistory::find(int step, int layer, int head, int branch) const {
  auto it = snapshots_.find(Key{step, layer, head, branch});
  return it == snapshots_.end() ? nullptr : &it->second;
}

std::shared_ptr<const Video> TelemetryHistory::preview_for(int step) const {
  if (previews_.empty()) return nullptr;
  // Preview step p (1-based) shows the state after 0-based step p - 1: the first one at or after.
  auto it = previews_.lower_bound(step + 1);
  if (it == previews_.end()) --it;
  return it->second;
}

TelemetryHistory::InertiaSeries TelemetryHistory::inertia(int layer, int branch) const {
  std::map<int, std::tuple<double, double, int>> per_step;
  for (const auto& c : calls_) {
    if (c.layer != layer || !c.sparse || (branch >= 0 && c.branch != branch)) continue;
    auto& [q, k, n] = per_step[c.step];
    q += c.q_inertia;
    k += c.k_inertia;
    ++n;
  }
  InertiaSeries out;
  for (const auto& [step, v] : per_step) {
    out.steps.push_back(step);
    out.query.push_back(static_cast<float>(std::get<0>(v) / std::get<2>(v)));
    out.key.push_back(static_cast<float>(std::get<1>(v) / std::get<2>(v)));
  }
  return out;
}

}  // namespace svg2::ui

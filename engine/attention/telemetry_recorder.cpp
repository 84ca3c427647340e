#include "attention/telemetry_recorder.h"

#include <ATen/ops/mean.h>

#include <algorithm>

namespace svg2::attention {
namespace {

template <typename T>
std::vector<T> to_vector(const at::Tensor& t, at::ScalarType type) {
  if (!t.defined()) return {};
  const at::Tensor h = t.detach().to(at::kCPU, type).contiguous();
  const T* p = h.data_ptr<T>();
  return std::vector<T>(p, p + h.numel());
}

double to_double(const at::Tensor& t, double fallback) {
  return t.defined() ? t.detach().to(at::kCPU, at::kDouble).item<double>() : fallback;
}

bool contains(const std::vector<int>& v, int x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

}  // namespace

TelemetryRecorder::TelemetryRecorder(TelemetryOptions options) : options_(std::move(options)) {}

TelemetryOptions TelemetryRecorder::options() const {
  std::lock_guard lock(mutex_);
  return options_;
}

void TelemetryRecorder::set_options(const TelemetryOptions& options) {
  std::lock_guard lock(mutex_);
  options_ = options;
}

bool TelemetryRecorder::enabled() const {
  std::lock_guard lock(mutex_);
  return options_.enabled;
}

bool TelemetryRecorder::stage_times() const {
  std::lock_guard lock(mutex_);
  return options_.enabled && options_.stage_times;
}

std::vector<int> TelemetryRecorder::sampled_heads(int layer, int num_heads) const {
  std::lock_guard lock(mutex_);
  std::vector<int> heads;
  if (!options_.enabled || options_.max_snapshots == 0 || !contains(options_.sample_layers, layer))
    return heads;
  for (int h : options_.sample_heads) {
    if (h >= 0 && h < num_heads && !contains(heads, h)) heads.push_back(h);
  }
  return heads;
}

void TelemetryRecorder::record(RecordedCall call) {
  std::lock_guard lock(mutex_);
  if (!options_.enabled) return;
  calls_.push_back(std::move(call));
  while (calls_.size() > std::max<std::size_t>(options_.max_calls, 1)) {
    calls_.pop_front();
    ++dropped_calls_;
  }
}

void TelemetryRecorder::record(RecordedClusters clusters) {
  // Own copies, so a kept snapshot never pins a whole [H, ...] tensor (device copies are async).
  for (at::Tensor* t :
       {&clusters.q_labels, &clusters.k_labels, &clusters.q_sizes, &clusters.k_sizes, &clusters.mask}) {
    if (t->defined()) *t = t->clone();
  }
  std::lock_guard lock(mutex_);
  if (!options_.enabled || options_.max_snapshots == 0) return;
  clusters_.push_back(std::move(clusters));
  while (clusters_.size() > options_.max_snapshots) {
    clusters_.pop_front();
    ++dropped_clusters_;
  }
}

TelemetrySnapshot TelemetryRecorder::drain() {
  std::deque<RecordedCall> calls;
  std::deque<RecordedClusters> clusters;
  TelemetrySnapshot snap;
  {
    std::lock_guard lock(mutex_);
    calls.swap(calls_);
    clusters.swap(clusters_);
    snap.dropped_calls = std::exchange(dropped_calls_, 0);
    snap.dropped_clusters = std::exchange(dropped_clusters_, 0);
  }
  // The host copies happen outside the lock, so backends keep recording meanwhile.
  snap.calls.reserve(calls.size());
  for (RecordedCall& c : calls) {
    AttentionCallStats s = std::move(c.stats);
    if (c.head_density.defined()) {
      s.head_density = to_vector<float>(c.head_density, at::kFloat);
      double sum = 0;
      for (float d : s.head_density) sum += d;
      s.density = s.head_density.empty() ? 1.0 : sum / static_cast<double>(s.head_density.size());
    }
    if (c.q_inertia.defined()) s.q_inertia = to_double(c.q_inertia.to(at::kDouble).mean(), 0.0);
    if (c.k_inertia.defined()) s.k_inertia = to_double(c.k_inertia.to(at::kDouble).mean(), 0.0);
    snap.step = std::max(snap.step, s.step);
    snap.calls.push_back(std::move(s));
  }
  snap.clusters.reserve(clusters.size());
  for (RecordedClusters& c : clusters) {
    ClusterSnapshot s = std::move(c.meta);
    s.q_labels = to_vector<std::int32_t>(c.q_labels, at::kInt);
    s.k_labels = to_vector<std::int32_t>(c.k_labels, at::kInt);
    s.q_sizes = to_vector<std::int32_t>(c.q_sizes, at::kInt);
    s.k_sizes = to_vector<std::int32_t>(c.k_sizes, at::kInt);
    s.block_mask = to_vector<std::uint8_t>(c.mask, at::kByte);
    s.query_clusters = static_cast<int>(s.q_sizes.size());
    s.key_clusters = static_cast<int>(s.k_sizes.size());
    s.density = to_double(c.density, s.density);
    s.q_inertia = to_double(c.q_inertia, s.q_inertia);
    s.k_inertia = to_double(c.k_inertia, s.k_inertia);
    snap.step = std::max(snap.step, s.step);
    snap.clusters.push_back(std::move(s));
  }
  return snap;
}

std::size_t TelemetryRecorder::pending_calls() const {
  std::lock_guard lock(mutex_);
  return calls_.size();
}

std::size_t TelemetryRecorder::pending_clusters() const {
  std::lock_guard lock(mutex_);
  return clusters_.size();
}

}  // namespace svg2::attention

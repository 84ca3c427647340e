#include "pipeline/telemetry_bridge.h"

#include "attention/telemetry_recorder.h"

namespace svg2::pipeline {

namespace {

// The recorder always keeps per-call summaries (the render's density statistics need them);
// cluster snapshots and stage times only as the UI asks.
TelemetryOptions recorder_options(const TelemetryOptions& ui) {
  TelemetryOptions o = ui;
  o.enabled = true;
  if (!ui.enabled) {
    o.sample_layers.clear();
    o.sample_heads.clear();
  }
  return o;
}

}  // namespace

struct TelemetryBridge::Impl {
  Impl(const TelemetryOptions& options, const AttentionConfig& c, JobId j)
      : ui(options), config(c), job(j), recorder(recorder_options(options)) {}
  TelemetryOptions ui;
  AttentionConfig config;
  JobId job = 0;
  attention::TelemetryRecorder recorder;
  // sums over the render
  double sparse_density_sum = 0, all_density_sum = 0;
  int sparse_calls = 0, dense_calls = 0;
  double kmeans_ms = 0, select_ms = 0, permute_ms = 0, sparse_attention_ms = 0, dense_attention_ms = 0;
  bool stage_times_seen = false;

  void accumulate(const TelemetrySnapshot& s) {
    for (const auto& call : s.calls) {
      all_density_sum += call.sparse ? call.density : 1.0;
      if (call.sparse) {
        ++sparse_calls;
        sparse_density_sum += call.density;
        kmeans_ms += call.times.kmeans_ms;
        select_ms += call.times.select_ms;
        permute_ms += call.times.permute_ms + call.times.inverse_ms;
        sparse_attention_ms += call.times.attention_ms;
      } else {
        ++dense_calls;
        kmeans_ms += call.times.kmeans_ms;  // k-means during dense steps (warm-up)
        dense_attention_ms += call.times.attention_ms;
      }
    }
  }
};

TelemetryBridge::TelemetryBridge(const TelemetryOptions& options, const AttentionConfig& config, JobId job)
    : impl_(std::make_unique<Impl>(options, config, job)) {}

TelemetryBridge::~TelemetryBridge() = default;

attention::TelemetryRecorder* TelemetryBridge::recorder() {
  return &impl_->recorder;
}

void TelemetryBridge::set_live_options(const TelemetryOptions& options) {
  impl_->ui = options;
  impl_->recorder.set_options(recorder_options(options));
}

std::optional<TelemetrySnapshot> TelemetryBridge::drain(int step) {
  TelemetrySnapshot s = impl_->recorder.drain();
  s.step = step;
  impl_->accumulate(s);
  if (!impl_->ui.enabled) return std::nullopt;
  return s;
}

void TelemetryBridge::finish(RenderTimings& timings, DensityStats& density) {
  drain(-1);
  auto& i = *impl_;
  density.sparse_calls = i.sparse_calls;
  density.dense_calls = i.dense_calls;
  const int calls = i.sparse_calls + i.dense_calls;
  density.mean_density = i.sparse_calls > 0 ? i.sparse_density_sum / i.sparse_calls : 1.0;
  density.overall_density = calls > 0 ? i.all_density_sum / calls : 1.0;
  timings.kmeans_ms = i.kmeans_ms;
  timings.selection_ms = i.select_ms;
  timings.permute_ms = i.permute_ms;
  timings.sparse_attention_ms = i.sparse_attention_ms;
}

}  // namespace svg2::pipeline

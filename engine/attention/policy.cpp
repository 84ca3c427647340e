#include "attention/policy.h"

#include "attention/input_checks.h"
#include "attention/stage_clock.h"
#include "attention/telemetry_recorder.h"

namespace svg2::attention {

bool policy_runs_dense(const AttentionConfig& config, const AttentionContext& ctx) {
  return config.mode == AttentionMode::Dense || ctx.layer < config.dense_layers ||
         step_runs_dense(config, ctx.step, ctx.num_steps);
}

PolicyBackend::PolicyBackend(AttentionConfig config, std::unique_ptr<AttentionBackend> sparse)
    : config_(std::move(config)), sparse_(std::move(sparse)), dense_(make_dense_backend()) {
  validate(config_);
}

at::Tensor PolicyBackend::forward(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                  const AttentionContext& ctx) {
  if (sparse_ && !policy_runs_dense(config_, ctx)) return sparse_->forward(q, k, v, ctx);
  // Leading dense layers never go sparse, so only dense steps of later layers warm the cache; the
  // final dense steps come after the last sparse one, so warming there is wasted.
  if (sparse_ && config_.kmeans_during_dense && ctx.layer >= config_.dense_layers &&
      ctx.step < dense_step_count(config_, ctx.num_steps))
    sparse_->warm_up(q, k, ctx);
  return forward_dense(q, k, v, ctx);
}

at::Tensor PolicyBackend::forward_dense(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                        const AttentionContext& ctx) {
  check_attention_inputs(q, k, v, "dense");
  TelemetryRecorder* rec = ctx.telemetry != nullptr && ctx.telemetry->enabled() ? ctx.telemetry : nullptr;
  StageClock clock(rec != nullptr && rec->stage_times(), q.device());
  at::Tensor out = dense_->forward(q, k, v, ctx);
  if (rec == nullptr) return out;
  const double ms = clock.lap();
  for (int b = 0; b < q.size(0); ++b) {
    RecordedCall call;
    call.stats.step = ctx.step;
    call.stats.layer = ctx.layer;
    call.stats.branch = ctx.branch_of(b);
    call.stats.sparse = false;
    call.stats.density = 1.0;
    call.stats.head_density.assign(static_cast<std::size_t>(q.size(1)), 1.0f);
    call.stats.times.attention_ms = ms / static_cast<double>(q.size(0));
    rec->record(std::move(call));
  }
  return out;
}

void PolicyBackend::warm_up(const at::Tensor& q, const at::Tensor& k, const AttentionContext& ctx) {
  if (sparse_) sparse_->warm_up(q, k, ctx);
}

void PolicyBackend::reset() {
  if (sparse_) sparse_->reset();
}

std::string PolicyBackend::name() const {
  return sparse_ ? sparse_->name() : "dense";
}

}  // namespace svg2::attention

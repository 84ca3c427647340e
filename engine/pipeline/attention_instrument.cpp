#include "pipeline/attention_instrument.h"

#include <chrono>

#include "attention/policy.h"
#include "core/log.h"
#include "io/safetensors_writer.h"
#include "pipeline/device_memory.h"

namespace svg2::pipeline {

InstrumentedBackend::InstrumentedBackend(std::shared_ptr<attention::AttentionBackend> inner,
                                         AttentionConfig config)
    : inner_(std::move(inner)), config_(std::move(config)) {}

at::Tensor InstrumentedBackend::forward(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                        const attention::AttentionContext& ctx) {
  if (!dump_.path.empty() && !dumped_ && ctx.step == dump_.step && ctx.layer == dump_.layer) {
    std::string branches;
    for (int b = 0; b < q.size(0); ++b) branches += (b ? "," : "") + std::to_string(ctx.branch_of(b));
    io::save_safetensors(dump_.path, {{"q", q.contiguous()}, {"k", k.contiguous()}, {"v", v.contiguous()}},
                         {{"step", std::to_string(ctx.step)},
                          {"num_steps", std::to_string(ctx.num_steps)},
                          {"layer", std::to_string(ctx.layer)},
                          {"num_layers", std::to_string(ctx.num_layers)},
                          {"grid_f", std::to_string(ctx.grid_f)},
                          {"grid_h", std::to_string(ctx.grid_h)},
                          {"grid_w", std::to_string(ctx.grid_w)},
                          {"branches", branches},
                          {"layout", "BHSD"}});
    dumped_ = true;
    log_info("saved self-attention Q/K/V of step {} layer {} to {}", ctx.step, ctx.layer, dump_.path);
  }
  if (!timing_) return inner_->forward(q, k, v, ctx);
  synchronize(q.device());
  const auto start = std::chrono::steady_clock::now();
  at::Tensor out = inner_->forward(q, k, v, ctx);
  synchronize(q.device());
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (attention::policy_runs_dense(config_, ctx)) {
    times_.dense_ms += ms;
    ++times_.dense_calls;
  } else {
    times_.sparse_ms += ms;
    ++times_.sparse_calls;
  }
  return out;
}

void InstrumentedBackend::reset() {
  inner_->reset();
  times_ = {};
}

AttentionTimes InstrumentedBackend::take_times() {
  AttentionTimes t = times_;
  times_ = {};
  return t;
}

}  // namespace svg2::pipeline

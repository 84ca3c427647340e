#pragma once
// The SVG2 policy around any sparse backend: the first N denoising steps (a count, or a fraction
// of the steps), optionally the last M steps, and the first L layers run dense; during those dense calls the
// sparse backend can optionally warm its centroid cache (AttentionConfig::kmeans_during_dense).
#include <memory>

#include "attention/backend.h"
#include "svg2/attention_config.h"

namespace svg2::attention {

// True when this call runs dense: mode dense, a dense step (step_runs_dense: the leading ones and
// the final ones), or layer < dense_layers.
bool policy_runs_dense(const AttentionConfig& config, const AttentionContext& ctx);

class PolicyBackend final : public AttentionBackend {
 public:
  // `sparse` may be null (dense mode: every call dense, still reported to telemetry).
  PolicyBackend(AttentionConfig config, std::unique_ptr<AttentionBackend> sparse);

  at::Tensor forward(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                     const AttentionContext& ctx) override;
  void warm_up(const at::Tensor& q, const at::Tensor& k, const AttentionContext& ctx) override;
  void reset() override;
  std::string name() const override;

  AttentionBackend* sparse() const { return sparse_.get(); }

 private:
  at::Tensor forward_dense(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                           const AttentionContext& ctx);

  AttentionConfig config_;
  std::unique_ptr<AttentionBackend> sparse_;
  std::unique_ptr<AttentionBackend> dense_;
};

}  // namespace svg2::attention

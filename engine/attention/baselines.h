#pragma once
// Baselines under the same interface, so SVG2 can be compared at equal density:
// - position block top-k: fixed blocks of block_size tokens in token order, block importance from
//   mean-pooled q.k, the same size-weighted mass and top-p / fixed-density selection as SVG2;
// - SVG1-style: each head classified as spatial (frame-local) or temporal (same position across
//   frames) by comparing both masks with dense attention on sampled query rows.
#include <memory>

#include "attention/sparse_backend.h"
#include "svg2/attention_config.h"

namespace svg2::attention {

// Density SVG1 targets when the config has no fixed_density (SVG1's own default sparsity budget).
inline constexpr double kSvg1DefaultDensity = 0.25;
// Query rows sampled per head to classify it.
inline constexpr std::int64_t kSvg1SampledRows = 64;

class BlockTopKBackend final : public SparseBackend {
 public:
  explicit BlockTopKBackend(AttentionConfig config);  // validates
  std::string name() const override { return "block-topk"; }

 protected:
  SparseLayout plan(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                    const AttentionContext& ctx, int b, StageClock& clock,
                    AttentionStageTimes& times) override;

 private:
  AttentionConfig config_;
};

class Svg1Backend final : public SparseBackend {
 public:
  explicit Svg1Backend(AttentionConfig config);  // validates
  std::string name() const override { return "svg1"; }

 protected:
  // Needs ctx.grid_f * grid_h * grid_w == S (throws svg2::Error otherwise).
  SparseLayout plan(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                    const AttentionContext& ctx, int b, StageClock& clock,
                    AttentionStageTimes& times) override;

 private:
  AttentionConfig config_;
};

}  // namespace svg2::attention

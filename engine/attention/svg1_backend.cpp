#include <ATen/CPUGeneratorImpl.h>
#include <ATen/ops/arange.h>
#include <ATen/ops/bmm.h>
#include <ATen/ops/full.h>
#include <ATen/ops/randperm.h>
#include <ATen/ops/softmax.h>
#include <ATen/ops/where.h>
#include <ATen/ops/zeros.h>

#include <cmath>
#include <limits>

#include "attention/baselines.h"
#include "attention/block_selection.h"
#include "attention/svg2_backend.h"
#include "core/check.h"

namespace svg2::attention {
namespace {

// One fixed pattern shared by every head of that kind: token clusters and the cluster-pair mask.
struct Pattern {
  at::Tensor labels;  // [S] int64
  at::Tensor sizes;   // [C] int64
  at::Tensor mask;    // [C, C] bool
};

// Clusters whose pairwise distance orders the keys: the nearest ones are kept until the density
// is met (fixed-density selection with mass = -distance).
Pattern make_pattern(const at::Tensor& labels, const at::Tensor& sizes, const at::Tensor& distance,
                     double density) {
  const at::Tensor mask =
      select_fixed_density((-distance).unsqueeze(0), sizes.unsqueeze(0), density).squeeze(0);
  return {labels, sizes, mask};
}

// Spatial heads: frame-local. Clusters are frames; a query frame sees the nearest frames.
Pattern spatial_pattern(std::int64_t f, std::int64_t per_frame, double density,
                        const at::TensorOptions& opt) {
  const at::Tensor frame = at::arange(f, opt.dtype(at::kFloat));
  const at::Tensor labels = at::arange(f * per_frame, opt.dtype(at::kLong)).div(per_frame, "floor");
  const at::Tensor sizes = at::full({f}, per_frame, opt.dtype(at::kLong));
  return make_pattern(labels, sizes, (frame.unsqueeze(1) - frame.unsqueeze(0)).abs(), density);
}

// Temporal heads: the same spatial position across frames. Clusters are positions (each holds one
// token per frame); a query position sees the nearest positions in the h x w grid.
Pattern temporal_pattern(std::int64_t f, std::int64_t h, std::int64_t w, double density,
                         const at::TensorOptions& opt) {
  const std::int64_t positions = h * w;
  const at::Tensor pos = at::arange(positions, opt.dtype(at::kLong));
  const at::Tensor y = pos.div(w, "floor").to(at::kFloat), x = pos.remainder(w).to(at::kFloat);
  const at::Tensor dist2 =
      (y.unsqueeze(1) - y.unsqueeze(0)).pow(2) + (x.unsqueeze(1) - x.unsqueeze(0)).pow(2);
  const at::Tensor labels = at::arange(f * positions, opt.dtype(at::kLong)).remainder(positions);
  const at::Tensor sizes = at::full({positions}, f, opt.dtype(at::kLong));
  return make_pattern(labels, sizes, dist2, density);
}

// Token-level mask of the sampled rows [R] against every key [S] under a pattern.
at::Tensor row_mask(const Pattern& p, const at::Tensor& rows) {
  return p.mask.index_select(0, p.labels.index_select(0, rows)).index_select(1, p.labels);
}

at::Tensor masked_attention(const at::Tensor& scores, const at::Tensor& allowed, const at::Tensor& v) {
  const at::Tensor s =
      scores.masked_fill(allowed.logical_not().unsqueeze(0), -std::numeric_limits<float>::infinity());
  return at::bmm(at::softmax(s, -1), v);
}

at::Tensor pad(const at::Tensor& t, std::int64_t c) {
  if (t.dim() == 1) {
    at::Tensor out = at::zeros({c}, t.options());
    out.narrow(0, 0, t.size(0)).copy_(t);
    return out;
  }
  at::Tensor out = at::zeros({c, c}, t.options());
  out.narrow(0, 0, t.size(0)).narrow(1, 0, t.size(1)).copy_(t);
  return out;
}

}  // namespace

Svg1Backend::Svg1Backend(AttentionConfig config) : config_(std::move(config)) {
  validate(config_);
}

SparseLayout Svg1Backend::plan(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                               const AttentionContext& ctx, int b, StageClock& clock,
                               AttentionStageTimes& times) {
  const std::int64_t heads = q.size(0), tokens = q.size(1), dim = q.size(2);
  const std::int64_t f = ctx.grid_f, h = ctx.grid_h, w = ctx.grid_w;
  SVG2_CHECK(
      f >= 1 && h >= 1 && w >= 1 && f * h * w == tokens,
      "attention (svg1): needs the token grid; frames x height x width = {} x {} x {} must equal S = {}", f,
      h, w, tokens);
  const double density = config_.fixed_density.value_or(kSvg1DefaultDensity);
  const at::TensorOptions opt = q.options();
  const Pattern spatial = spatial_pattern(f, h * w, density, opt);
  const Pattern temporal = temporal_pattern(f, h, w, density, opt);

  // Classify each head on sampled query rows: which mask's output is closer to dense attention's.
  const std::int64_t r = std::min(tokens, kSvg1SampledRows);
  at::Generator gen =
      at::make_generator<at::CPUGeneratorImpl>(clustering_seed(config_.seed, ctx.layer, ctx.branch_of(b), 2));
  const at::Tensor rows = at::randperm(tokens, gen, at::kLong).narrow(0, 0, r).to(q.device());
  const at::Tensor vf = v.to(at::kFloat);
  const at::Tensor scores = at::bmm(q.to(at::kFloat).index_select(1, rows), k.to(at::kFloat).transpose(1, 2))
                                .mul_(1.0 / std::sqrt(static_cast<double>(dim)));  // [H, R, S]
  const at::Tensor dense = at::bmm(at::softmax(scores, -1), vf);
  const auto error = [&](const Pattern& p) {
    return (masked_attention(scores, row_mask(p, rows), vf) - dense).pow(2).mean({1, 2});  // [H]
  };
  const at::Tensor spatial_head = error(spatial) <= error(temporal);  // [H] bool

  const std::int64_t c = std::max(f, h * w);
  const at::Tensor sel = spatial_head.view({heads, 1});
  SparseLayout layout;
  layout.q_labels = at::where(sel, spatial.labels.unsqueeze(0), temporal.labels.unsqueeze(0)).contiguous();
  layout.k_labels = layout.q_labels;
  layout.q_sizes =
      at::where(sel, pad(spatial.sizes, c).unsqueeze(0), pad(temporal.sizes, c).unsqueeze(0)).contiguous();
  layout.k_sizes = layout.q_sizes;
  layout.mask = at::where(sel.view({heads, 1, 1}), pad(spatial.mask, c).unsqueeze(0),
                          pad(temporal.mask, c).unsqueeze(0))
                    .contiguous();
  times.select_ms += clock.lap();
  return layout;
}

}  // namespace svg2::attention

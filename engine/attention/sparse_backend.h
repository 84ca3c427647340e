#pragma once
// What the block-sparse backends (SVG2, block top-k, SVG1) share: each plans a SparseLayout per
// batch element (which tokens form which clusters, which cluster pairs to compute); this base runs
// it (permute, block-sparse attention, inverse permutation) and reports telemetry.
#include <ATen/core/Tensor.h>

#include <vector>

#include "attention/backend.h"
#include "attention/stage_clock.h"
#include "svg2/telemetry.h"

namespace svg2::attention {

// The block-sparse plan of one batch element: H problems, each with its own clustering.
struct SparseLayout {
  at::Tensor q_labels, k_labels;    // [H, S] int64, cluster of every token, original token order
  at::Tensor q_sizes, k_sizes;      // [H, QC], [H, KC] int64 (rows sum to S)
  at::Tensor mask;                  // [H, QC, KC] bool, 1 = compute this block
  at::Tensor q_inertia, k_inertia;  // [H] fp32 k-means objective; undefined when not clustered
  bool token_order = false;         // labels never decrease along the tokens: no permutation needed
};

// Permute q/k/v [H, S, D] by the layout, run the selected blocks, inverse-permute: [H, S, D].
// Adds the permute / attention / inverse times to `times` when the clock is enabled.
at::Tensor run_sparse_layout(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                             const SparseLayout& layout, StageClock& clock, AttentionStageTimes& times);

class SparseBackend : public AttentionBackend {
 public:
  at::Tensor forward(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                     const AttentionContext& ctx) override;
  // forward() that also hands back the layout of every batch element (for the evaluator).
  at::Tensor forward_traced(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                            const AttentionContext& ctx, std::vector<SparseLayout>* layouts);

 protected:
  // The layout of batch element `b` (q, k, v: [H, S, D]); clustering time goes to times.kmeans_ms and
  // selection time to times.select_ms (use clock.lap()).
  virtual SparseLayout plan(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                            const AttentionContext& ctx, int b, StageClock& clock,
                            AttentionStageTimes& times) = 0;
};

// Records one call (and the sampled heads' cluster maps) of batch element `b` into ctx.telemetry.
void record_sparse_call(const AttentionContext& ctx, int b, const SparseLayout& layout,
                        const AttentionStageTimes& times);

}  // namespace svg2::attention

#include "attention/sparse_backend.h"

#include <ATen/ops/empty_like.h>

#include "attention/block_selection.h"
#include "attention/block_sparse_attention.h"
#include "attention/input_checks.h"
#include "attention/permutation.h"
#include "attention/telemetry_recorder.h"

namespace svg2::attention {

at::Tensor run_sparse_layout(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                             const SparseLayout& layout, StageClock& clock, AttentionStageTimes& times) {
  if (layout.token_order) {  // clusters are already contiguous runs of tokens: no permutation
    at::Tensor out = block_sparse_attention(q, k, v, layout.mask, layout.q_sizes, layout.k_sizes);
    times.attention_ms += clock.lap();
    return out;
  }
  const at::Tensor q_perm = cluster_permutation(layout.q_labels);
  const at::Tensor k_perm = cluster_permutation(layout.k_labels);
  if (q.device().is_cpu()) {
    // The CPU path gathers through the permutations and writes outputs back in token order, so
    // permute_ms is the argsort alone and the gathers count as attention (inverse_ms stays 0).
    times.permute_ms += clock.lap();
    at::Tensor out = block_sparse_attention_cpu_permuting(q, k, v, q_perm, k_perm, layout.mask,
                                                          layout.q_sizes, layout.k_sizes);
    times.attention_ms += clock.lap();
    return out;
  }
  const at::Tensor qp = permute_tokens(q, q_perm);
  const at::Tensor kp = permute_tokens(k, k_perm);
  const at::Tensor vp = permute_tokens(v, k_perm);  // V follows K's order
  times.permute_ms += clock.lap();
  const at::Tensor op = block_sparse_attention(qp, kp, vp, layout.mask, layout.q_sizes, layout.k_sizes);
  times.attention_ms += clock.lap();
  at::Tensor out = inverse_permute_tokens(op, q_perm);
  times.inverse_ms += clock.lap();
  return out;
}

void record_sparse_call(const AttentionContext& ctx, int b, const SparseLayout& layout,
                        const AttentionStageTimes& times) {
  TelemetryRecorder* rec = ctx.telemetry;
  if (rec == nullptr || !rec->enabled()) return;
  const at::Tensor density =
      block_density(layout.mask, layout.q_sizes, layout.k_sizes);  // [H], stays on device
  RecordedCall call;
  call.stats.step = ctx.step;
  call.stats.layer = ctx.layer;
  call.stats.branch = ctx.branch_of(b);
  call.stats.sparse = true;
  call.stats.times = times;
  call.head_density = density;
  call.q_inertia = layout.q_inertia;
  call.k_inertia = layout.k_inertia;
  rec->record(std::move(call));
  const int heads = static_cast<int>(layout.mask.size(0));
  for (int h : rec->sampled_heads(ctx.layer, heads)) {
    RecordedClusters c;
    c.meta.step = ctx.step;
    c.meta.layer = ctx.layer;
    c.meta.head = h;
    c.meta.branch = ctx.branch_of(b);
    c.meta.grid_f = ctx.grid_f;
    c.meta.grid_h = ctx.grid_h;
    c.meta.grid_w = ctx.grid_w;
    c.q_labels = layout.q_labels[h];
    c.k_labels = layout.k_labels[h];
    c.q_sizes = layout.q_sizes[h];
    c.k_sizes = layout.k_sizes[h];
    c.mask = layout.mask[h];
    c.density = density[h];
    if (layout.q_inertia.defined()) c.q_inertia = layout.q_inertia[h];
    if (layout.k_inertia.defined()) c.k_inertia = layout.k_inertia[h];
    rec->record(std::move(c));
  }
}

at::Tensor SparseBackend::forward(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                  const AttentionContext& ctx) {
  return forward_traced(q, k, v, ctx, nullptr);
}

at::Tensor SparseBackend::forward_traced(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                         const AttentionContext& ctx, std::vector<SparseLayout>* layouts) {
  const std::string backend = name();
  check_attention_inputs(q, k, v, backend.c_str());
  const bool timed = ctx.telemetry != nullptr && ctx.telemetry->stage_times();
  at::Tensor out = at::empty_like(q, at::MemoryFormat::Contiguous);
  for (int b = 0; b < q.size(0); ++b) {
    StageClock clock(timed, q.device());
    AttentionStageTimes times;
    const at::Tensor qb = q[b].contiguous(), kb = k[b].contiguous(), vb = v[b].contiguous();
    const SparseLayout layout = plan(qb, kb, vb, ctx, b, clock, times);
    out[b].copy_(run_sparse_layout(qb, kb, vb, layout, clock, times));
    record_sparse_call(ctx, b, layout, times);
    if (layouts != nullptr) layouts->push_back(layout);
  }
  return out;
}

}  // namespace svg2::attention

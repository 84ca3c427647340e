#pragma once
// Quality measures of a sparse attention against dense attention, for tests and the evaluator.
#include <ATen/core/Tensor.h>

#include "attention/sparse_backend.h"

namespace svg2::attention {

// Dense reference in fp32: softmax(q k^T / sqrt(D)) v for [B, H, S, D] (or [H, S, D]) inputs.
at::Tensor dense_attention_fp32(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v);

// ||out - ref|| / ||ref|| over the whole tensor.
double relative_l2_error(const at::Tensor& out, const at::Tensor& ref);

// Attention recall of one batch element's layout: the share of dense softmax mass (q, k: [H, S, D])
// that falls on computed (query, key) pairs, averaged over query rows. Returns [H] fp32.
at::Tensor attention_recall(const at::Tensor& q, const at::Tensor& k, const SparseLayout& layout);

}  // namespace svg2::attention

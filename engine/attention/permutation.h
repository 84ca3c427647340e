#pragma once
// Cluster-contiguous token order: labels -> stable permutation, gather and scatter.
// Shapes and semantics: docs/attention.md "Permutation".
#include <ATen/core/Tensor.h>

namespace svg2::attention {

// Stable argsort of labels [N, S] int64 -> perm [N, S] int64: perm[n, p] is the original index of
// the token at permuted position p. Clusters come in ascending label order, tokens of one cluster in
// their original order.
at::Tensor cluster_permutation(const at::Tensor& labels);

// Exclusive prefix sum of sizes [N, C] -> [N, C + 1] int64; cluster c occupies [off[c], off[c+1]).
at::Tensor cluster_offsets(const at::Tensor& sizes);

// out[n, p] = x[n, perm[n, p]] for x [N, S, D].
at::Tensor permute_tokens(const at::Tensor& x, const at::Tensor& perm);

// out[n, perm[n, p]] = y[n, p] for y [N, S, D] (the inverse of permute_tokens).
at::Tensor inverse_permute_tokens(const at::Tensor& y, const at::Tensor& perm);

}  // namespace svg2::attention

#pragma once
// Attention over cluster-contiguous (permuted) Q/K/V that computes exactly the selected
// (query cluster x key cluster) blocks. Shapes and semantics: docs/attention.md "Block-sparse attention".
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <optional>

namespace svg2::attention {

// q, k, v: [N, S, D], already permuted (v in k's order). mask: [N, QC, KC] bool. q_sizes [N, QC],
// k_sizes [N, KC] int64 (each sums to S). Returns [N, S, D] in q's permuted order and q's dtype.
// scale defaults to 1/sqrt(D). A query cluster with no selected key cluster gets zeros.
// Dispatches to the CPU path for CPU tensors, else the reference.
at::Tensor block_sparse_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                  const at::Tensor& mask, const at::Tensor& q_sizes,
                                  const at::Tensor& k_sizes, std::optional<double> scale = std::nullopt);

// LibTorch ops on any device: chunks of query rows, token-level mask expanded from the block mask,
// masked softmax. The ground truth for kernels (computes every score, masks the unselected ones).
at::Tensor block_sparse_attention_reference(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                            const at::Tensor& mask, const at::Tensor& q_sizes,
                                            const at::Tensor& k_sizes,
                                            std::optional<double> scale = std::nullopt);

// CPU: parallel over (problem, query cluster); gathers only the selected key/value rows in chunks
// of at most `key_chunk` rows (0 = sized automatically) and runs an online softmax over the chunks.
// CPU tensors only; computes in fp32. Checks that each sizes row sums to S.
at::Tensor block_sparse_attention_cpu(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                      const at::Tensor& mask, const at::Tensor& q_sizes,
                                      const at::Tensor& k_sizes, std::optional<double> scale = std::nullopt,
                                      std::int64_t key_chunk = 0);

// The CPU path with the permutations fused: q/k/v in their original token order, q_perm / k_perm
// [N, S] int64 from cluster_permutation (v follows k_perm). Equals
// inverse_permute_tokens(block_sparse_attention_cpu(permute_tokens(q, q_perm), permute_tokens(k,
// k_perm), permute_tokens(v, k_perm), ...), q_perm) without materialising the permuted copies.
at::Tensor block_sparse_attention_cpu_permuting(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                                const at::Tensor& q_perm, const at::Tensor& k_perm,
                                                const at::Tensor& mask, const at::Tensor& q_sizes,
                                                const at::Tensor& k_sizes,
                                                std::optional<double> scale = std::nullopt,
                                                std::int64_t key_chunk = 0);

}  // namespace svg2::attention

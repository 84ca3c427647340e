#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "attention/block_sparse_attention.h"
#include "attention/permutation.h"
#include "svg2/error.h"

namespace svg2::attention {
namespace {

struct Case {
  at::Tensor q, k, v, mask, q_sizes, k_sizes;
};

// Random cluster sizes (some empty) that sum to S, and a random mask with some empty rows.
Case random_case(std::uint64_t seed, std::int64_t n, std::int64_t s, std::int64_t d, std::int64_t qc,
                 std::int64_t kc, double keep) {
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  const auto sizes = [&](std::int64_t c) {
    at::Tensor cuts = std::get<0>(at::sort(at::randint(0, s + 1, {n, c - 1}, gen, at::kLong), 1));
    cuts = at::cat({at::zeros({n, 1}, at::kLong), cuts, at::full({n, 1}, s, at::kLong)}, 1);
    return (cuts.narrow(1, 1, c) - cuts.narrow(1, 0, c)).contiguous();
  };
  Case c;
  c.q = at::randn({n, s, d}, gen);
  c.k = at::randn({n, s, d}, gen);
  c.v = at::randn({n, s, d}, gen);
  c.q_sizes = sizes(qc);
  c.k_sizes = sizes(kc);
  c.mask = at::rand({n, qc, kc}, gen) < keep;
  return c;
}

TEST(BlockSparseAttention, CpuMatchesReference) {
  for (std::uint64_t seed : {1, 2, 3}) {
    const Case c = random_case(seed, 3, 97, 16, 7, 11, 0.4);
    const at::Tensor ref = block_sparse_attention_reference(c.q, c.k, c.v, c.mask, c.q_sizes, c.k_sizes);
    const at::Tensor fast = block_sparse_attention_cpu(c.q, c.k, c.v, c.mask, c.q_sizes, c.k_sizes);
    EXPECT_TRUE(at::allclose(fast, ref, 1e-4, 1e-5)) << (fast - ref).abs().max().item<float>();
  }
}

TEST(BlockSparseAttention, OnlineSoftmaxAcrossSmallChunks) {
  // Chunks of 3 keys split clusters and fold many partial softmaxes together.
  const Case c = random_case(4, 2, 64, 8, 5, 9, 0.6);
  const at::Tensor ref = block_sparse_attention_reference(c.q, c.k, c.v, c.mask, c.q_sizes, c.k_sizes);
  for (std::int64_t chunk : {1, 3, 17}) {
    const at::Tensor fast =
        block_sparse_attention_cpu(c.q, c.k, c.v, c.mask, c.q_sizes, c.k_sizes, std::nullopt, chunk);
    EXPECT_TRUE(at::allclose(fast, ref, 1e-4, 1e-5)) << "chunk " << chunk;
  }
}

TEST(BlockSparseAttention, PermutingCpuPathEqualsPermuteAttendInverse) {
  const Case c = random_case(8, 2, 80, 8, 6, 9, 0.5);
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(9);
  // Labels consistent with the sizes: cluster j holds sizes[j] tokens, scattered by a random order.
  const auto labels_for = [&](const at::Tensor& sizes) {
    std::vector<at::Tensor> rows;
    for (std::int64_t p = 0; p < sizes.size(0); ++p) {
      const at::Tensor sorted = at::repeat_interleave(at::arange(sizes.size(1)), sizes[p]);
      rows.push_back(sorted.index_select(0, at::randperm(sorted.size(0), gen, at::kLong)));
    }
    return at::stack(rows);
  };
  const at::Tensor qp = cluster_permutation(labels_for(c.q_sizes)),
                   kp = cluster_permutation(labels_for(c.k_sizes));
  const at::Tensor expected = inverse_permute_tokens(
      block_sparse_attention_reference(permute_tokens(c.q, qp), permute_tokens(c.k, kp),
                                       permute_tokens(c.v, kp), c.mask, c.q_sizes, c.k_sizes),
      qp);
  for (std::int64_t chunk : {0, 5}) {
    const at::Tensor fused = block_sparse_attention_cpu_permuting(c.q, c.k, c.v, qp, kp, c.mask, c.q_sizes,
                                                                  c.k_sizes, std::nullopt, chunk);
    EXPECT_TRUE(at::allclose(fused, expected, 1e-4, 1e-5)) << "chunk " << chunk;
  }
  EXPECT_THROW(block_sparse_attention_cpu_permuting(c.q, c.k, c.v, qp.narrow(1, 0, 5), kp, c.mask, c.q_sizes,
                                                    c.k_sizes),
               svg2::Error);
}

TEST(BlockSparseAttention, FullMaskEqualsDense) {
  const Case c = random_case(5, 2, 50, 16, 4, 6, 2.0);  // keep every block
  const at::Tensor dense = at::scaled_dot_product_attention(c.q, c.k, c.v);
  EXPECT_TRUE(at::allclose(block_sparse_attention_cpu(c.q, c.k, c.v, c.mask, c.q_sizes, c.k_sizes), dense,
                           1e-4, 1e-5));
  EXPECT_TRUE(at::allclose(block_sparse_attention_reference(c.q, c.k, c.v, c.mask, c.q_sizes, c.k_sizes),
                           dense, 1e-4, 1e-5));
}

TEST(BlockSparseAttention, RowsWithoutKeysAreZero) {
  Case c = random_case(6, 1, 20, 4, 2, 2, 2.0);
  c.q_sizes = at::tensor({5, 15}, at::kLong).view({1, 2});
  c.k_sizes = at::tensor({10, 10}, at::kLong).view({1, 2});
  c.mask[0][0].fill_(false);
  const at::Tensor out = block_sparse_attention_cpu(c.q, c.k, c.v, c.mask, c.q_sizes, c.k_sizes);
  EXPECT_TRUE(at::equal(out[0].narrow(0, 0, 5), at::zeros({5, 4})));
  EXPECT_TRUE(
      at::allclose(out, block_sparse_attention_reference(c.q, c.k, c.v, c.mask, c.q_sizes, c.k_sizes)));
}

TEST(BlockSparseAttention, KeepsDtypeAndChecksInputs) {
  const Case c = random_case(7, 1, 16, 8, 2, 2, 2.0);
  const at::Tensor out = block_sparse_attention(c.q.to(at::kDouble), c.k.to(at::kDouble), c.v.to(at::kDouble),
                                                c.mask, c.q_sizes, c.k_sizes);
  EXPECT_EQ(out.scalar_type(), at::kDouble);
  EXPECT_THROW(block_sparse_attention(c.q, c.k.narrow(1, 0, 8), c.v, c.mask, c.q_sizes, c.k_sizes),
               svg2::Error);
  EXPECT_THROW(block_sparse_attention(c.q, c.k, c.v, c.mask, c.q_sizes.narrow(1, 0, 1), c.k_sizes),
               svg2::Error);
  EXPECT_THROW(block_sparse_attention(c.q, c.k, c.v, c.mask, c.q_sizes + 1, c.k_sizes),
               svg2::Error);  // sum != S
}

}  // namespace
}  // namespace svg2::attention

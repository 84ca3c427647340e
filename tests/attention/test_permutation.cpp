#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "attention/permutation.h"
#include "svg2/error.h"

namespace svg2::attention {
namespace {

TEST(Permutation, PermuteThenInverseIsIdentity) {
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(1);
  const at::Tensor x = at::randn({3, 40, 6}, gen, at::kFloat);
  const at::Tensor labels = at::randint(5, {3, 40}, gen, at::kLong);
  const at::Tensor perm = cluster_permutation(labels);
  const at::Tensor y = permute_tokens(x, perm);
  EXPECT_TRUE(at::equal(inverse_permute_tokens(y, perm), x));
  // Clusters are contiguous and in ascending label order.
  const at::Tensor sorted = labels.gather(1, perm);
  EXPECT_TRUE((sorted.narrow(1, 1, 39) >= sorted.narrow(1, 0, 39)).all().item<bool>());
}

TEST(Permutation, StableWithinACluster) {
  const at::Tensor labels = at::tensor({2, 0, 2, 1, 0, 2}, at::kLong).view({1, 6});
  const at::Tensor perm = cluster_permutation(labels);
  EXPECT_TRUE(at::equal(perm, at::tensor({1, 4, 3, 0, 2, 5}, at::kLong).view({1, 6})));
}

TEST(Permutation, OffsetsAreExclusivePrefixSums) {
  const at::Tensor sizes = at::tensor({3, 0, 2}, at::kLong).view({1, 3});
  EXPECT_TRUE(at::equal(cluster_offsets(sizes), at::tensor({0, 3, 3, 5}, at::kLong).view({1, 4})));
}

TEST(Permutation, MismatchedShapesRaise) {
  EXPECT_THROW(permute_tokens(at::zeros({1, 5, 2}), at::zeros({1, 4}, at::kLong)), svg2::Error);
  EXPECT_THROW(inverse_permute_tokens(at::zeros({1, 5, 2}), at::zeros({1, 5}, at::kInt)), svg2::Error);
}

}  // namespace
}  // namespace svg2::attention

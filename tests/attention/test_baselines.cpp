#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "attention/baselines.h"
#include "attention/block_selection.h"
#include "attention_test_util.h"
#include "svg2/error.h"

namespace svg2::attention {
namespace {

using test::context;
using test::randn;
using test::small_svg2_config;

TEST(BlockTopK, PositionalBlocksAndFullSelectionEqualsDense) {
  AttentionConfig c = small_svg2_config();
  c.mode = AttentionMode::BlockTopK;
  c.block_size = 64;
  c.top_p = 1.0;
  BlockTopKBackend backend(c);
  const at::Tensor q = randn({1, 2, 150, 8}, 1), k = randn({1, 2, 150, 8}, 2), v = randn({1, 2, 150, 8}, 3);
  std::vector<SparseLayout> layouts;
  const at::Tensor out = backend.forward_traced(q, k, v, context(), &layouts);
  EXPECT_TRUE(at::allclose(out, at::scaled_dot_product_attention(q, k, v), 1e-4, 1e-5));
  EXPECT_TRUE(at::equal(layouts[0].q_sizes[0], at::tensor({64, 64, 22}, at::kLong)));  // last block shorter
  EXPECT_EQ(layouts[0].k_labels[1][130].item<std::int64_t>(), 2);
}

TEST(BlockTopK, FixedDensityWithinOneBlock) {
  AttentionConfig c = small_svg2_config();
  c.block_size = 64;
  c.fixed_density = 0.3;
  BlockTopKBackend backend(c);
  const at::Tensor q = randn({1, 2, 640, 8}, 4), k = randn({1, 2, 640, 8}, 5);
  std::vector<SparseLayout> layouts;
  backend.forward_traced(q, k, k, context(), &layouts);
  const at::Tensor d = block_density(layouts[0].mask, layouts[0].q_sizes, layouts[0].k_sizes);
  EXPECT_TRUE((d >= 0.3 - 1e-6).all().item<bool>());
  EXPECT_TRUE((d < 0.3 + 64.0 / 640).all().item<bool>());
}

// Q/K that only match within a frame (spatial) or only at the same position across frames
// (temporal): the classifier must pick the matching pattern for every head.
at::Tensor structured(std::int64_t f, std::int64_t hw, bool by_frame, std::uint64_t seed) {
  const std::int64_t s = f * hw, d = 32;
  const at::Tensor group = by_frame ? at::arange(s).div(hw, "floor") : at::arange(s).remainder(hw);
  const at::Tensor codes = randn({std::max(f, hw), d}, seed) * 2.0;
  return (codes.index_select(0, group) + randn({s, d}, seed + 1) * 0.1)
      .view({1, 1, s, d})
      .expand({1, 2, s, d})
      .contiguous();
}

TEST(Svg1, ClassifiesSpatialAndTemporalHeads) {
  AttentionConfig c = small_svg2_config();
  c.mode = AttentionMode::Svg1;
  c.fixed_density = 0.25;
  Svg1Backend backend(c);
  AttentionContext ctx = context();
  ctx.grid_f = 4;
  ctx.grid_h = 4;
  ctx.grid_w = 4;
  const at::Tensor v = randn({1, 2, 64, 32}, 9);
  for (bool by_frame : {true, false}) {
    const at::Tensor x = structured(4, 16, by_frame, by_frame ? 10 : 20);
    std::vector<SparseLayout> layouts;
    const at::Tensor out = backend.forward_traced(x, x, v, ctx, &layouts);
    const at::Tensor expected_labels =
        by_frame ? at::arange(64).div(16, "floor") : at::arange(64).remainder(16);
    for (int h = 0; h < 2; ++h) EXPECT_TRUE(at::equal(layouts[0].q_labels[h], expected_labels)) << by_frame;
    const at::Tensor d = block_density(layouts[0].mask, layouts[0].q_sizes, layouts[0].k_sizes);
    EXPECT_TRUE((d >= 0.25 - 1e-6).all().item<bool>() && (d <= 0.5).all().item<bool>()) << d;
    // The right pattern keeps nearly all the attention: close to dense.
    const at::Tensor dense = at::scaled_dot_product_attention(x, x, v);
    EXPECT_LT(((out - dense).norm() / dense.norm()).item<double>(), 0.05) << by_frame;
  }
}

TEST(Svg1, FullDensityEqualsDenseAndGridIsRequired) {
  AttentionConfig c = small_svg2_config();
  c.fixed_density = 1.0;
  Svg1Backend backend(c);
  const at::Tensor q = randn({1, 2, 48, 8}, 11), k = randn({1, 2, 48, 8}, 12), v = randn({1, 2, 48, 8}, 13);
  AttentionContext ctx = context();
  EXPECT_THROW(backend.forward(q, k, v, ctx), svg2::Error);  // no grid
  ctx.grid_f = 3;
  ctx.grid_h = 4;
  ctx.grid_w = 5;  // 60 != 48
  EXPECT_THROW(backend.forward(q, k, v, ctx), svg2::Error);
  ctx.grid_w = 4;
  EXPECT_TRUE(
      at::allclose(backend.forward(q, k, v, ctx), at::scaled_dot_product_attention(q, k, v), 1e-4, 1e-5));
}

}  // namespace
}  // namespace svg2::attention

// The live preview projection: Wan 2.1's factors applied per latent pixel, and the least-squares
// fit used for latent spaces without published factors.
#include <gtest/gtest.h>

#include <ATen/ops/add.h>
#include <ATen/ops/fill.h>
#include <ATen/ops/full.h>
#include <ATen/ops/matmul.h>
#include <ATen/ops/randn.h>
#include <ATen/ops/zeros.h>

#include <cmath>

#include "pipeline/latent_preview.h"
#include "pipeline/wan_constants.h"
#include "svg2/error.h"

using svg2::pipeline::LatentPreview;

TEST(LatentPreview, ZeroLatentGivesTheBiasColour) {
  const auto preview = LatentPreview::wan21();
  const auto video = preview.render(at::zeros({16, 3, 4, 5}));
  EXPECT_EQ(video.frames, 3);
  EXPECT_EQ(video.height, 4);
  EXPECT_EQ(video.width, 5);
  EXPECT_DOUBLE_EQ(video.fps, 4.0);
  ASSERT_EQ(video.rgb.size(), 3u * 4 * 5 * 3);
  // bias (-0.1835, -0.0868, -0.3360) -> (x + 1) * 127.5
  EXPECT_EQ(video.rgb[0], 104);
  EXPECT_EQ(video.rgb[1], 116);
  EXPECT_EQ(video.rgb[2], 85);
}

TEST(LatentPreview, ChannelFactorsAreApplied) {
  const auto preview = LatentPreview::wan21();
  at::Tensor x0 = at::zeros({1, 16, 1, 1, 2});
  x0[0][2][0][0][1].fill_(1.0);  // channel 2 = (0.3568, 0.2548, 0.1747)
  const auto video = preview.render(x0);
  ASSERT_EQ(video.width, 2);
  const std::uint8_t* pixel = video.rgb.data() + 3;
  EXPECT_EQ(pixel[0], static_cast<int>(std::lround((0.3568 - 0.1835 + 1) * 127.5)));
  EXPECT_EQ(pixel[1], static_cast<int>(std::lround((0.2548 - 0.0868 + 1) * 127.5)));
  EXPECT_EQ(pixel[2], static_cast<int>(std::lround((0.1747 - 0.3360 + 1) * 127.5)));
}

TEST(LatentPreview, SaturatesInsteadOfWrapping) {
  const auto video = LatentPreview::wan21().render(at::full({16, 1, 1, 1}, 100.0));
  for (auto v : video.rgb) EXPECT_TRUE(v == 0 || v == 255);
}

TEST(LatentPreview, FitRecoversALinearMap) {
  at::Tensor latents = at::randn({200, 4});
  at::Tensor factors = at::randn({4, 3});
  at::Tensor rgb = at::add(at::matmul(latents, factors), at::full({1, 3}, 0.25));
  const auto fitted = LatentPreview::fit(latents, rgb);
  ASSERT_EQ(fitted.channels(), 4);
  for (int c = 0; c < 4; ++c)
    for (int k = 0; k < 3; ++k) EXPECT_NEAR(fitted.factors()[c][k], factors[c][k].item<float>(), 1e-4);
  for (int k = 0; k < 3; ++k) EXPECT_NEAR(fitted.bias()[k], 0.25, 1e-4);
}

TEST(LatentPreview, RejectsWrongChannelCount) {
  EXPECT_THROW(LatentPreview::wan21().render(at::zeros({8, 1, 2, 2})), svg2::Error);
}

// PSNR / SSIM: hand-computed values on tiny frames, and the SVG reference's formulation
// (svg/utils/metric.py) written with LibTorch ops on random frames.
#include <ATen/TensorOperators.h>
#include <ATen/core/Tensor.h>
#include <ATen/ops/avg_pool2d.h>
#include <ATen/ops/from_blob.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "media_test_util.h"
#include "svg2/error.h"
#include "svg2/media.h"

namespace svg2 {
namespace {

std::vector<std::uint8_t> constant_frame(int w, int h, std::uint8_t value) {
  return std::vector<std::uint8_t>(std::size_t(w) * h * 3, value);
}

std::vector<std::uint8_t> random_frame(int w, int h, std::mt19937& rng) {
  std::vector<std::uint8_t> f(std::size_t(w) * h * 3);
  for (auto& b : f) b = static_cast<std::uint8_t>(rng());
  return f;
}

// metric.py's calculate_ssim, in float64: frames as (1, 3, H, W) in [0, 1].
double reference_ssim(const std::vector<std::uint8_t>& a, const std::vector<std::uint8_t>& b, int w, int h) {
  auto to_tensor = [&](const std::vector<std::uint8_t>& f) {
    std::vector<double> v(f.begin(), f.end());
    return at::from_blob(v.data(), {1, h, w, 3}, at::kDouble).clone().permute({0, 3, 1, 2}).contiguous() /
           255.0;
  };
  const at::Tensor x = to_tensor(a), y = to_tensor(b);
  const double c1 = 0.01 * 0.01, c2 = 0.03 * 0.03;
  auto pool = [](const at::Tensor& t) { return at::avg_pool2d(t, {11, 11}, {1, 1}, {5, 5}); };
  const at::Tensor mu1 = pool(x), mu2 = pool(y);
  const at::Tensor s11 = pool(x * x) - mu1 * mu1, s22 = pool(y * y) - mu2 * mu2,
                   s12 = pool(x * y) - mu1 * mu2;
  const at::Tensor map =
      ((2 * mu1 * mu2 + c1) * (2 * s12 + c2)) / ((mu1 * mu1 + mu2 * mu2 + c1) * (s11 + s22 + c2));
  return map.mean().item<double>();
}

TEST(MediaMetrics, IdenticalFramesGiveInfinitePsnrAndUnitSsim) {
  std::mt19937 rng(1);
  const auto f = random_frame(19, 13, rng);
  EXPECT_EQ(frame_psnr(f.data(), f.data(), 19, 13), std::numeric_limits<double>::infinity());
  EXPECT_DOUBLE_EQ(frame_ssim(f.data(), f.data(), 19, 13), 1.0);
}

TEST(MediaMetrics, PsnrOfAKnownOffsetAndKnownNoise) {
  // Every byte off by 5: MSE = (5/255)^2, PSNR = 20 log10(255/5) = 34.1514 dB.
  const auto a = constant_frame(8, 6, 100), b = constant_frame(8, 6, 105);
  EXPECT_NEAR(frame_psnr(a.data(), b.data(), 8, 6), 20 * std::log10(51.0), 1e-12);
  EXPECT_NEAR(frame_psnr(a.data(), b.data(), 8, 6), 34.151403, 1e-6);
  // +-10 noise on half the bytes, 0 on the rest: MSE = 0.5 * (10/255)^2.
  auto c = a;
  for (std::size_t i = 0; i < c.size(); i += 2)
    c[i] = static_cast<std::uint8_t>(c[i] + ((i / 2) % 2 ? 10 : -10));
  EXPECT_NEAR(frame_psnr(a.data(), c.data(), 8, 6), 10 * std::log10(1.0 / (0.5 * std::pow(10.0 / 255, 2))),
              1e-12);
  // Black vs white: MSE = 1, PSNR = 0 dB.
  const auto black = constant_frame(4, 4, 0), white = constant_frame(4, 4, 255);
  EXPECT_DOUBLE_EQ(frame_psnr(black.data(), white.data(), 4, 4), 0.0);
}

TEST(MediaMetrics, SsimOfOnePixelByHand) {
  // A 1x1 frame: the 11x11 window holds the pixel and 120 zeros of padding, averaged over 121.
  const std::uint8_t a[3] = {51, 102, 204}, b[3] = {102, 102, 0};
  double expected = 0;
  for (int c = 0; c < 3; ++c) {
    const double x = a[c] / 255.0, y = b[c] / 255.0;
    const double mu1 = x / 121, mu2 = y / 121;
    const double s11 = x * x / 121 - mu1 * mu1, s22 = y * y / 121 - mu2 * mu2, s12 = x * y / 121 - mu1 * mu2;
    const double c1 = 1e-4, c2 = 9e-4;
    expected +=
        ((2 * mu1 * mu2 + c1) * (2 * s12 + c2)) / ((mu1 * mu1 + mu2 * mu2 + c1) * (s11 + s22 + c2)) / 3;
  }
  EXPECT_NEAR(frame_ssim(a, b, 1, 1), expected, 1e-12);
}

TEST(MediaMetrics, SsimMatchesTheReferenceFormulation) {
  std::mt19937 rng(2);
  for (auto [w, h] : {std::pair{23, 17}, {11, 11}, {40, 5}}) {
    const auto a = random_frame(w, h, rng);
    auto b = a;
    for (auto& v : b) v = static_cast<std::uint8_t>(std::clamp<int>(v + int(rng() % 41) - 20, 0, 255));
    EXPECT_NEAR(frame_ssim(a.data(), b.data(), w, h), reference_ssim(a, b, w, h), 1e-10) << w << "x" << h;
    const auto c = random_frame(w, h, rng);
    EXPECT_NEAR(frame_ssim(a.data(), c.data(), w, h), reference_ssim(a, c, w, h), 1e-10) << w << "x" << h;
  }
}

TEST(MediaMetrics, VideoTotalsAreMeansOfFrames) {
  Video a = test::synthetic_clip(4, 24, 16), b = a;
  for (std::size_t i = b.frame_bytes(); i < b.rgb.size(); ++i)
    b.rgb[i] = static_cast<std::uint8_t>(b.rgb[i] ^ 3);
  const QualityMetrics m = compare_videos(a, b);
  ASSERT_EQ(m.psnr.size(), 4u);
  EXPECT_TRUE(std::isinf(m.psnr[0]));  // frame 0 untouched
  EXPECT_DOUBLE_EQ(m.ssim[0], 1.0);
  EXPECT_TRUE(std::isinf(m.mean_psnr));  // as metric.py: the mean of per-frame values
  double mean_ssim = 0;
  for (int f = 0; f < 4; ++f) {
    if (f > 0) EXPECT_NEAR(m.psnr[f], frame_psnr(a.frame(f), b.frame(f), 24, 16), 1e-12);
    mean_ssim += m.ssim[f] / 4;
  }
  EXPECT_NEAR(m.mean_ssim, mean_ssim, 1e-12);
  EXPECT_GT(m.psnr[1], 30.0);
  EXPECT_LT(m.ssim[1], 1.0);

  const QualityMetrics same_frames = compare_videos(b, b);
  EXPECT_DOUBLE_EQ(same_frames.mean_ssim, 1.0);
  EXPECT_EQ(same_frames.mean_mse, 0.0);
}

TEST(MediaMetrics, ShapeMismatchNamesBothShapes) {
  const Video a = test::synthetic_clip(3, 16, 8), b = test::synthetic_clip(3, 8, 16);
  try {
    compare_videos(a, b);
    FAIL() << "expected svg2::Error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("16x8"), std::string::npos) << msg;
    EXPECT_NE(msg.find("8x16"), std::string::npos) << msg;
  }
  EXPECT_THROW(compare_videos(Video{}, a), Error);
}

TEST(MediaHeatmap, BlackWhereEqualBrightWhereDifferent) {
  Video a = test::synthetic_clip(2, 8, 4), b = a;
  for (int x = 0; x < 4; ++x) {  // left half of frame 1: maximal difference
    for (int y = 0; y < 4; ++y) {
      std::uint8_t* p = b.frame(1) + (y * 8 + x) * 3;
      for (int c = 0; c < 3; ++c) p[c] = a.frame(1)[(y * 8 + x) * 3 + c] < 128 ? 255 : 0;
    }
  }
  const Image same = difference_heatmap(a, b, 0);
  EXPECT_EQ(same.width, 8);
  EXPECT_EQ(same.height, 4);
  for (std::size_t i = 0; i < same.rgb.size(); i += 3)
    EXPECT_LE(same.rgb[i] + same.rgb[i + 1] + same.rgb[i + 2], 4);
  const Image diff = difference_heatmap(a, b, 1);
  for (int y = 0; y < 4; ++y) {
    const std::uint8_t* hot = &diff.rgb[(y * 8 + 0) * 3];
    const std::uint8_t* cold = &diff.rgb[(y * 8 + 7) * 3];
    EXPECT_GT(hot[0] + hot[1] + hot[2], 600);  // pale yellow end of the ramp
    EXPECT_LE(cold[0] + cold[1] + cold[2], 4);
  }
  const Video all = difference_video(a, b);
  EXPECT_EQ(all.frames, 2);
  EXPECT_EQ(std::vector<std::uint8_t>(all.frame(1), all.frame(1) + all.frame_bytes()), diff.rgb);
  EXPECT_THROW(difference_heatmap(a, b, 2), Error);
  EXPECT_THROW(difference_heatmap(a, b, 0, 0.0), Error);
}

}  // namespace
}  // namespace svg2

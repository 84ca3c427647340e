// PSNR and SSIM as the SVG reference's svg/utils/metric.py computes them: frames as [0, 1]
// values, PSNR with peak 1.0, SSIM with an 11x11 box window (F.avg_pool2d with padding 5,
// zeros counted in the average), per channel, averaged over channels and pixels.
#include <ATen/Parallel.h>

#include <cmath>
#include <limits>
#include <vector>

#include "core/check.h"
#include "media/video_checks.h"
#include "svg2/media.h"

namespace svg2 {
namespace {

constexpr int kWindow = 11;
constexpr int kRadius = kWindow / 2;
constexpr double kC1 = 0.01 * 0.01;
constexpr double kC2 = 0.03 * 0.03;

// Sums of one plane over every 11x11 window centred on each pixel (out of range = 0), from a
// summed-area table, in double so the result is exact to rounding.
class WindowSums {
 public:
  WindowSums(int width, int height) : w_(width), h_(height), table_(std::size_t(width + 1) * (height + 1)) {}

  template <typename ValueAt>
  void build(ValueAt value_at) {
    for (int y = 0; y < h_; ++y) {
      double row = 0;
      for (int x = 0; x < w_; ++x) {
        row += value_at(x, y);
        at(x + 1, y + 1) = at(x + 1, y) + row;
      }
    }
  }

  double window(int x, int y) const {
    const int x0 = std::max(0, x - kRadius), x1 = std::min(w_, x + kRadius + 1);
    const int y0 = std::max(0, y - kRadius), y1 = std::min(h_, y + kRadius + 1);
    return at(x1, y1) - at(x0, y1) - at(x1, y0) + at(x0, y0);
  }

 private:
  double& at(int x, int y) { return table_[std::size_t(y) * (w_ + 1) + x]; }
  double at(int x, int y) const { return table_[std::size_t(y) * (w_ + 1) + x]; }
  int w_, h_;
  std::vector<double> table_;
};

void check_frame_args(const std::uint8_t* a, const std::uint8_t* b, int width, int height, const char* what) {
  SVG2_CHECK(a && b, "{}: frame pixels are missing (null buffer)", what);
  SVG2_CHECK(width > 0 && height > 0, "{}: frame size {}x{} is invalid", what, width, height);
}

double frame_mse(const std::uint8_t* a, const std::uint8_t* b, int width, int height) {
  const std::size_t n = std::size_t(width) * height * 3;
  std::uint64_t sum = 0;  // exact: squared byte differences in integers
  for (std::size_t i = 0; i < n; ++i) {
    const int d = int(a[i]) - int(b[i]);
    sum += std::uint64_t(d * d);
  }
  return double(sum) / (255.0 * 255.0) / double(n);
}

double psnr_from_mse(double mse) {
  return mse == 0 ? std::numeric_limits<double>::infinity() : 10.0 * std::log10(1.0 / mse);
}

}  // namespace

double frame_psnr(const std::uint8_t* a, const std::uint8_t* b, int width, int height) {
  check_frame_args(a, b, width, height, "PSNR");
  return psnr_from_mse(frame_mse(a, b, width, height));
}

double frame_ssim(const std::uint8_t* a, const std::uint8_t* b, int width, int height) {
  check_frame_args(a, b, width, height, "SSIM");
  const double area = kWindow * kWindow;  // count_include_pad: always divide by 121
  WindowSums sa(width, height), sb(width, height), saa(width, height), sbb(width, height), sab(width, height);
  double total = 0;
  for (int c = 0; c < 3; ++c) {
    auto va = [&](int x, int y) { return a[(std::size_t(y) * width + x) * 3 + c] / 255.0; };
    auto vb = [&](int x, int y) { return b[(std::size_t(y) * width + x) * 3 + c] / 255.0; };
    sa.build(va);
    sb.build(vb);
    saa.build([&](int x, int y) { return va(x, y) * va(x, y); });
    sbb.build([&](int x, int y) { return vb(x, y) * vb(x, y); });
    sab.build([&](int x, int y) { return va(x, y) * vb(x, y); });
    for (int y = 0; y < height; ++y) {
      for (int x = 0; x < width; ++x) {
        const double mu1 = sa.window(x, y) / area, mu2 = sb.window(x, y) / area;
        const double s11 = saa.window(x, y) / area - mu1 * mu1;
        const double s22 = sbb.window(x, y) / area - mu2 * mu2;
        const double s12 = sab.window(x, y) / area - mu1 * mu2;
        total +=
            ((2 * mu1 * mu2 + kC1) * (2 * s12 + kC2)) / ((mu1 * mu1 + mu2 * mu2 + kC1) * (s11 + s22 + kC2));
      }
    }
  }
  return total / (3.0 * width * height);
}

QualityMetrics compare_videos(const Video& reference, const Video& test) {
  media::check_video(reference, "reference video");
  media::check_video(test, "test video");
  media::check_same_shape(reference, test, "cannot compare videos");
  QualityMetrics m;
  const int n = reference.frames;
  m.mse.resize(n);
  m.psnr.resize(n);
  m.ssim.resize(n);
  at::parallel_for(0, n, 1, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t f = begin; f < end; ++f) {
      const int i = static_cast<int>(f);
      m.mse[i] = frame_mse(reference.frame(i), test.frame(i), reference.width, reference.height);
      m.psnr[i] = psnr_from_mse(m.mse[i]);
      m.ssim[i] = frame_ssim(reference.frame(i), test.frame(i), reference.width, reference.height);
    }
  });
  for (int i = 0; i < n; ++i) {
    m.mean_mse += m.mse[i] / n;
    m.mean_psnr += m.psnr[i] / n;
    m.mean_ssim += m.ssim[i] / n;
  }
  return m;
}

}  // namespace svg2

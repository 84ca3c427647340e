// Difference heatmaps for the compare view: where two renders of the same seed disagree.
#include <algorithm>
#include <array>
#include <cmath>

#include "core/check.h"
#include "media/video_checks.h"
#include "svg2/media.h"

namespace svg2 {
namespace {

// Perceptually ordered ramp (close to matplotlib's "inferno"): black, purple, red, orange, pale
// yellow at 0, 1/4, 1/2, 3/4, 1.
constexpr std::array<std::array<double, 3>, 5> kRamp = {
    {{0, 0, 4}, {87, 16, 110}, {188, 55, 84}, {249, 142, 9}, {252, 255, 164}}};

void ramp(double t, std::uint8_t* out) {
  t = std::clamp(t, 0.0, 1.0) * (kRamp.size() - 1);
  const std::size_t i = std::min<std::size_t>(static_cast<std::size_t>(t), kRamp.size() - 2);
  const double f = t - double(i);
  for (int c = 0; c < 3; ++c)
    out[c] = static_cast<std::uint8_t>(std::lround(kRamp[i][c] + (kRamp[i + 1][c] - kRamp[i][c]) * f));
}

void heatmap_into(const std::uint8_t* a, const std::uint8_t* b, std::size_t pixels, double full_scale,
                  std::uint8_t* out) {
  const double to_unit = 1.0 / (3.0 * 255.0 * full_scale);
  for (std::size_t p = 0; p < pixels; ++p) {
    const int d = std::abs(a[3 * p] - b[3 * p]) + std::abs(a[3 * p + 1] - b[3 * p + 1]) +
                  std::abs(a[3 * p + 2] - b[3 * p + 2]);
    ramp(d * to_unit, out + 3 * p);
  }
}

void check_heatmap_args(const Video& a, const Video& b, double full_scale) {
  media::check_video(a, "first video");
  media::check_video(b, "second video");
  media::check_same_shape(a, b, "difference heatmap");
  SVG2_CHECK(full_scale > 0 && full_scale <= 1, "heatmap full_scale {} is out of range (0, 1]", full_scale);
}

}  // namespace

Image frame_image(const Video& video, int frame) {
  media::check_video(video, "video");
  SVG2_CHECK(frame >= 0 && frame < video.frames, "frame {} is out of range [0, {}]", frame, video.frames - 1);
  Image image{video.width, video.height, {}};
  image.rgb.assign(video.frame(frame), video.frame(frame) + video.frame_bytes());
  return image;
}

Image difference_heatmap(const Video& a, const Video& b, int frame, double full_scale) {
  check_heatmap_args(a, b, full_scale);
  SVG2_CHECK(frame >= 0 && frame < a.frames, "frame {} is out of range [0, {}]", frame, a.frames - 1);
  Image image{a.width, a.height, std::vector<std::uint8_t>(a.frame_bytes())};
  heatmap_into(a.frame(frame), b.frame(frame), std::size_t(a.width) * a.height, full_scale, image.rgb.data());
  return image;
}

Video difference_video(const Video& a, const Video& b, double full_scale) {
  check_heatmap_args(a, b, full_scale);
  Video out;
  out.frames = a.frames, out.width = a.width, out.height = a.height, out.fps = a.fps;
  out.rgb.resize(a.rgb.size());
  for (int f = 0; f < a.frames; ++f)
    heatmap_into(a.frame(f), b.frame(f), std::size_t(a.width) * a.height, full_scale, out.frame(f));
  return out;
}

}  // namespace svg2

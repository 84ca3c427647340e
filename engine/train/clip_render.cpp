// Rendering: backgrounds per pixel, shapes through exact signed distances (coverage =
// clamp(0.5 - distance, 0, 1), i.e. one pixel of anti-aliasing), composited front to back in
// scene order.
#include "train/clip_render.h"

#include <ATen/Parallel.h>
#include <ATen/TensorOperators.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/from_blob.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <numbers>

#include <fmt/ranges.h>

#include "core/check.h"

namespace svg2::train {
namespace {

using namespace svg2::procedural;
constexpr float kPi = std::numbers::pi_v<float>;
// Star: inner radius as a fraction of the outer one.
constexpr float kStarInner = 0.45f;

struct Point {
  float x, y;
};

void check_size(const ClipSize& size) {
  SVG2_CHECK(size.frames >= 1 && size.frames <= 4096, "clip frames must be in [1, 4096], got {}",
             size.frames);
  SVG2_CHECK(size.width >= 8 && size.width <= 4096 && size.height >= 8 && size.height <= 4096,
             "clip width and height must be in [8, 4096], got {}x{}", size.width, size.height);
}

// Vertices of a polygonal shape (pixels), counter-clockwise on screen does not matter for the
// inside test below.
std::vector<Point> polygon(Shape shape, float cx, float cy, float r, float angle) {
  std::vector<Point> v;
  auto at = [&](float a, float radius) {
    v.push_back({cx + radius * std::cos(a), cy + radius * std::sin(a)});
  };
  const float up = -kPi / 2 + angle;  // y grows downwards: -pi/2 points up
  switch (shape) {
    case Shape::Square:
      for (int k = 0; k < 4; ++k) at(kPi / 4 + angle + k * kPi / 2, r);
      break;
    case Shape::Triangle:
      for (int k = 0; k < 3; ++k) at(up + k * 2 * kPi / 3, r);
      break;
    case Shape::Star:
      for (int k = 0; k < 5; ++k) {
        at(up + k * 2 * kPi / 5, r);
        at(up + (k + 0.5f) * 2 * kPi / 5, r * kStarInner);
      }
      break;
    case Shape::Circle:
      break;
  }
  return v;
}

// Signed distance (pixels, negative inside) from p to a simple polygon.
float polygon_distance(const std::vector<Point>& v, Point p) {
  float best = 1e30f;
  bool inside = false;
  const std::size_t n = v.size();
  for (std::size_t i = 0, j = n - 1; i < n; j = i++) {
    const Point a = v[j], b = v[i];
    const float ex = b.x - a.x, ey = b.y - a.y;
    const float wx = p.x - a.x, wy = p.y - a.y;
    const float t = std::clamp((wx * ex + wy * ey) / (ex * ex + ey * ey), 0.0f, 1.0f);
    const float dx = wx - ex * t, dy = wy - ey * t;
    best = std::min(best, dx * dx + dy * dy);
    if ((a.y > p.y) != (b.y > p.y) && p.x < a.x + (p.y - a.y) * ex / ey) inside = !inside;
  }
  const float d = std::sqrt(best);
  return inside ? -d : d;
}

// The background of a width x height frame under `window`, planar [3][window.height][window.width].
void fill_background(const BackgroundStyle& bg, int width, int height, const PixelWindow& window,
                     float* planar) {
  const std::size_t plane = static_cast<std::size_t>(window.width) * window.height;
  const float unit = static_cast<float>(std::min(width, height));
  for (int wy = 0; wy < window.height; ++wy) {
    for (int wx = 0; wx < window.width; ++wx) {
      const int x = window.x0 + wx, y = window.y0 + wy;
      const float px = x + 0.5f, py = y + 0.5f;
      float t = 0;  // 0 = first color, 1 = second
      switch (bg.kind) {
        case BackgroundKind::Plain:
          break;
        case BackgroundKind::Gradient:
          t = py / static_cast<float>(height);
          break;
        case BackgroundKind::Checkered: {
          const float cell = unit / 8;
          t = static_cast<float>((static_cast<int>(px / cell) + static_cast<int>(py / cell)) & 1);
          break;
        }
        case BackgroundKind::Striped: {
          const float period = unit / 10;
          t = 0.5f + 0.5f * std::sin(2 * kPi * (px + py) / period);
          break;
        }
        case BackgroundKind::Dotted: {
          const float period = unit / 10;
          const float gx = std::fmod(px, period) - period / 2, gy = std::fmod(py, period) - period / 2;
          t = std::clamp(0.5f - (std::sqrt(gx * gx + gy * gy) - 0.22f * period), 0.0f, 1.0f);
          break;
        }
      }
      const std::size_t i = static_cast<std::size_t>(wy) * window.width + wx;
      planar[i] = bg.first.r + (bg.second.r - bg.first.r) * t;
      planar[plane + i] = bg.first.g + (bg.second.g - bg.first.g) * t;
      planar[2 * plane + i] = bg.first.b + (bg.second.b - bg.first.b) * t;
    }
  }
}

// Composites one object over the pixels of `window` of a width x height frame.
void draw_object(const ObjectSpec& o, Motion motion, float t, int width, int height,
                 const PixelWindow& window, float* planar) {
  const ObjectPose pose = pose_at(o, motion, t);
  const float unit = static_cast<float>(std::min(width, height));
  const float cx = pose.x * width, cy = pose.y * height, r = pose.radius * unit;
  const Rgb& c = object_colors().at(static_cast<std::size_t>(o.color)).rgb;
  const std::vector<Point> poly = polygon(o.shape, cx, cy, r, pose.angle);
  const int x0 = std::max(window.x0, static_cast<int>(std::floor(cx - r - 2)));
  const int x1 = std::min(window.x0 + window.width - 1, static_cast<int>(std::ceil(cx + r + 2)));
  const int y0 = std::max(window.y0, static_cast<int>(std::floor(cy - r - 2)));
  const int y1 = std::min(window.y0 + window.height - 1, static_cast<int>(std::ceil(cy + r + 2)));
  const std::size_t plane = static_cast<std::size_t>(window.width) * window.height;
  for (int y = y0; y <= y1; ++y) {
    for (int x = x0; x <= x1; ++x) {
      const Point p{x + 0.5f, y + 0.5f};
      const float sd =
          o.shape == Shape::Circle ? std::hypot(p.x - cx, p.y - cy) - r : polygon_distance(poly, p);
      const float alpha = std::clamp(0.5f - sd, 0.0f, 1.0f);
      if (alpha <= 0) continue;
      const std::size_t i = static_cast<std::size_t>(y - window.y0) * window.width + (x - window.x0);
      planar[i] += (c.r - planar[i]) * alpha;
      planar[plane + i] += (c.g - planar[plane + i]) * alpha;
      planar[2 * plane + i] += (c.b - planar[2 * plane + i]) * alpha;
    }
  }
}

}  // namespace

void render_background(const Scene& scene, const ClipSize& size, const PixelWindow& window, float* out) {
  check_size(size);
  SVG2_CHECK(window.x0 >= 0 && window.y0 >= 0 && window.width >= 1 && window.height >= 1 &&
                 window.x0 + window.width <= size.width && window.y0 + window.height <= size.height,
             "window {}x{} at ({}, {}) is not inside a {}x{} frame", window.width, window.height, window.x0,
             window.y0, size.width, size.height);
  SVG2_CHECK(scene.background >= 0 && scene.background < static_cast<int>(backgrounds().size()),
             "scene background index {} is out of range [0, {})", scene.background, backgrounds().size());
  fill_background(backgrounds()[static_cast<std::size_t>(scene.background)], size.width, size.height, window,
                  out);
}

void render_frames(const Scene& scene, const ClipSize& size, int first, int count, const PixelWindow& window,
                   float* out, const float* background) {
  SVG2_CHECK(first >= 0 && count >= 1 && first + count <= size.frames,
             "frames [{}, {}) are outside a clip of {} frames", first, first + count, size.frames);
  const std::size_t frame_floats = static_cast<std::size_t>(window.width) * window.height * 3;
  std::vector<float> own_background;
  if (background == nullptr) {
    own_background.resize(frame_floats);
    render_background(scene, size, window, own_background.data());
    background = own_background.data();
  }
  for (int f = 0; f < count; ++f) {
    float* frame = out + frame_floats * static_cast<std::size_t>(f);
    std::memcpy(frame, background, frame_floats * sizeof(float));
    const float t =
        size.frames > 1 ? static_cast<float>(first + f) / static_cast<float>(size.frames - 1) : 0.0f;
    for (const ObjectSpec& o : scene.objects)
      draw_object(o, scene.motion, t, size.width, size.height, window, frame);
  }
}

void render_frames(const Scene& scene, const ClipSize& size, int first, int count, float* out) {
  render_frames(scene, size, first, count, PixelWindow{0, 0, size.width, size.height}, out);
}

at::Tensor render_batch(const std::vector<Scene>& scenes, const ClipSize& size, int first, int count) {
  check_size(size);
  if (count == 0) count = size.frames - first;
  const auto batch = static_cast<std::int64_t>(scenes.size());
  at::Tensor out = at::empty({batch, 3, count, size.height, size.width});
  const std::size_t clip_floats = static_cast<std::size_t>(count) * 3 * size.width * size.height;
  float* base = out.data_ptr<float>();
  at::parallel_for(0, batch, 1, [&](std::int64_t begin, std::int64_t end) {
    std::vector<float> frames(clip_floats);  // [count][3][H][W]
    const std::size_t plane = static_cast<std::size_t>(size.width) * size.height;
    for (std::int64_t b = begin; b < end; ++b) {
      render_frames(scenes[static_cast<std::size_t>(b)], size, first, count, frames.data());
      float* dst = base + clip_floats * static_cast<std::size_t>(b);
      // [F][C][HW] -> [C][F][HW], mapped to [-1, 1]
      for (int f = 0; f < count; ++f)
        for (int c = 0; c < 3; ++c) {
          const float* s = frames.data() + (static_cast<std::size_t>(f) * 3 + c) * plane;
          float* d = dst + (static_cast<std::size_t>(c) * count + f) * plane;
          for (std::size_t i = 0; i < plane; ++i) d[i] = s[i] * 2 - 1;
        }
    }
  });
  return out;
}

Video tensor_to_video(const at::Tensor& clip, bool frames_first, double fps) {
  SVG2_CHECK(clip.dim() == 4 && clip.size(frames_first ? 1 : 0) == 3,
             "tensor_to_video expects {} with 3 channels, got shape {}",
             frames_first ? "[F,3,H,W]" : "[3,F,H,W]", fmt::format("[{}]", fmt::join(clip.sizes(), ", ")));
  // -> [F, H, W, 3] uint8
  at::Tensor x = frames_first ? clip.permute({0, 2, 3, 1}) : clip.permute({1, 2, 3, 0});
  x = ((x.to(c10::kFloat).cpu().clamp(-1, 1) + 1) * 127.5f + 0.5f).floor().to(c10::kByte).contiguous();
  Video v;
  v.frames = static_cast<int>(x.size(0));
  v.height = static_cast<int>(x.size(1));
  v.width = static_cast<int>(x.size(2));
  v.fps = fps;
  v.rgb.assign(x.data_ptr<std::uint8_t>(), x.data_ptr<std::uint8_t>() + x.numel());
  return v;
}

at::Tensor video_to_tensor(const Video& video) {
  SVG2_CHECK(
      !video.empty() && video.rgb.size() == video.frame_bytes() * static_cast<std::size_t>(video.frames),
      "video has {} bytes for {} frames of {}x{}", video.rgb.size(), video.frames, video.width, video.height);
  at::Tensor bytes = at::from_blob(const_cast<std::uint8_t*>(video.rgb.data()),
                                   {video.frames, video.height, video.width, 3}, c10::kByte);
  return (bytes.to(c10::kFloat) / 127.5f - 1).permute({3, 0, 1, 2}).contiguous();
}

}  // namespace svg2::train

namespace svg2::procedural {

Video render_clip(const Scene& scene, const ClipSize& size) {
  std::vector<float> planar(static_cast<std::size_t>(size.frames) * 3 * size.width * size.height);
  train::render_frames(scene, size, 0, size.frames, planar.data());
  Video v;
  v.frames = size.frames;
  v.width = size.width;
  v.height = size.height;
  v.fps = 16.0;
  v.rgb.resize(planar.size());
  const std::size_t plane = static_cast<std::size_t>(size.width) * size.height;
  for (int f = 0; f < size.frames; ++f) {
    const float* src = planar.data() + static_cast<std::size_t>(f) * 3 * plane;
    std::uint8_t* dst = v.frame(f);
    for (std::size_t i = 0; i < plane; ++i)
      for (int c = 0; c < 3; ++c)
        dst[i * 3 + c] =
            static_cast<std::uint8_t>(std::clamp(src[c * plane + i], 0.0f, 1.0f) * 255.0f + 0.5f);
  }
  return v;
}

std::vector<float> render_background(int background, int width, int height) {
  SVG2_CHECK(background >= 0 && background < static_cast<int>(backgrounds().size()),
             "background index {} is out of range [0, {})", background, backgrounds().size());
  SVG2_CHECK(width >= 8 && height >= 8, "background size must be at least 8x8, got {}x{}", width, height);
  std::vector<float> planar(static_cast<std::size_t>(width) * height * 3);
  train::fill_background(backgrounds()[static_cast<std::size_t>(background)], width, height,
                         train::PixelWindow{0, 0, width, height}, planar.data());
  return planar;
}

}  // namespace svg2::procedural

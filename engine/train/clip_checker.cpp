// The automatic checker. Per frame: subtract the prompt's background (with a per-channel offset
// so a slightly tinted background still matches), call pixels that differ foreground, and label
// each foreground pixel with the nearest palette color when it is close to one and the generator
// could draw an object of that color on this background. Per expected
// object: the largest connected region of its color per frame gives the centroid and area;
// a radial signature (farthest pixel per angle bin) gives the shape through its dominant
// harmonic (3 triangle, 4 square, 5 star, none circle) and the rotation through that harmonic's
// phase; the centroid/area tracks give the motion class.
#include <algorithm>
#include <array>
#include <cmath>
#include <complex>
#include <numbers>
#include <numeric>

#include "core/check.h"
#include "svg2/clip_checker.h"

namespace svg2::procedural {
namespace {

constexpr double kPi = std::numbers::pi;
constexpr float kForegroundDistance = 0.20f;  // RGB distance from the background
constexpr float kPaletteDistance = 0.30f;     // a foreground pixel this close to a palette color takes it
constexpr int kAngleBins = 64;
constexpr double kCircleHarmonic = 0.045;  // below this (relative) harmonic amplitude: a circle

struct Region {
  double area = 0, cx = 0, cy = 0;
  std::vector<int> pixels;
};

// Largest 4-connected region of `label == color` in one frame.
Region largest_region(const std::vector<int>& label, int color, int width, int height, std::vector<int>& seen,
                      int stamp) {
  Region best;
  std::vector<int> stack, pixels;
  for (int start = 0; start < width * height; ++start) {
    if (label[static_cast<std::size_t>(start)] != color || seen[static_cast<std::size_t>(start)] == stamp)
      continue;
    pixels.clear();
    stack.assign(1, start);
    seen[static_cast<std::size_t>(start)] = stamp;
    while (!stack.empty()) {
      const int p = stack.back();
      stack.pop_back();
      pixels.push_back(p);
      const int x = p % width, y = p / width;
      const int nbr[4] = {x > 0 ? p - 1 : -1, x + 1 < width ? p + 1 : -1, y > 0 ? p - width : -1,
                          y + 1 < height ? p + width : -1};
      for (int q : nbr)
        if (q >= 0 && label[static_cast<std::size_t>(q)] == color &&
            seen[static_cast<std::size_t>(q)] != stamp) {
          seen[static_cast<std::size_t>(q)] = stamp;
          stack.push_back(q);
        }
    }
    if (pixels.size() > best.pixels.size()) best.pixels = pixels;
  }
  best.area = static_cast<double>(best.pixels.size());
  for (int p : best.pixels) {
    best.cx += (p % width) + 0.5;
    best.cy += (p / width) + 0.5;
  }
  if (best.area > 0) {
    best.cx /= best.area;
    best.cy /= best.area;
  }
  return best;
}

// Farthest-pixel distance per angle bin around the centroid; empty bins are filled from their
// neighbours. Returns the complex harmonics 0..6 of that signature (normalized by the mean).
std::array<std::complex<double>, 7> radial_harmonics(const Region& r, int width) {
  std::array<double, kAngleBins> far{};
  far.fill(-1);
  for (int p : r.pixels) {
    // The pixel's far corner direction is approximated by its center plus half a pixel outward.
    const double dx = (p % width) + 0.5 - r.cx, dy = (p / width) + 0.5 - r.cy;
    const double d = std::hypot(dx, dy) + 0.5;
    int bin = static_cast<int>(std::floor((std::atan2(dy, dx) + kPi) / (2 * kPi) * kAngleBins));
    bin = std::clamp(bin, 0, kAngleBins - 1);
    far[static_cast<std::size_t>(bin)] = std::max(far[static_cast<std::size_t>(bin)], d);
  }
  std::array<double, kAngleBins> filled = far;
  for (int b = 0; b < kAngleBins; ++b) {
    if (far[static_cast<std::size_t>(b)] >= 0) continue;
    int lo = b, hi = b, steps = 0;
    while (far[static_cast<std::size_t>((lo + kAngleBins) % kAngleBins)] < 0 && steps < kAngleBins)
      --lo, ++steps;
    steps = 0;
    while (far[static_cast<std::size_t>(hi % kAngleBins)] < 0 && steps < kAngleBins) ++hi, ++steps;
    const double a = far[static_cast<std::size_t>((lo + kAngleBins) % kAngleBins)];
    const double c = far[static_cast<std::size_t>(hi % kAngleBins)];
    const double w = hi > lo ? static_cast<double>(b - lo) / (hi - lo) : 0.5;
    filled[static_cast<std::size_t>(b)] = (a < 0 || c < 0) ? 0 : a + (c - a) * w;
  }
  std::array<std::complex<double>, 7> h{};
  for (int b = 0; b < kAngleBins; ++b) {
    const double theta = (b + 0.5) / kAngleBins * 2 * kPi - kPi;
    for (int k = 0; k <= 6; ++k)
      h[static_cast<std::size_t>(k)] += filled[static_cast<std::size_t>(b)] * std::polar(1.0, -k * theta);
  }
  const double mean = std::abs(h[0]);
  if (mean > 0)
    for (auto& v : h) v /= mean;
  return h;
}

// Counts direction reversals of a 1-D track, ignoring wiggles smaller than `hysteresis`.
int reversals(const std::vector<double>& v, double hysteresis) {
  int count = 0, dir = 0;  // dir: +1 rising, -1 falling, 0 undecided
  double lo = v.empty() ? 0 : v[0], hi = lo;
  for (double x : v) {
    lo = std::min(lo, x);
    hi = std::max(hi, x);
    if (dir >= 0 && x < hi - hysteresis) {  // turned down
      if (dir > 0) ++count;
      dir = -1;
      lo = hi = x;
    } else if (dir <= 0 && x > lo + hysteresis) {  // turned up
      if (dir < 0) ++count;
      dir = 1;
      lo = hi = x;
    }
  }
  return count;
}

double range_of(const std::vector<double>& v) {
  const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  return *hi - *lo;
}

// Least-squares circle through points (Kasa): center, radius, RMS residual; radius < 0 on failure.
struct CircleFit {
  double cx = 0, cy = 0, radius = -1, residual = 0;
};
CircleFit fit_circle(const std::vector<double>& x, const std::vector<double>& y) {
  const std::size_t n = x.size();
  // Solve [x y 1] [a b c]^T = -(x^2 + y^2) by the normal equations (3x3).
  double m[3][4] = {};
  for (std::size_t i = 0; i < n; ++i) {
    const double row[3] = {x[i], y[i], 1.0}, rhs = -(x[i] * x[i] + y[i] * y[i]);
    for (int r = 0; r < 3; ++r) {
      for (int c = 0; c < 3; ++c) m[r][c] += row[r] * row[c];
      m[r][3] += row[r] * rhs;
    }
  }
  for (int col = 0; col < 3; ++col) {
    int pivot = col;
    for (int r = col + 1; r < 3; ++r)
      if (std::fabs(m[r][col]) > std::fabs(m[pivot][col])) pivot = r;
    if (std::fabs(m[pivot][col]) < 1e-12) return {};
    std::swap(m[col], m[pivot]);
    for (int r = 0; r < 3; ++r) {
      if (r == col) continue;
      const double f = m[r][col] / m[col][col];
      for (int c = col; c < 4; ++c) m[r][c] -= f * m[col][c];
    }
  }
  const double a = m[0][3] / m[0][0], b = m[1][3] / m[1][1], c = m[2][3] / m[2][2];
  CircleFit fit;
  fit.cx = -a / 2;
  fit.cy = -b / 2;
  const double r2 = fit.cx * fit.cx + fit.cy * fit.cy - c;
  if (r2 <= 0) return {};
  fit.radius = std::sqrt(r2);
  double ss = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double d = std::hypot(x[i] - fit.cx, y[i] - fit.cy) - fit.radius;
    ss += d * d;
  }
  fit.residual = std::sqrt(ss / static_cast<double>(n));
  return fit;
}

std::optional<Motion> classify_motion(const std::vector<double>& x, const std::vector<double>& y,
                                      const std::vector<double>& size, double rotation) {
  const std::size_t n = x.size();
  if (n < 5) return std::nullopt;
  auto mean_of = [](const std::vector<double>& v, std::size_t from, std::size_t count) {
    double s = 0;
    for (std::size_t i = from; i < from + count; ++i) s += v[i];
    return s / static_cast<double>(count);
  };
  const std::size_t k = std::min<std::size_t>(3, n / 3);
  const double dx = mean_of(x, n - k, k) - mean_of(x, 0, k);
  const double dy = mean_of(y, n - k, k) - mean_of(y, 0, k);
  const double net = std::hypot(dx, dy);
  double path = 0;
  for (std::size_t i = 1; i < n; ++i) path += std::hypot(x[i] - x[i - 1], y[i] - y[i - 1]);
  const double growth = mean_of(size, n - k, k) / std::max(1e-9, mean_of(size, 0, k));

  // Orbiting: a good circle fit that the object travels most of the way around.
  const CircleFit circle = fit_circle(x, y);
  if (circle.radius >= 0.08 && circle.radius <= 0.6 && circle.residual <= 0.15 * circle.radius) {
    double turned = 0;
    for (std::size_t i = 1; i < n; ++i) {
      double d = std::atan2(y[i] - circle.cy, x[i] - circle.cx) -
                 std::atan2(y[i - 1] - circle.cy, x[i - 1] - circle.cx);
      while (d > kPi) d -= 2 * kPi;
      while (d < -kPi) d += 2 * kPi;
      turned += d;
    }
    if (std::fabs(turned) >= 1.2 * kPi) return Motion::Orbiting;
  }
  // Bouncing: up-and-down at least twice, mostly vertical.
  if (reversals(y, 0.06) >= 2 && range_of(y) >= 0.15 && range_of(x) < range_of(y)) return Motion::Bouncing;
  if (net <= 0.08 && growth >= 1.5) return Motion::Growing;
  if (net <= 0.08 && growth > 0.75 && growth < 1.33 && std::fabs(rotation) >= 0.35) return Motion::Spinning;
  if (net >= 0.12 && net >= 0.7 * path) {
    const double angle = std::atan2(-dy, dx) * 180.0 / kPi;  // up is positive
    static const Motion sectors[8] = {Motion::Right, Motion::UpRight,  Motion::Up,   Motion::UpLeft,
                                      Motion::Left,  Motion::DownLeft, Motion::Down, Motion::DownRight};
    const int sector = static_cast<int>(std::floor((angle + 360.0 + 22.5) / 45.0)) % 8;
    return sectors[sector];
  }
  return std::nullopt;
}

int harmonic_of(Shape s) {
  return s == Shape::Triangle ? 3 : s == Shape::Square ? 4 : s == Shape::Star ? 5 : 0;
}

}  // namespace

CheckResult check_clip(const Video& clip, const std::string& prompt) {
  return check_clip(clip, parse_prompt(prompt));
}

CheckResult check_clip(const Video& clip, const ParsedPrompt& expected) {
  SVG2_CHECK(!clip.empty() && clip.width >= 16 && clip.height >= 16,
             "check_clip needs a clip of at least 16x16 pixels, got {} frames of {}x{}", clip.frames,
             clip.width, clip.height);
  SVG2_CHECK(clip.rgb.size() == clip.frame_bytes() * static_cast<std::size_t>(clip.frames),
             "check_clip: video has {} bytes, expected {} for {} frames of {}x{}", clip.rgb.size(),
             clip.frame_bytes() * static_cast<std::size_t>(clip.frames), clip.frames, clip.width,
             clip.height);
  SVG2_CHECK(!expected.objects.empty(), "check_clip: the expected prompt has no objects");
  const int width = clip.width, height = clip.height, frames = clip.frames;
  const std::size_t plane = static_cast<std::size_t>(width) * height;
  const std::vector<float> bg = render_background(expected.background, width, height);
  const auto& palette = object_colors();
  const int num_colors = static_cast<int>(palette.size());

  // Colors the generator never draws on this background are that background's own shades: pixels
  // nearest to one are fringe or a smeared background, not an object of that color.
  std::vector<bool> can_be_object(static_cast<std::size_t>(num_colors));
  for (int c = 0; c < num_colors; ++c)
    can_be_object[static_cast<std::size_t>(c)] = color_fits_background(c, expected.background);

  // Per-pixel palette labels per frame (-1 = background, no palette color or a background shade).
  std::vector<std::vector<int>> labels(static_cast<std::size_t>(frames), std::vector<int>(plane, -1));
  std::vector<double> counts(static_cast<std::size_t>(num_colors), 0.0);
  double foreground = 0;
  std::vector<float> diff[3];
  for (int f = 0; f < frames; ++f) {
    const std::uint8_t* px = clip.frame(f);
    // Per-channel median offset between frame and background (robust to a tinted background).
    float offset[3];
    for (int c = 0; c < 3; ++c) {
      diff[c].clear();
      for (std::size_t i = 0; i < plane; i += 3)
        diff[c].push_back(px[i * 3 + c] / 255.0f - bg[c * plane + i]);
      auto mid = diff[c].begin() + static_cast<std::ptrdiff_t>(diff[c].size() / 2);
      std::nth_element(diff[c].begin(), mid, diff[c].end());
      offset[c] = std::clamp(*mid, -0.15f, 0.15f);
    }
    std::vector<int>& label = labels[static_cast<std::size_t>(f)];
    for (std::size_t i = 0; i < plane; ++i) {
      const float r = px[i * 3] / 255.0f, g = px[i * 3 + 1] / 255.0f, b = px[i * 3 + 2] / 255.0f;
      const float er = r - bg[i] - offset[0], eg = g - bg[plane + i] - offset[1],
                  eb = b - bg[2 * plane + i] - offset[2];
      if (er * er + eg * eg + eb * eb < kForegroundDistance * kForegroundDistance) continue;
      foreground += 1;
      int best = -1;
      float best_d = kPaletteDistance * kPaletteDistance;
      for (int c = 0; c < num_colors; ++c) {
        const Rgb& p = palette[static_cast<std::size_t>(c)].rgb;
        const float d = (r - p.r) * (r - p.r) + (g - p.g) * (g - p.g) + (b - p.b) * (b - p.b);
        if (d < best_d) best_d = d, best = c;
      }
      if (best < 0 || !can_be_object[static_cast<std::size_t>(best)]) continue;
      label[i] = best;
      counts[static_cast<std::size_t>(best)] += 1;
    }
  }

  CheckResult result;
  const double total_pixels = static_cast<double>(plane) * frames;
  result.foreground_share = foreground / total_pixels;
  std::vector<int> order(static_cast<std::size_t>(num_colors));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    return counts[static_cast<std::size_t>(a)] > counts[static_cast<std::size_t>(b)];
  });
  const double top = counts[static_cast<std::size_t>(order[0])];
  const double min_count = std::max(0.0005 * total_pixels, 0.08 * top);
  double colored = 0;
  for (double c : counts) colored += c;
  for (int c : order)
    if (counts[static_cast<std::size_t>(c)] >= min_count && counts[static_cast<std::size_t>(c)] > 0)
      result.dominant_colors.push_back(c);

  // Colors: the n most common palette colors are exactly the prompt's n colors.
  const std::size_t n = expected.objects.size();
  result.color_ok = result.dominant_colors.size() >= n;
  for (std::size_t i = 0; i < n && result.color_ok; ++i) {
    const int want = expected.objects[i].color;
    result.color_ok = std::find(result.dominant_colors.begin(),
                                result.dominant_colors.begin() + static_cast<std::ptrdiff_t>(n),
                                want) != result.dominant_colors.begin() + static_cast<std::ptrdiff_t>(n);
  }

  result.shape_ok = true;
  result.motion_ok = true;
  std::vector<int> seen(plane, -1);
  int stamp = 0;
  for (const PromptObject& want : expected.objects) {
    DetectedObject det;
    const double share = colored > 0 ? counts[static_cast<std::size_t>(want.color)] / colored : 0;
    det.pixel_share = share;
    if (counts[static_cast<std::size_t>(want.color)] >= 0.0005 * total_pixels) det.color = want.color;
    std::vector<Region> regions;
    for (int f = 0; f < frames; ++f) {
      regions.push_back(
          largest_region(labels[static_cast<std::size_t>(f)], want.color, width, height, seen, stamp++));
      det.cx.push_back(static_cast<float>(regions.back().cx));
      det.cy.push_back(static_cast<float>(regions.back().cy));
      det.area.push_back(static_cast<float>(regions.back().area));
    }
    std::vector<double> areas(det.area.begin(), det.area.end());
    std::nth_element(areas.begin(), areas.begin() + static_cast<std::ptrdiff_t>(areas.size() / 2),
                     areas.end());
    const double median_area = areas[areas.size() / 2];
    const double min_area = std::max(12.0, 0.25 * median_area);

    std::vector<double> xs, ys, sizes;
    std::array<double, 7> mag{};
    std::vector<std::array<std::complex<double>, 7>> harmonics;
    for (int f = 0; f < frames; ++f) {
      const Region& r = regions[static_cast<std::size_t>(f)];
      if (r.area < min_area) {
        det.area[static_cast<std::size_t>(f)] = 0;
        harmonics.push_back({});
        continue;
      }
      xs.push_back(r.cx / width);
      ys.push_back(r.cy / height);
      sizes.push_back(std::sqrt(r.area));
      harmonics.push_back(radial_harmonics(r, width));
      for (int k = 0; k <= 6; ++k)
        mag[static_cast<std::size_t>(k)] += std::abs(harmonics.back()[static_cast<std::size_t>(k)]);
    }
    const bool enough = det.color >= 0 && xs.size() * 2 >= static_cast<std::size_t>(frames);
    if (enough) {
      for (int k = 0; k <= 6; ++k)
        det.harmonic[k] = mag[static_cast<std::size_t>(k)] / static_cast<double>(xs.size());
      int best_k = 3;
      for (int k = 4; k <= 5; ++k)
        if (det.harmonic[k] > det.harmonic[best_k]) best_k = k;
      det.shape = det.harmonic[best_k] < kCircleHarmonic ? Shape::Circle
                  : best_k == 3                          ? Shape::Triangle
                  : best_k == 4                          ? Shape::Square
                                                         : Shape::Star;
      // Rotation: unwrapped phase of the shape's harmonic across frames, divided by its order.
      const int hk = harmonic_of(*det.shape);
      if (hk > 0) {
        double total = 0, prev = 0;
        bool have_prev = false;
        for (int f = 0; f < frames; ++f) {
          if (det.area[static_cast<std::size_t>(f)] <= 0) continue;
          const double phase = std::arg(harmonics[static_cast<std::size_t>(f)][static_cast<std::size_t>(hk)]);
          if (have_prev) {
            double d = phase - prev;
            while (d > kPi) d -= 2 * kPi;
            while (d < -kPi) d += 2 * kPi;
            total += d;
          }
          prev = phase;
          have_prev = true;
        }
        det.rotation = -total / hk;
      }
      det.motion = classify_motion(xs, ys, sizes, det.rotation);
    }
    result.shape_ok = result.shape_ok && det.shape && *det.shape == want.shape;
    result.motion_ok = result.motion_ok && det.motion && *det.motion == expected.motion;
    result.objects.push_back(std::move(det));
  }

  std::string s = fmt::format("color {} shape {} motion {} |", result.color_ok ? "ok" : "FAIL",
                              result.shape_ok ? "ok" : "FAIL", result.motion_ok ? "ok" : "FAIL");
  for (std::size_t i = 0; i < n; ++i) {
    const DetectedObject& d = result.objects[i];
    s += fmt::format(" [want {} {}: saw {} {} {}]",
                     palette[static_cast<std::size_t>(expected.objects[i].color)].name,
                     shape_name(expected.objects[i].shape),
                     d.color >= 0 ? palette[static_cast<std::size_t>(d.color)].name : "nothing",
                     d.shape ? shape_name(*d.shape) : "?", d.motion ? motion_name(*d.motion) : "?");
  }
  s += fmt::format(" want motion {}; dominant:", motion_name(expected.motion));
  for (int c : result.dominant_colors) s += " " + palette[static_cast<std::size_t>(c)].name;
  result.summary = s;
  return result;
}

}  // namespace svg2::procedural

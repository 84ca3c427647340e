#include "tools/inspect_attention_plot.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

namespace svg2::tools {
namespace {

struct Rgb {
  std::uint8_t r, g, b;
};

constexpr Rgb kBlack{0, 0, 0}, kGrid{225, 225, 225}, kAxis{60, 60, 60}, kWhite{255, 255, 255};
constexpr std::array<Rgb, 6> kPalette{
    {{31, 119, 180}, {255, 127, 14}, {44, 160, 44}, {214, 39, 40}, {148, 103, 189}, {140, 86, 75}}};

// 5x7 glyphs, one byte per row, bit 4 = leftmost pixel. Unknown characters draw as a box.
struct Glyph {
  char c;
  std::array<std::uint8_t, 7> rows;
};
constexpr Glyph kFont[] = {
    {' ', {0, 0, 0, 0, 0, 0, 0}},
    {'0', {0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E}},
    {'1', {0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E}},
    {'2', {0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F}},
    {'3', {0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E}},
    {'4', {0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02}},
    {'5', {0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E}},
    {'6', {0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E}},
    {'7', {0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08}},
    {'8', {0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E}},
    {'9', {0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C}},
    {'.', {0, 0, 0, 0, 0, 0x0C, 0x0C}},
    {'-', {0, 0, 0, 0x1F, 0, 0, 0}},
    {':', {0, 0x0C, 0x0C, 0, 0x0C, 0x0C, 0}},
    {'(', {0x02, 0x04, 0x08, 0x08, 0x08, 0x04, 0x02}},
    {')', {0x08, 0x04, 0x02, 0x02, 0x02, 0x04, 0x08}},
    {'%', {0x18, 0x19, 0x02, 0x04, 0x08, 0x13, 0x03}},
    {'/', {0, 0x01, 0x02, 0x04, 0x08, 0x10, 0}},
    {'=', {0, 0, 0x1F, 0, 0x1F, 0, 0}},
    {',', {0, 0, 0, 0, 0x0C, 0x04, 0x08}},
    {'a', {0, 0, 0x0E, 0x01, 0x0F, 0x11, 0x0F}},
    {'b', {0x10, 0x10, 0x16, 0x19, 0x11, 0x11, 0x1E}},
    {'c', {0, 0, 0x0E, 0x10, 0x10, 0x11, 0x0E}},
    {'d', {0x01, 0x01, 0x0D, 0x13, 0x11, 0x11, 0x0F}},
    {'e', {0, 0, 0x0E, 0x11, 0x1F, 0x10, 0x0E}},
    {'f', {0x06, 0x09, 0x08, 0x1C, 0x08, 0x08, 0x08}},
    {'g', {0, 0x0F, 0x11, 0x11, 0x0F, 0x01, 0x0E}},
    {'h', {0x10, 0x10, 0x16, 0x19, 0x11, 0x11, 0x11}},
    {'i', {0x04, 0, 0x0C, 0x04, 0x04, 0x04, 0x0E}},
    {'j', {0x02, 0, 0x06, 0x02, 0x02, 0x12, 0x0C}},
    {'k', {0x10, 0x10, 0x12, 0x14, 0x18, 0x14, 0x12}},
    {'l', {0x0C, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E}},
    {'m', {0, 0, 0x1A, 0x15, 0x15, 0x11, 0x11}},
    {'n', {0, 0, 0x16, 0x19, 0x11, 0x11, 0x11}},
    {'o', {0, 0, 0x0E, 0x11, 0x11, 0x11, 0x0E}},
    {'p', {0, 0, 0x1E, 0x11, 0x1E, 0x10, 0x10}},
    {'q', {0, 0, 0x0D, 0x13, 0x0F, 0x01, 0x01}},
    {'r', {0, 0, 0x16, 0x19, 0x10, 0x10, 0x10}},
    {'s', {0, 0, 0x0E, 0x10, 0x0E, 0x01, 0x1E}},
    {'t', {0x08, 0x08, 0x1C, 0x08, 0x08, 0x09, 0x06}},
    {'u', {0, 0, 0x11, 0x11, 0x11, 0x13, 0x0D}},
    {'v', {0, 0, 0x11, 0x11, 0x11, 0x0A, 0x04}},
    {'w', {0, 0, 0x11, 0x11, 0x15, 0x15, 0x0A}},
    {'x', {0, 0, 0x11, 0x0A, 0x04, 0x0A, 0x11}},
    {'y', {0, 0x11, 0x11, 0x11, 0x0F, 0x01, 0x0E}},
    {'z', {0, 0, 0x1F, 0x02, 0x04, 0x08, 0x1F}},
    {'A', {0x0E, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11}},
    {'G', {0x0E, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0F}},
    {'L', {0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1F}},
    {'P', {0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10}},
    {'S', {0x0F, 0x10, 0x10, 0x0E, 0x01, 0x01, 0x1E}},
    {'V', {0x11, 0x11, 0x11, 0x11, 0x11, 0x0A, 0x04}},
};
constexpr std::array<std::uint8_t, 7> kBox{0x1F, 0x11, 0x11, 0x11, 0x11, 0x11, 0x1F};

class Canvas {
 public:
  Canvas(int w, int h) : w_(w), h_(h), rgb_(static_cast<std::size_t>(w) * h * 3, 255) {}

  void pixel(int x, int y, Rgb c) {
    if (x < 0 || y < 0 || x >= w_ || y >= h_) return;
    std::uint8_t* p = &rgb_[(static_cast<std::size_t>(y) * w_ + x) * 3];
    p[0] = c.r;
    p[1] = c.g;
    p[2] = c.b;
  }
  void rect(int x0, int y0, int x1, int y1, Rgb c) {
    for (int y = y0; y <= y1; ++y)
      for (int x = x0; x <= x1; ++x) pixel(x, y, c);
  }
  // Bresenham with a square pen of `width` pixels.
  void line(int x0, int y0, int x1, int y1, Rgb c, int width = 1) {
    const int dx = std::abs(x1 - x0), dy = -std::abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
    int err = dx + dy;
    for (;;) {
      rect(x0 - (width - 1) / 2, y0 - (width - 1) / 2, x0 + width / 2, y0 + width / 2, c);
      if (x0 == x1 && y0 == y1) break;
      const int e2 = 2 * err;
      if (e2 >= dy) err += dy, x0 += sx;
      if (e2 <= dx) err += dx, y0 += sy;
    }
  }
  static int text_width(const std::string& s, int scale) { return static_cast<int>(s.size()) * 6 * scale; }
  void text(int x, int y, const std::string& s, Rgb c, int scale = 2) {
    for (char ch : s) {
      const auto* g =
          std::find_if(std::begin(kFont), std::end(kFont), [ch](const Glyph& f) { return f.c == ch; });
      const auto& rows = g != std::end(kFont) ? g->rows : kBox;
      for (int r = 0; r < 7; ++r)
        for (int col = 0; col < 5; ++col)
          if (rows[r] & (0x10 >> col))
            rect(x + col * scale, y + r * scale, x + col * scale + scale - 1, y + r * scale + scale - 1, c);
      x += 6 * scale;
    }
  }
  PlotImage image() && { return {w_, h_, std::move(rgb_)}; }

 private:
  int w_, h_;
  std::vector<std::uint8_t> rgb_;
};

// A 1/2/5 x 10^k step giving about `target` intervals over [0, top].
double nice_step(double top, int target) {
  const double raw = top / target;
  const double base = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * base >= raw) return m * base;
  return 10 * base;
}

std::string format_tick(double v, double step) {
  char buf[32];
  const int decimals = step >= 1 ? 0 : std::min(6, static_cast<int>(std::ceil(-std::log10(step) - 1e-9)));
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

}  // namespace

PlotImage draw_pareto_plot(const std::vector<PlotSeries>& series, const std::string& title) {
  constexpr int kW = 960, kH = 600, kLeft = 100, kRight = 30, kTop = 60, kBottom = 80;
  Canvas cv(kW, kH);
  const int x0 = kLeft, x1 = kW - kRight, y0 = kH - kBottom, y1 = kTop;  // y0 = bottom pixel row

  double top = 0;
  for (const PlotSeries& s : series)
    for (const auto& [d, e] : s.points) top = std::max(top, e);
  top = top > 0 ? top * 1.08 : 1.0;
  const double ystep = nice_step(top, 5);
  top = std::ceil(top / ystep - 1e-9) * ystep;
  const auto px = [&](double d) {
    return x0 + static_cast<int>(std::lround(std::clamp(d, 0.0, 1.0) * (x1 - x0)));
  };
  const auto py = [&](double e) {
    return y0 - static_cast<int>(std::lround(std::clamp(e / top, 0.0, 1.0) * (y0 - y1)));
  };

  // Grid and ticks.
  for (int i = 0; i <= 10; ++i) {
    const double d = i / 10.0;
    cv.line(px(d), y0, px(d), y1, kGrid);
    if (i % 2 == 0) {
      const std::string t = format_tick(d, 0.1);
      cv.line(px(d), y0, px(d), y0 + 6, kAxis);
      cv.text(px(d) - Canvas::text_width(t, 2) / 2, y0 + 12, t, kAxis);
    }
  }
  for (double e = 0; e <= top + ystep * 1e-6; e += ystep) {
    cv.line(x0, py(e), x1, py(e), kGrid);
    cv.line(x0 - 6, py(e), x0, py(e), kAxis);
    const std::string t = format_tick(e, ystep);
    cv.text(x0 - 12 - Canvas::text_width(t, 2), py(e) - 7, t, kAxis);
  }
  cv.line(x0, y0, x1, y0, kAxis, 2);
  cv.line(x0, y0, x0, y1, kAxis, 2);
  cv.text(kW / 2 - Canvas::text_width("density", 2) / 2, y0 + 40, "density", kBlack);
  cv.text(x0 - 60, y1 - 24, "relative L2 error vs dense", kBlack);
  cv.text(kW / 2 - Canvas::text_width(title, 2) / 2, 12, title, kBlack);

  // Curves (sorted by density) with square markers.
  for (std::size_t i = 0; i < series.size(); ++i) {
    const Rgb c = kPalette[i % kPalette.size()];
    auto pts = series[i].points;
    std::sort(pts.begin(), pts.end());
    for (std::size_t j = 1; j < pts.size(); ++j)
      cv.line(px(pts[j - 1].first), py(pts[j - 1].second), px(pts[j].first), py(pts[j].second), c, 2);
    for (const auto& [d, e] : pts) cv.rect(px(d) - 3, py(e) - 3, px(d) + 3, py(e) + 3, c);
  }

  // Legend, top right inside the plot.
  int widest = 0;
  for (const PlotSeries& s : series) widest = std::max(widest, Canvas::text_width(s.name, 2));
  const int lx = x1 - widest - 60, ly = y1 + 10;
  cv.rect(lx - 8, ly - 8, x1 - 10, ly + static_cast<int>(series.size()) * 24, kWhite);
  for (std::size_t i = 0; i < series.size(); ++i) {
    const Rgb c = kPalette[i % kPalette.size()];
    const int y = ly + static_cast<int>(i) * 24 + 7;
    cv.line(lx, y, lx + 30, y, c, 3);
    cv.text(lx + 40, y - 7, series[i].name, kBlack);
  }
  return std::move(cv).image();
}

}  // namespace svg2::tools

#pragma once
// Small raster helpers shared by the cluster-map pictures (engine-internal).
#include <algorithm>
#include <cstdint>

#include "svg2/media.h"

namespace svg2::cluster_draw {

inline Image blank(int width, int height, Rgb fill) {
  Image image;
  image.width = width;
  image.height = height;
  image.rgb.resize(static_cast<std::size_t>(width) * height * 3);
  for (std::size_t i = 0; i < image.rgb.size(); i += 3) {
    image.rgb[i] = fill.r;
    image.rgb[i + 1] = fill.g;
    image.rgb[i + 2] = fill.b;
  }
  return image;
}

// Fills [x0, x1) x [y0, y1), clipped to the image.
inline void fill_rect(Image& image, int x0, int y0, int x1, int y1, Rgb c) {
  x0 = std::max(x0, 0);
  y0 = std::max(y0, 0);
  x1 = std::min(x1, image.width);
  y1 = std::min(y1, image.height);
  for (int y = y0; y < y1; ++y)
    for (int x = x0; x < x1; ++x) {
      std::uint8_t* p = image.rgb.data() + (static_cast<std::size_t>(y) * image.width + x) * 3;
      p[0] = c.r;
      p[1] = c.g;
      p[2] = c.b;
    }
}

// Copies `src` with its top-left corner at (x, y), clipped.
inline void blit(Image& dst, const Image& src, int x, int y) {
  for (int sy = 0; sy < src.height; ++sy) {
    const int dy = y + sy;
    if (dy < 0 || dy >= dst.height) continue;
    for (int sx = 0; sx < src.width; ++sx) {
      const int dx = x + sx;
      if (dx < 0 || dx >= dst.width) continue;
      const std::uint8_t* s = src.rgb.data() + (static_cast<std::size_t>(sy) * src.width + sx) * 3;
      std::uint8_t* d = dst.rgb.data() + (static_cast<std::size_t>(dy) * dst.width + dx) * 3;
      d[0] = s[0];
      d[1] = s[1];
      d[2] = s[2];
    }
  }
}

inline constexpr Rgb kBackground{24, 24, 28};
inline constexpr Rgb kText{230, 232, 236};
inline constexpr Rgb kDimText{160, 166, 176};

}  // namespace svg2::cluster_draw

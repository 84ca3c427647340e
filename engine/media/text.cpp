// Text drawn with the built-in pixel font (media/bitmap_font.h), scaled by whole pixels.
#include <algorithm>

#include "core/check.h"
#include "media/bitmap_font.h"
#include "media/utf8.h"
#include "svg2/media.h"

namespace svg2 {

int text_width(std::string_view utf8, int scale) {
  SVG2_CHECK(scale >= 1, "text scale {} is invalid (at least 1)", scale);
  const int n = static_cast<int>(media::decode_utf8(utf8).size());
  return n == 0 ? 0 : (n * media::kGlyphAdvance - (media::kGlyphAdvance - media::kGlyphWidth)) * scale;
}

int text_height(int scale) {
  SVG2_CHECK(scale >= 1, "text scale {} is invalid (at least 1)", scale);
  return media::kGlyphRows * scale;
}

void draw_text(std::uint8_t* rgb, int width, int height, int x, int y, std::string_view utf8, int scale,
               Rgb color) {
  SVG2_CHECK(scale >= 1, "text scale {} is invalid (at least 1)", scale);
  SVG2_CHECK(rgb != nullptr && width > 0 && height > 0, "cannot draw text on an empty {}x{} image", width,
             height);
  int pen = x;
  for (char32_t code : media::decode_utf8(utf8)) {
    const media::GlyphBits& glyph = media::glyph_for(code);
    for (int row = 0; row < media::kGlyphRows; ++row) {
      for (int col = 0; col < media::kGlyphWidth; ++col) {
        if (!(glyph.rows[row] & (1u << (media::kGlyphWidth - 1 - col)))) continue;
        const int px0 = pen + col * scale, py0 = y + row * scale;
        for (int py = std::max(0, py0); py < std::min(height, py0 + scale); ++py) {
          for (int px = std::max(0, px0); px < std::min(width, px0 + scale); ++px) {
            std::uint8_t* p = rgb + (std::size_t(py) * width + px) * 3;
            p[0] = color.r, p[1] = color.g, p[2] = color.b;
          }
        }
      }
    }
    pen += media::kGlyphAdvance * scale;
  }
}

void draw_text(Image& image, int x, int y, std::string_view utf8, int scale, Rgb color) {
  SVG2_CHECK(image.rgb.size() == std::size_t(image.width) * image.height * 3,
             "cannot draw text: the {}x{} image holds {} bytes", image.width, image.height, image.rgb.size());
  draw_text(image.rgb.data(), image.width, image.height, x, y, utf8, scale, color);
}

}  // namespace svg2

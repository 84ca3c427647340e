#pragma once
// The engine's one font: 5x7 pixel glyphs (with 2 rows of descenders) drawn as ASCII art in
// bitmap_font.cpp, for captions burnt into exported videos — the engine has no Qt.
#include <array>
#include <cstdint>

namespace svg2::media {

constexpr int kGlyphWidth = 5;
constexpr int kGlyphRows = 9;     // 7 above the baseline, 2 below
constexpr int kGlyphAdvance = 6;  // one column of spacing
constexpr int kLineHeight = 10;   // one row of spacing between lines

struct GlyphBits {
  std::array<std::uint8_t, kGlyphRows> rows{};  // bit 4 = leftmost column
};

// The glyph for a Unicode code point; '?' for characters the font lacks.
const GlyphBits& glyph_for(char32_t code);

}  // namespace svg2::media

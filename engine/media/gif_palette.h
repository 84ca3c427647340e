#pragma once
// Colour reduction for GIF export, without libavfilter: one palette for the whole clip by
// median cut over a 15-bit colour histogram of every frame (like FFmpeg's palettegen), then
// Floyd-Steinberg error diffusion onto it (paletteuse dithers by error diffusion too).
#include <array>
#include <cstdint>
#include <vector>

#include "svg2/video.h"

namespace svg2::media {

struct Palette {
  std::vector<std::array<std::uint8_t, 3>> colors;  // at most 256
};

// A palette of at most `max_colors` colours representing every pixel of frames
// [first, first + count) of `video`.
Palette build_palette(const Video& video, int first, int count, int max_colors);

// Maps RGB pixels to palette indices with error diffusion; reuses a nearest-colour cache across
// calls (create one per palette).
class PaletteMapper {
 public:
  explicit PaletteMapper(const Palette& palette);
  // `indices` receives width * height bytes, row-major.
  void map(const std::uint8_t* rgb, int width, int height, std::uint8_t* indices, int index_stride);

 private:
  std::uint8_t nearest(int r, int g, int b);
  const Palette& palette_;
  std::vector<std::int16_t> cache_;  // 6 bits per channel -> palette index (-1 = not yet known)
  std::vector<float> error_;         // two rows of RGB error
};

}  // namespace svg2::media

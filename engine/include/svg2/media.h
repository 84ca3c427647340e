#pragma once
// Media: PNG images, video encode/decode, quality metrics and side-by-side composition.
// Plain C++ (no LibTorch, no FFmpeg types): the CLI and the UI call it directly.
//
// PNG works in every build. Encoded video formats (MP4, WebM, GIF) need a build with FFmpeg
// (SVG2_HAVE_FFMPEG); without it they throw svg2::Error saying so.
#include <cstdint>
#include <string>
#include <vector>

#include "svg2/video.h"

namespace svg2 {

// One 8-bit RGB picture, rows top to bottom, tightly packed.
struct Image {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> rgb;  // height * width * 3 bytes

  bool empty() const { return width == 0 || height == 0; }
};

// ---- PNG -----------------------------------------------------------------------------------

// Writes `rgb` (width * height * 3 bytes, rows top to bottom) as an 8-bit RGB PNG, atomically
// (temp file in the destination folder, then rename). Throws svg2::Error naming the path.
void write_png(const std::string& path, int width, int height, const std::uint8_t* rgb);
void write_png(const std::string& path, int width, int height, const std::vector<std::uint8_t>& rgb);
void write_png(const std::string& path, const Image& image);

// The PNG file's bytes, for callers that store or send them elsewhere.
std::string encode_png(int width, int height, const std::uint8_t* rgb);

// Reads an 8-bit, non-interlaced PNG (gray, gray+alpha, RGB, RGBA or palette) as RGB; alpha is
// dropped. Anything else (16-bit, interlaced, corrupt) throws svg2::Error naming the file.
Image read_png(const std::string& path);

}  // namespace svg2

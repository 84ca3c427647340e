#pragma once
// Decoded video frames as tightly packed 8-bit RGB, the currency between engine, media and UI.
#include <cstdint>
#include <vector>

namespace svg2 {

struct Video {
  int frames = 0;
  int width = 0;
  int height = 0;
  double fps = 16.0;
  std::vector<std::uint8_t> rgb;  // frames * height * width * 3 bytes, frame-major

  std::size_t frame_bytes() const { return static_cast<std::size_t>(width) * height * 3; }
  const std::uint8_t* frame(int index) const { return rgb.data() + frame_bytes() * index; }
  std::uint8_t* frame(int index) { return rgb.data() + frame_bytes() * index; }
  bool empty() const { return frames == 0; }
};

}  // namespace svg2

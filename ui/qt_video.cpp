#include "qt_video.h"

#include <cstring>

namespace svg2::ui {

namespace {

QImage copy_rgb(const std::uint8_t* rgb, int width, int height) {
  QImage image(width, height, QImage::Format_RGB888);
  const qsizetype row_bytes = static_cast<qsizetype>(width) * 3;
  for (int y = 0; y < height; ++y) std::memcpy(image.scanLine(y), rgb + row_bytes * y, row_bytes);
  return image;
}

}  // namespace

QImage frame_to_image(const Video& video, int frame) {
  if (frame < 0 || frame >= video.frames || video.width <= 0 || video.height <= 0) return {};
  return copy_rgb(video.frame(frame), video.width, video.height);
}

QImage to_qimage(const Image& image) {
  if (image.empty()) return {};
  return copy_rgb(image.rgb.data(), image.width, image.height);
}

}  // namespace svg2::ui

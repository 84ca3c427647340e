#pragma once
// Engine pictures (tightly packed 8-bit RGB) as QImages.
#include <QImage>

#include "svg2/media.h"
#include "svg2/video.h"

namespace svg2::ui {

// A deep copy of one frame (QImage::Format_RGB888). An out-of-range index gives a null image.
QImage frame_to_image(const Video& video, int frame);
QImage to_qimage(const Image& image);

}  // namespace svg2::ui

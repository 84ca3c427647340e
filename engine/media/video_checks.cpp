#include "media/video_checks.h"

#include <cmath>

#include "core/check.h"

namespace svg2::media {

void check_video(const Video& v, std::string_view which) {
  SVG2_CHECK(v.frames > 0 && v.width > 0 && v.height > 0, "the {} is empty ({} frames of {}x{})", which,
             v.frames, v.width, v.height);
  SVG2_CHECK(v.rgb.size() == v.frame_bytes() * v.frames,
             "the {} holds {} bytes, but {} frames of {}x{} RGB need {}", which, v.rgb.size(), v.frames,
             v.width, v.height, v.frame_bytes() * v.frames);
  SVG2_CHECK(std::isfinite(v.fps) && v.fps >= 0, "the {} has an invalid fps {}", which, v.fps);
}

void check_same_shape(const Video& a, const Video& b, std::string_view what) {
  SVG2_CHECK(a.frames == b.frames && a.width == b.width && a.height == b.height,
             "{}: the videos differ in shape: {} frames of {}x{} vs {} frames of {}x{}", what, a.frames,
             a.width, a.height, b.frames, b.width, b.height);
}

}  // namespace svg2::media

#pragma once
// Validation shared by the media functions that take an svg2::Video.
#include <string_view>

#include "svg2/video.h"

namespace svg2::media {

// Throws svg2::Error (naming `which`, e.g. "reference video") when the video has no frames,
// a non-positive size, a bad fps or a pixel buffer of the wrong length.
void check_video(const Video& video, std::string_view which);

// Throws when the two videos differ in frame count or size, naming both shapes.
void check_same_shape(const Video& a, const Video& b, std::string_view what);

}  // namespace svg2::media

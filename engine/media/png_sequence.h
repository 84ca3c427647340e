#pragma once
// PNG sequences: a folder of frame_00000.png, frame_00001.png, ... written as a whole (temp
// folder, then swapped into place) and read back in name order.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "svg2/video.h"

namespace svg2::media {

// Writes frames [first, first + count) of `video` into folder `target`. An existing `target`
// is replaced only when it is empty or holds nothing but frame_*.png files. Returns total bytes.
std::uint64_t write_png_sequence(const Video& video, int first, int count, const std::string& target,
                                 const std::function<bool(int, int)>& progress);

// The sorted PNG files of a folder (frame_*.png first choice, else every *.png).
std::vector<std::string> png_sequence_files(const std::string& folder);

Video read_png_sequence(const std::string& folder, int max_frames);

}  // namespace svg2::media

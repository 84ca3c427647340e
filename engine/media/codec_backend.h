#pragma once
// The FFmpeg side of export/import, behind plain types. Defined in engine/media/ffmpeg/, which
// compiles only when SVG2_HAVE_FFMPEG is 1: callers guard their calls with that macro.
#include <filesystem>
#include <functional>
#include <string>

#include "svg2/media.h"

namespace svg2::media {

struct EncodeJob {
  const Video* video = nullptr;
  int first_frame = 0;
  int frame_count = 0;
  VideoFormat format = VideoFormat::Mp4H264;
  double fps = 16.0;
  int quality = 0;               // resolved CRF (ignored for GIF)
  std::filesystem::path output;  // the temp file to write (the caller renames it)
  std::string display_path;      // the user's target, for messages
  std::function<bool(int done, int total)> progress;
};

struct EncodeOutcome {
  std::string codec;
  int width = 0, height = 0;
  bool padded = false;
};

// The FFmpeg encoder used for a format ("libx264", ...).
std::string encoder_name(VideoFormat format);
bool ffmpeg_has_encoder(VideoFormat format);
EncodeOutcome ffmpeg_encode(const EncodeJob& job);

VideoInfo ffmpeg_probe(const std::string& path);
Video ffmpeg_decode(const std::string& path, int max_frames);

}  // namespace svg2::media

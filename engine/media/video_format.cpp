// Export formats: names, extensions, quality scales and whether this build can write them.
#include <algorithm>
#include <cctype>
#include <filesystem>

#include "core/check.h"
#include "media/codec_backend.h"
#include "svg2/build_config.h"
#include "svg2/media.h"

namespace svg2 {

std::string to_string(VideoFormat format) {
  switch (format) {
    case VideoFormat::Mp4H264:
      return "mp4";
    case VideoFormat::Mp4H265:
      return "h265";
    case VideoFormat::WebmVp9:
      return "webm";
    case VideoFormat::Gif:
      return "gif";
    case VideoFormat::PngSequence:
      return "png";
  }
  return "unknown";
}

VideoFormat video_format_from_string(const std::string& name) {
  std::string n = name;
  std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  if (n == "mp4" || n == "h264") return VideoFormat::Mp4H264;
  if (n == "h265" || n == "hevc") return VideoFormat::Mp4H265;
  if (n == "webm" || n == "vp9") return VideoFormat::WebmVp9;
  if (n == "gif") return VideoFormat::Gif;
  if (n == "png" || n == "png-sequence") return VideoFormat::PngSequence;
  fail("unknown video format '{}': allowed are mp4, h265, webm, gif, png", name);
}

std::string file_extension(VideoFormat format) {
  switch (format) {
    case VideoFormat::Mp4H264:
    case VideoFormat::Mp4H265:
      return ".mp4";
    case VideoFormat::WebmVp9:
      return ".webm";
    case VideoFormat::Gif:
      return ".gif";
    case VideoFormat::PngSequence:
      return "";
  }
  return "";
}

VideoFormat video_format_for_path(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  if (ext == ".mp4") return VideoFormat::Mp4H264;
  if (ext == ".webm") return VideoFormat::WebmVp9;
  if (ext == ".gif") return VideoFormat::Gif;
  if (ext.empty()) return VideoFormat::PngSequence;
  fail(
      "cannot tell the video format from '{}': use .mp4, .webm, .gif, or a folder name without extension for "
      "PNG "
      "frames",
      path);
}

QualityRange quality_range(VideoFormat format) {
  switch (format) {
    case VideoFormat::Mp4H264:
      return {true, 0, 51, 18};  // 18: visually near-lossless
    case VideoFormat::Mp4H265:
      return {true, 0, 51, 23};  // about what H.264 gives at 18, smaller
    case VideoFormat::WebmVp9:
      return {true, 0, 63, 30};
    default:
      return {false, 0, 0, 0};
  }
}

namespace media {
std::string encoder_name(VideoFormat format) {
  switch (format) {
    case VideoFormat::Mp4H264:
      return "libx264";
    case VideoFormat::Mp4H265:
      return "libx265";
    case VideoFormat::WebmVp9:
      return "libvpx-vp9";
    case VideoFormat::Gif:
      return "gif";
    case VideoFormat::PngSequence:
      return "png";
  }
  return "";
}
}  // namespace media

bool video_format_available(VideoFormat format) {
  if (format == VideoFormat::PngSequence) return true;
#if SVG2_HAVE_FFMPEG
  return media::ffmpeg_has_encoder(format);
#else
  return false;
#endif
}

}  // namespace svg2

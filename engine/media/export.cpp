// export_video: validates the request, then writes through a temp file (or folder) so a failure
// never leaves a partial file or harms an existing one.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>

#include "core/atomic_file.h"
#include "core/check.h"
#include "core/log.h"
#include "media/codec_backend.h"
#include "media/png_sequence.h"
#include "media/video_checks.h"
#include "svg2/build_config.h"
#include "svg2/media.h"

namespace svg2 {
namespace fs = std::filesystem;
namespace {

constexpr double kMaxFps = 240.0;
constexpr double kMaxGifFps = 50.0;  // browsers stretch GIF delays under 2 centiseconds

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return s;
}

// The path to write: the format's extension is added when missing; a different one is an error.
std::string resolve_target(const std::string& path, VideoFormat format) {
  SVG2_CHECK(!path.empty(), "no output path given for the {} export", to_string(format));
  fs::path p(path);
  const std::string ext = lower(p.extension().string());
  const std::string want = file_extension(format);
  if (format == VideoFormat::PngSequence) {
    SVG2_CHECK(ext != ".png" && ext != ".mp4" && ext != ".webm" && ext != ".gif",
               "a PNG sequence is written into a folder: '{}' looks like a file name (drop the '{}')", path,
               ext);
    return path;
  }
  if (ext.empty()) return path + want;
  SVG2_CHECK(ext == want, "output '{}' has extension '{}', but {} export writes '{}' files", path, ext,
             to_string(format), want);
  return path;
}

std::uint64_t size_on_disk(const fs::path& path) {
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) return fs::file_size(path, ec);
  std::uint64_t total = 0;
  for (const auto& e : fs::directory_iterator(path, ec))
    if (e.is_regular_file()) total += e.file_size();
  return total;
}

}  // namespace

ExportResult export_video(const Video& video, const std::string& path, const ExportOptions& options) {
  media::check_video(video, "video to export");
  const VideoFormat format = options.format;
  const int last = options.last_frame < 0 ? video.frames - 1 : options.last_frame;
  SVG2_CHECK(options.first_frame >= 0 && options.first_frame < video.frames && last >= options.first_frame &&
                 last < video.frames,
             "frame range {}..{} is invalid: the clip has {} frames (first and last must lie in 0..{}, first "
             "<= last)",
             options.first_frame, options.last_frame, video.frames, video.frames - 1);
  SVG2_CHECK(options.fps == 0 || (std::isfinite(options.fps) && options.fps > 0),
             "fps {} is invalid: give a rate in (0, {}], or 0 for the clip's own", options.fps, kMaxFps);
  const double fps = options.fps > 0 ? options.fps : (video.fps > 0 ? video.fps : 16.0);
  SVG2_CHECK(std::isfinite(fps) && fps > 0 && fps <= kMaxFps, "fps {} is out of range (0, {}]", fps, kMaxFps);
  SVG2_CHECK(
      format != VideoFormat::Gif || fps <= kMaxGifFps,
      "GIF frame rate {} is above {} fps: browsers play faster GIFs slower, not faster (pick {} or less)",
      fps, kMaxGifFps, kMaxGifFps);
  const QualityRange q = quality_range(format);
  int quality = q.default_value;
  SVG2_CHECK(options.quality >= -1,
             "quality {} is invalid: give a CRF (lower = better) or -1 for the default", options.quality);
  if (options.quality >= 0) {
    if (q.applies) {
      SVG2_CHECK(options.quality >= q.best && options.quality <= q.worst,
                 "quality {} is out of range for {}: CRF {} (best) to {} (smallest), default {}",
                 options.quality, to_string(format), q.best, q.worst, q.default_value);
      quality = options.quality;
    } else {
      log_debug("export: quality {} ignored for {} (lossless or palette based)", options.quality,
                to_string(format));
    }
  }
  const std::string target = resolve_target(path, format);
  const fs::path target_path(target);
  std::error_code ec;
  const fs::path parent = target_path.has_parent_path() ? target_path.parent_path() : fs::path(".");
  SVG2_CHECK(fs::is_directory(parent, ec), "cannot export to '{}': folder '{}' does not exist", target,
             parent.string());

  ExportResult result;
  result.path = target;
  result.format = format;
  result.frames = last - options.first_frame + 1;
  result.width = video.width;
  result.height = video.height;
  result.fps = fps;
  if (format == VideoFormat::PngSequence) {
    result.codec = "png";
    result.bytes =
        media::write_png_sequence(video, options.first_frame, result.frames, target, options.progress);
    log_debug("exported {} frames as PNG to '{}'", result.frames, target);
    return result;
  }
  SVG2_CHECK(!fs::is_directory(target_path, ec), "cannot export to '{}': it is a folder", target);
#if SVG2_HAVE_FFMPEG
  media::EncodeJob job;
  job.video = &video;
  job.first_frame = options.first_frame;
  job.frame_count = result.frames;
  job.format = format;
  job.fps = fps;
  job.quality = quality;
  job.display_path = target;
  job.progress = options.progress;
  media::EncodeOutcome outcome;
  write_via_temp(target_path, [&](const fs::path& tmp) {
    job.output = tmp;
    outcome = media::ffmpeg_encode(job);
  });
  result.codec = outcome.codec;
  result.width = outcome.width;
  result.height = outcome.height;
  result.padded = outcome.padded;
  result.bytes = size_on_disk(target_path);
  log_debug("exported {} frames {}x{} at {} fps as {} ({}) to '{}', {} bytes", result.frames, result.width,
            result.height, fps, to_string(format), result.codec, target, result.bytes);
  return result;
#else
  (void)quality;
  fail("cannot export '{}': {} export needs FFmpeg, which this build lacks (PNG frames work: format png)",
       target, to_string(format));
#endif
}

}  // namespace svg2

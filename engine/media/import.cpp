// Finding and decoding clips: files, render folders (clip.mp4 + clip.json), PNG sequences.
#include <algorithm>
#include <cctype>
#include <filesystem>

#include "core/check.h"
#include "media/codec_backend.h"
#include "media/png_sequence.h"
#include "svg2/build_config.h"
#include "svg2/media.h"

namespace svg2 {
namespace fs = std::filesystem;
namespace {

const std::vector<std::string> kVideoExtensions = {".mp4", ".webm", ".gif", ".mkv", ".mov", ".avi"};

std::string lower_ext(const fs::path& p) {
  std::string e = p.extension().string();
  std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return e;
}

bool is_video_file(const fs::path& p) {
  return std::find(kVideoExtensions.begin(), kVideoExtensions.end(), lower_ext(p)) != kVideoExtensions.end();
}

std::string sidecar_for(const fs::path& video) {
  std::error_code ec;
  fs::path json = video;
  json.replace_extension(".json");
  return fs::is_regular_file(json, ec) ? json.string() : std::string();
}

Video read_single_png(const std::string& path) {
  const Image image = read_png(path);
  Video v;
  v.frames = 1, v.width = image.width, v.height = image.height;
  v.rgb = image.rgb;
  return v;
}

#if !SVG2_HAVE_FFMPEG
[[noreturn]] void no_ffmpeg(const std::string& path) {
  fail("cannot read '{}': reading video files needs FFmpeg, which this build lacks (PNG frames work)", path);
}
#endif

}  // namespace

ClipFiles find_clip_files(const std::string& path) {
  std::error_code ec;
  const fs::path p(path);
  SVG2_CHECK(fs::exists(p, ec), "clip '{}' does not exist", path);
  if (!fs::is_directory(p, ec)) return {p.string(), sidecar_for(p)};

  // A render folder: clip.mp4 first, then any other clip.*, then a lone video file.
  std::vector<fs::path> videos;
  bool has_png = false;
  for (const auto& e : fs::directory_iterator(p, ec)) {
    if (!e.is_regular_file()) continue;
    if (is_video_file(e.path())) videos.push_back(e.path());
    has_png = has_png || lower_ext(e.path()) == ".png";
  }
  SVG2_CHECK(!ec, "cannot read folder '{}': {}", path, ec.message());
  std::sort(videos.begin(), videos.end());
  auto pick = [&](const fs::path& video) {
    ClipFiles files{video.string(), sidecar_for(video)};
    if (files.sidecar.empty() && fs::is_regular_file(p / "clip.json", ec))
      files.sidecar = (p / "clip.json").string();
    return files;
  };
  for (const fs::path& v : videos)
    if (v.filename() == "clip.mp4") return pick(v);
  for (const fs::path& v : videos)
    if (v.stem() == "clip") return pick(v);
  if (videos.size() == 1) return pick(videos.front());
  SVG2_CHECK(videos.size() < 2, "folder '{}' holds {} video files and no clip.mp4: name the file to use",
             path, videos.size());
  SVG2_CHECK(has_png, "folder '{}' holds no clip: expected clip.mp4, another video file, or PNG frames",
             path);
  const std::string sidecar = fs::is_regular_file(p / "clip.json", ec) ? (p / "clip.json").string() : "";
  return {p.string(), sidecar};
}

VideoInfo probe_video(const std::string& path) {
  const ClipFiles files = find_clip_files(path);
  std::error_code ec;
  if (fs::is_directory(files.video, ec)) {
    const auto frames = media::png_sequence_files(files.video);
    SVG2_CHECK(!frames.empty(), "folder '{}' holds no PNG frames", files.video);
    const Video first = media::read_png_sequence(files.video, 1);
    return {int(frames.size()), first.width, first.height, first.fps, "png"};
  }
  if (lower_ext(files.video) == ".png") {
    const Video v = read_single_png(files.video);
    return {1, v.width, v.height, v.fps, "png"};
  }
#if SVG2_HAVE_FFMPEG
  return media::ffmpeg_probe(files.video);
#else
  no_ffmpeg(files.video);
#endif
}

Video read_video(const std::string& path, int max_frames) {
  const ClipFiles files = find_clip_files(path);
  std::error_code ec;
  if (fs::is_directory(files.video, ec)) return media::read_png_sequence(files.video, max_frames);
  if (lower_ext(files.video) == ".png") return read_single_png(files.video);
#if SVG2_HAVE_FFMPEG
  return media::ffmpeg_decode(files.video, max_frames);
#else
  no_ffmpeg(files.video);
#endif
}

}  // namespace svg2

#pragma once
// Media: PNG images, video encode/decode, quality metrics, difference heatmaps, text and
// side-by-side composition. Plain C++ (no LibTorch, no FFmpeg types): the CLI and the UI call it.
//
// PNG, PNG sequences, metrics and composition work in every build. The encoded formats (MP4,
// WebM, GIF) and decoding them need a build with FFmpeg (SVG2_HAVE_FFMPEG in
// svg2/build_config.h); without it those calls throw svg2::Error saying so.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "svg2/video.h"

namespace svg2 {

// One 8-bit RGB picture, rows top to bottom, tightly packed.
struct Image {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> rgb;  // height * width * 3 bytes

  bool empty() const { return width == 0 || height == 0; }
};

// ---- PNG -----------------------------------------------------------------------------------

// Writes `rgb` (width * height * 3 bytes, rows top to bottom) as an 8-bit RGB PNG, atomically
// (temp file in the destination folder, then rename). Throws svg2::Error naming the path.
void write_png(const std::string& path, int width, int height, const std::uint8_t* rgb);
void write_png(const std::string& path, int width, int height, const std::vector<std::uint8_t>& rgb);
void write_png(const std::string& path, const Image& image);

// The PNG file's bytes, for callers that store or send them elsewhere.
std::string encode_png(int width, int height, const std::uint8_t* rgb);

// Reads an 8-bit, non-interlaced PNG (gray, gray+alpha, RGB, RGBA or palette) as RGB; alpha is
// dropped. Anything else (16-bit, interlaced, corrupt) throws svg2::Error naming the file.
Image read_png(const std::string& path);

// ---- Export (encode) -----------------------------------------------------------------------

enum class VideoFormat {
  Mp4H264,      // .mp4, H.264 (libx264), yuv420p, CRF
  Mp4H265,      // .mp4, H.265/HEVC (libx265), yuv420p, CRF, tagged hvc1
  WebmVp9,      // .webm, VP9 (libvpx-vp9), yuv420p, constant quality (CRF, bitrate 0)
  Gif,          // .gif, one global 255-colour palette from all frames + error-diffusion dither
  PngSequence,  // a folder of frame_00000.png, frame_00001.png, ... (lossless)
};

// CLI/JSON names: "mp4", "h265", "webm", "gif", "png".
std::string to_string(VideoFormat format);
// Accepts those names (and "h264", "vp9", "png-sequence"); throws naming the allowed values.
VideoFormat video_format_from_string(const std::string& name);
// From a path's extension: .mp4 -> Mp4H264, .webm, .gif; no extension -> PngSequence.
VideoFormat video_format_for_path(const std::string& path);
std::string file_extension(VideoFormat format);  // ".mp4", ".mp4", ".webm", ".gif", ""
// False for the encoded formats in builds without FFmpeg, or when FFmpeg lacks the encoder.
bool video_format_available(VideoFormat format);

// What `ExportOptions::quality` means for a format: a CRF, lower = better.
struct QualityRange {
  bool applies = false;  // false for GIF and PNG (quality is ignored)
  int best = 0;          // lowest CRF (best quality, largest file)
  int worst = 0;         // highest CRF
  int default_value = 0;
};
QualityRange quality_range(VideoFormat format);  // H.264 0..51 (18), H.265 0..51 (23), VP9 0..63 (30)

struct ExportOptions {
  VideoFormat format = VideoFormat::Mp4H264;
  double fps = 0;       // 0 = the video's own fps (16 when unset); allowed (0, 240]
  int first_frame = 0;  // inclusive, 0-based
  int last_frame = -1;  // inclusive; -1 = the last frame
  int quality = -1;     // CRF (see quality_range); -1 = the format's default
  // Called after each frame is encoded; return false to cancel (throws svg2::Cancelled, and
  // nothing is written).
  std::function<bool(int done, int total)> progress;
};

struct ExportResult {
  std::string path;  // the file (or folder, for PNG sequences) written
  VideoFormat format = VideoFormat::Mp4H264;
  std::string codec;  // "libx264", "libx265", "libvpx-vp9", "gif", "png"
  int frames = 0;
  int width = 0;  // as stored: H.264/H.265 pad odd sizes to even (see padded)
  int height = 0;
  double fps = 0;
  std::uint64_t bytes = 0;  // total size on disk
  bool padded = false;      // an odd width/height was padded by repeating the last column/row
};

// Encodes `video` (or options' frame range) to `path`, atomically: everything is written to a
// temp file (or folder) next to the target and renamed over it at the end, so a failure (disk
// full, no permission, missing encoder, cancel) leaves no partial output and an existing file
// intact. A path without extension gets the format's; a mismatched extension is an error. A PNG
// sequence replaces an existing folder only when that holds nothing but frame_*.png files.
ExportResult export_video(const Video& video, const std::string& path, const ExportOptions& options = {});

// ---- Import (decode) -----------------------------------------------------------------------

// A render folder holds clip.mp4 (or another clip.*) plus its clip.json sidecar; a clip file's
// sidecar is the .json next to it with the same stem. Missing sidecar = empty string.
struct ClipFiles {
  std::string video;    // a video file, or a folder of PNG frames
  std::string sidecar;  // JSON sidecar, or empty
};
// Resolves a clip file, a render folder or a PNG-sequence folder; throws naming the path when
// it holds no clip.
ClipFiles find_clip_files(const std::string& path);

// What a render's JSON sidecar says, read tolerantly: missing keys keep their defaults, and an
// unreadable sidecar only logs a warning. Keys: params.attention.mode, timings.dit_ms,
// timings.total_ms, density.mean_density, video.fps (seconds/plain numbers are accepted too).
struct ClipSummary {
  std::string attention;    // "dense", "svg2", "block-topk", ... or empty when unknown
  double dit_seconds = -1;  // -1 = unknown
  double total_seconds = -1;
  double density = -1;  // mean density of the sparse attention calls; -1 = unknown
  double fps = 0;       // 0 = unknown
};
ClipSummary read_clip_summary(const std::string& sidecar_path);

// "Dense", "SVG2", "Block top-k", "SVG1" for the attention modes; `fallback` when unknown.
std::string attention_label(const std::string& attention, const std::string& fallback);

struct VideoInfo {
  int frames = 0;  // exact count (frames are counted by decoding packets' headers, not guessed)
  int width = 0;
  int height = 0;
  double fps = 0;
  std::string codec;  // FFmpeg's decoder name, or "png"
};
VideoInfo probe_video(const std::string& path);

// Decodes a clip (MP4, WebM, GIF, anything FFmpeg reads), a render folder or a PNG-sequence
// folder into RGB frames. max_frames > 0 stops early (thumbnails). Throws svg2::Error naming
// the file when it cannot be read.
Video read_video(const std::string& path, int max_frames = -1);

// ---- Quality metrics (as the SVG reference's svg/utils/metric.py) --------------------------

// Frames are taken as [0, 1] values (byte / 255).
// PSNR = 10 log10(1 / MSE) over all pixels and channels; +infinity for identical frames.
double frame_psnr(const std::uint8_t* a, const std::uint8_t* b, int width, int height);
// SSIM with an 11x11 box window (avg-pool, stride 1, zero padding 5 counted in the average),
// C1 = 0.01^2, C2 = 0.03^2, per channel, averaged over channels and pixels.
double frame_ssim(const std::uint8_t* a, const std::uint8_t* b, int width, int height);

struct QualityMetrics {
  std::vector<double> mse, psnr, ssim;  // per frame
  double mean_mse = 0;
  double mean_psnr = 0;  // mean of the per-frame PSNRs (+infinity if any frame is identical)
  double mean_ssim = 0;
};
// Both videos must have the same frame count and size (the error names both shapes).
QualityMetrics compare_videos(const Video& reference, const Video& test);

// ---- Pictures of differences ---------------------------------------------------------------

Image frame_image(const Video& video, int frame);

// Per pixel: mean |a - b| over the channels, divided by `full_scale` (in [0, 1] units) and
// clamped, through a black-purple-orange-yellow colour ramp (black = identical).
Image difference_heatmap(const Video& a, const Video& b, int frame, double full_scale = 0.25);
Video difference_video(const Video& a, const Video& b, double full_scale = 0.25);

// ---- Text and side-by-side composition -----------------------------------------------------

struct Rgb {
  std::uint8_t r = 255, g = 255, b = 255;
};

// A built-in 5x7 pixel font (ASCII plus · × – — … °), scaled by an integer factor; other
// characters draw as '?'. One line is text_height(scale) pixels tall (descenders included).
int text_width(std::string_view utf8, int scale);
int text_height(int scale);
// Draws one line with its top-left corner at (x, y); clipped to the image.
void draw_text(Image& image, int x, int y, std::string_view utf8, int scale, Rgb color);
void draw_text(std::uint8_t* rgb, int width, int height, int x, int y, std::string_view utf8, int scale,
               Rgb color);

struct SideBySidePanel {
  const Video* video = nullptr;
  std::string label;    // large, e.g. "Dense", "SVG2"
  std::string caption;  // smaller, below the label; '\n' separates lines
};

struct SideBySideOptions {
  int gap = 8;            // pixels between panels
  int label_scale = 0;    // font scale; 0 = from the panel height (about 6% of it)
  int caption_scale = 0;  // 0 = about 60% of the label's
  Rgb background{18, 18, 18};
  Rgb label_color{255, 255, 255};
  Rgb caption_color{190, 200, 210};
};

// The panels left to right under a header strip with their labels and captions, as one video.
// Panels may differ in size (centred vertically) and length (a shorter one holds its last
// frame); the result takes the first panel's fps.
Video side_by_side(const std::vector<SideBySidePanel>& panels, const SideBySideOptions& options = {});

// "DiT 41.2 s · 2.1× · density 31%": parts with a negative value are left out.
std::string speed_caption(double dit_seconds, double speedup = -1, double density = -1);

}  // namespace svg2

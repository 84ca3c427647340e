#include "media/ffmpeg/av_util.h"

extern "C" {
#include <libavutil/error.h>
#include <libavutil/log.h>
}

#include <cstdio>
#include <mutex>

#include "core/check.h"
#include "core/log.h"

namespace svg2::media::av {

std::string error_text(int code) {
  char buffer[AV_ERROR_MAX_STRING_SIZE] = {};
  if (av_strerror(code, buffer, sizeof buffer) < 0)
    std::snprintf(buffer, sizeof buffer, "FFmpeg error %d", code);
  return buffer;
}

int check(int code, std::string_view what, std::string_view path) {
  if (code < 0) fail("{} failed for '{}': {}", what, path, error_text(code));
  return code;
}

namespace {
void log_callback(void* avcl, int level, const char* format, va_list args) {
  if (level > AV_LOG_WARNING) return;
  char line[1024];
  int print_prefix = 1;
  av_log_format_line2(avcl, level, format, args, line, sizeof line, &print_prefix);
  std::string text(line);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  if (text.empty()) return;
  // FFmpeg's errors are reported to the user through svg2::Error; the log keeps the details.
  if (level <= AV_LOG_ERROR) {
    log_warn("ffmpeg: {}", text);
  } else {
    log_debug("ffmpeg: {}", text);
  }
}
}  // namespace

void route_log_to_engine() {
  static std::once_flag once;
  std::call_once(once, [] {
    av_log_set_level(AV_LOG_WARNING);
    av_log_set_callback(log_callback);
  });
}

FramePtr alloc_frame() {
  FramePtr f(av_frame_alloc());
  SVG2_CHECK(f != nullptr, "out of memory allocating a video frame");
  return f;
}

PacketPtr alloc_packet() {
  PacketPtr p(av_packet_alloc());
  SVG2_CHECK(p != nullptr, "out of memory allocating a packet");
  return p;
}

}  // namespace svg2::media::av

#pragma once
// Small helpers around FFmpeg's C API: owning pointers, error text, checked calls, and routing
// FFmpeg's log into the engine's log.
extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/frame.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
}

#include <memory>
#include <string>
#include <string_view>

namespace svg2::media::av {

struct CodecContextDeleter {
  void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
};
struct FrameDeleter {
  void operator()(AVFrame* f) const { av_frame_free(&f); }
};
struct PacketDeleter {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};
struct SwsDeleter {
  void operator()(SwsContext* s) const { sws_freeContext(s); }
};
struct InputDeleter {
  void operator()(AVFormatContext* f) const { avformat_close_input(&f); }
};
// An output context owns its AVIOContext (closed here if still open, e.g. after an error).
struct OutputDeleter {
  void operator()(AVFormatContext* f) const {
    if (f && f->pb && !(f->oformat->flags & AVFMT_NOFILE)) avio_closep(&f->pb);
    avformat_free_context(f);
  }
};

using CodecContextPtr = std::unique_ptr<AVCodecContext, CodecContextDeleter>;
using FramePtr = std::unique_ptr<AVFrame, FrameDeleter>;
using PacketPtr = std::unique_ptr<AVPacket, PacketDeleter>;
using SwsPtr = std::unique_ptr<SwsContext, SwsDeleter>;
using InputPtr = std::unique_ptr<AVFormatContext, InputDeleter>;
using OutputPtr = std::unique_ptr<AVFormatContext, OutputDeleter>;

std::string error_text(int code);

// Throws svg2::Error "<what> failed for '<path>': <FFmpeg's reason>" when code < 0.
int check(int code, std::string_view what, std::string_view path);

// Sends FFmpeg's warnings and errors to the engine log (once per process).
void route_log_to_engine();

FramePtr alloc_frame();
PacketPtr alloc_packet();

}  // namespace svg2::media::av

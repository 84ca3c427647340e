// Decoding clips (MP4, WebM, GIF, anything FFmpeg demuxes) into RGB frames.
#include <array>
#include <cmath>
#include <cstring>

#include "core/check.h"
#include "media/codec_backend.h"
#include "media/ffmpeg/av_util.h"

namespace svg2::media {
namespace {

// Refuses to decode more than this into memory (a corrupt or wrong file, not a render).
constexpr std::uint64_t kMaxDecodedBytes = std::uint64_t{16} << 30;

struct OpenInput {
  av::InputPtr format;
  AVStream* stream = nullptr;
};

OpenInput open_input(const std::string& path) {
  av::route_log_to_engine();
  AVFormatContext* raw = nullptr;
  av::check(avformat_open_input(&raw, path.c_str(), nullptr, nullptr), "opening the video", path);
  OpenInput in;
  in.format.reset(raw);
  av::check(avformat_find_stream_info(raw, nullptr), "reading the stream information", path);
  const int index = av_find_best_stream(raw, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  SVG2_CHECK(index >= 0, "'{}' holds no video stream", path);
  in.stream = raw->streams[index];
  return in;
}

const char* codec_name(const AVStream* stream) {
  const AVCodecDescriptor* d = avcodec_descriptor_get(stream->codecpar->codec_id);
  return d ? d->name : "unknown";
}

// Frames per second as stored; GIFs carry per-frame delays, so theirs is measured by the caller.
double stored_fps(const AVStream* stream) {
  for (AVRational r : {stream->avg_frame_rate, stream->r_frame_rate})
    if (r.num > 0 && r.den > 0) return av_q2d(r);
  return 0;
}

// Rounds a measured rate to a whole number when it is within 2% of one (GIF delays are whole
// centiseconds, so 16 fps is stored as 6/6/6/7 cs).
double tidy_fps(double fps) {
  const double whole = std::round(fps);
  return (whole > 0 && std::abs(fps - whole) <= 0.02 * whole) ? whole : fps;
}

// RGB conversion that honours the stream's colour matrix and range (BT.601 when untagged,
// like FFmpeg itself).
void set_colorspace(SwsContext* sws, const AVFrame* frame) {
  const int space = frame->colorspace == AVCOL_SPC_UNSPECIFIED ? SWS_CS_DEFAULT : int(frame->colorspace);
  const int full_range = frame->color_range == AVCOL_RANGE_JPEG || frame->format == AV_PIX_FMT_YUVJ420P ||
                         frame->format == AV_PIX_FMT_YUVJ422P || frame->format == AV_PIX_FMT_YUVJ444P;
  const int* table = sws_getCoefficients(space);
  sws_setColorspaceDetails(sws, table, full_range, sws_getCoefficients(SWS_CS_DEFAULT), 1, 0, 1 << 16,
                           1 << 16);
}

std::int64_t frame_duration(const AVFrame* frame) {
#if LIBAVUTIL_VERSION_MAJOR >= 58
  return frame->duration;
#else
  return frame->pkt_duration;
#endif
}

}  // namespace

VideoInfo ffmpeg_probe(const std::string& path) {
  OpenInput in = open_input(path);
  VideoInfo info;
  info.width = in.stream->codecpar->width;
  info.height = in.stream->codecpar->height;
  info.codec = codec_name(in.stream);
  info.frames = static_cast<int>(in.stream->nb_frames);
  if (info.frames <= 0 || in.stream->codecpar->codec_id == AV_CODEC_ID_GIF) {
    // No frame count in the container: count the stream's packets (demuxing only, no decoding).
    av::PacketPtr packet = av::alloc_packet();
    info.frames = 0;
    std::int64_t first_pts = AV_NOPTS_VALUE, end_pts = AV_NOPTS_VALUE;
    while (true) {
      const int rc = av_read_frame(in.format.get(), packet.get());
      if (rc == AVERROR_EOF) break;
      av::check(rc, "reading the video", path);
      if (packet->stream_index == in.stream->index) {
        ++info.frames;
        if (packet->pts != AV_NOPTS_VALUE) {
          if (first_pts == AV_NOPTS_VALUE) first_pts = packet->pts;
          end_pts = packet->pts + packet->duration;
        }
      }
      av_packet_unref(packet.get());
    }
    if (in.stream->codecpar->codec_id == AV_CODEC_ID_GIF && end_pts > first_pts &&
        first_pts != AV_NOPTS_VALUE)
      info.fps = tidy_fps(info.frames / (double(end_pts - first_pts) * av_q2d(in.stream->time_base)));
  }
  if (info.fps <= 0) info.fps = stored_fps(in.stream);
  return info;
}

Video ffmpeg_decode(const std::string& path, int max_frames) {
  OpenInput in = open_input(path);
  const AVCodec* codec = avcodec_find_decoder(in.stream->codecpar->codec_id);
  SVG2_CHECK(codec != nullptr, "cannot read '{}': this FFmpeg build has no decoder for '{}'", path,
             codec_name(in.stream));
  av::CodecContextPtr ctx(avcodec_alloc_context3(codec));
  SVG2_CHECK(ctx != nullptr, "cannot read '{}': out of memory creating the decoder", path);
  av::check(avcodec_parameters_to_context(ctx.get(), in.stream->codecpar), "setting up the decoder", path);
  ctx->thread_count = 0;
  av::check(avcodec_open2(ctx.get(), codec, nullptr), "opening the decoder", path);

  Video video;
  av::PacketPtr packet = av::alloc_packet();
  av::FramePtr frame = av::alloc_frame();
  av::SwsPtr sws;
  std::array<int, 5> configured = {-1, -1, -1, -1, -1};
  std::int64_t first_pts = AV_NOPTS_VALUE, end_pts = AV_NOPTS_VALUE;
  const bool is_gif = in.stream->codecpar->codec_id == AV_CODEC_ID_GIF;
  auto want_more = [&] { return max_frames <= 0 || video.frames < max_frames; };

  auto take_frames = [&]() {
    while (want_more()) {
      const int rc = avcodec_receive_frame(ctx.get(), frame.get());
      if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return;
      av::check(rc, "decoding a frame", path);
      if (video.frames == 0) {
        video.width = frame->width;
        video.height = frame->height;
      }
      const std::uint64_t needed = std::uint64_t(video.frame_bytes()) * (video.frames + 1);
      SVG2_CHECK(needed <= kMaxDecodedBytes, "cannot read '{}': more than {} GiB of decoded frames ({}x{})",
                 path, kMaxDecodedBytes >> 30, video.width, video.height);
      sws.reset(sws_getCachedContext(
          sws.release(), frame->width, frame->height, AVPixelFormat(frame->format), video.width, video.height,
          AV_PIX_FMT_RGB24, SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT, nullptr, nullptr, nullptr));
      SVG2_CHECK(sws != nullptr, "cannot read '{}': no converter from pixel format {} to RGB", path,
                 av_get_pix_fmt_name(AVPixelFormat(frame->format))
                     ? av_get_pix_fmt_name(AVPixelFormat(frame->format))
                     : "unknown");
      const std::array<int, 5> source = {frame->width, frame->height, frame->format, int(frame->colorspace),
                                         int(frame->color_range)};
      if (source != configured) {  // set the colour matrix when the source changes, not per frame
        set_colorspace(sws.get(), frame.get());
        configured = source;
      }
      video.rgb.resize(video.frame_bytes() * (video.frames + 1));
      std::uint8_t* dst[1] = {video.frame(video.frames)};
      const int dst_stride[1] = {video.width * 3};
      const int rows = sws_scale(sws.get(), frame->data, frame->linesize, 0, frame->height, dst, dst_stride);
      SVG2_CHECK(rows == video.height, "cannot read '{}': colour conversion failed on frame {}", path,
                 video.frames);
      if (frame->pts != AV_NOPTS_VALUE) {
        if (first_pts == AV_NOPTS_VALUE) first_pts = frame->pts;
        end_pts = frame->pts + frame_duration(frame.get());
      }
      ++video.frames;
      av_frame_unref(frame.get());
    }
  };

  while (want_more()) {
    const int rc = av_read_frame(in.format.get(), packet.get());
    if (rc == AVERROR_EOF) break;
    av::check(rc, "reading the video", path);
    if (packet->stream_index == in.stream->index) {
      const int sent = avcodec_send_packet(ctx.get(), packet.get());
      av_packet_unref(packet.get());
      av::check(sent, "decoding a frame", path);
      take_frames();
    } else {
      av_packet_unref(packet.get());
    }
  }
  if (want_more()) {
    av::check(avcodec_send_packet(ctx.get(), nullptr), "finishing decoding", path);
    take_frames();
  }
  SVG2_CHECK(video.frames > 0, "'{}' holds no decodable video frames", path);

  video.fps = stored_fps(in.stream);
  if (is_gif && end_pts > first_pts && first_pts != AV_NOPTS_VALUE)
    video.fps = tidy_fps(video.frames / (double(end_pts - first_pts) * av_q2d(in.stream->time_base)));
  if (!(video.fps > 0)) video.fps = 16.0;
  return video;
}

}  // namespace svg2::media

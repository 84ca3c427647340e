// Encoding svg2::Video through FFmpeg's libraries: H.264/H.265 in MP4, VP9 in WebM, GIF.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <vector>

extern "C" {
#include <libavutil/dict.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
}

#include "core/check.h"
#include "core/log.h"
#include "media/codec_backend.h"
#include "media/ffmpeg/av_util.h"
#include "media/gif_palette.h"
#include "svg2/error.h"

namespace svg2::media {
namespace {

const char* muxer_name(VideoFormat format) {
  switch (format) {
    case VideoFormat::Mp4H264:
    case VideoFormat::Mp4H265:
      return "mp4";
    case VideoFormat::WebmVp9:
      return "webm";
    case VideoFormat::Gif:
      return "gif";
    default:
      return nullptr;
  }
}

bool needs_even_size(VideoFormat format) {
  // 4:2:0 chroma in H.264/H.265 needs even sizes; VP9 and GIF store odd sizes exactly.
  return format == VideoFormat::Mp4H264 || format == VideoFormat::Mp4H265;
}

struct Dict {
  AVDictionary* d = nullptr;
  ~Dict() { av_dict_free(&d); }
  void set(const char* key, const std::string& value) { av_dict_set(&d, key, value.c_str(), 0); }
};

// Copies frame `f` into an even-sized RGB buffer, repeating the last column and row.
void padded_rgb(const Video& v, int f, int width, int height, std::vector<std::uint8_t>& out) {
  out.resize(std::size_t(width) * height * 3);
  const std::uint8_t* src = v.frame(f);
  for (int y = 0; y < height; ++y) {
    const std::uint8_t* row = src + std::size_t(std::min(y, v.height - 1)) * v.width * 3;
    std::uint8_t* dst = out.data() + std::size_t(y) * width * 3;
    std::memcpy(dst, row, std::size_t(v.width) * 3);
    for (int x = v.width; x < width; ++x) std::memcpy(dst + x * 3, row + (v.width - 1) * 3, 3);
  }
}

void fsync_file(const std::filesystem::path& path, const std::string& display) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  SVG2_CHECK(fd >= 0, "cannot reopen '{}' to flush it: {}", display, std::strerror(errno));
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  SVG2_CHECK(rc == 0, "cannot flush '{}' to disk: {}", display, std::strerror(err));
}

class Encoder {
 public:
  explicit Encoder(const EncodeJob& job) : job_(job), path_(job.display_path) {}

  EncodeOutcome run() {
    av::route_log_to_engine();
    const Video& v = *job_.video;
    outcome_.codec = encoder_name(job_.format);
    const AVCodec* codec = avcodec_find_encoder_by_name(outcome_.codec.c_str());
    SVG2_CHECK(codec != nullptr, "cannot export '{}': this FFmpeg build has no '{}' encoder (needed for {})",
               path_, outcome_.codec, to_string(job_.format));
    outcome_.width = needs_even_size(job_.format) ? (v.width + 1) / 2 * 2 : v.width;
    outcome_.height = needs_even_size(job_.format) ? (v.height + 1) / 2 * 2 : v.height;
    outcome_.padded = outcome_.width != v.width || outcome_.height != v.height;
    gif_ = job_.format == VideoFormat::Gif;

    AVFormatContext* raw_out = nullptr;
    av::check(avformat_alloc_output_context2(&raw_out, nullptr, muxer_name(job_.format), job_.output.c_str()),
              "creating the output container", path_);
    out_.reset(raw_out);
    open_codec(codec);
    AVStream* stream = avformat_new_stream(out_.get(), nullptr);
    SVG2_CHECK(stream != nullptr, "cannot export '{}': out of memory creating the video stream", path_);
    stream_ = stream;
    av::check(avcodec_parameters_from_context(stream->codecpar, ctx_.get()), "setting the stream parameters",
              path_);
    stream->time_base = ctx_->time_base;
    stream->avg_frame_rate = ctx_->framerate;
    if (job_.format == VideoFormat::Mp4H265)
      stream->codecpar->codec_tag = MKTAG('h', 'v', 'c', '1');  // Apple players

    av::check(avio_open(&out_->pb, job_.output.c_str(), AVIO_FLAG_WRITE), "opening the output file", path_);
    Dict mux;
    if (muxer_name(job_.format) == std::string("mp4"))
      mux.set("movflags", "+faststart");  // playable while loading
    if (gif_) mux.set("loop", "0");       // loop forever
    av::check(avformat_write_header(out_.get(), &mux.d), "writing the container header", path_);

    encode_frames();
    send(nullptr);  // flush the encoder
    av::check(av_write_trailer(out_.get()), "finishing the container", path_);
    const int io_error = out_->pb->error;
    av::check(avio_closep(&out_->pb), "closing the output file", path_);
    av::check(io_error, "writing the output file", path_);
    fsync_file(job_.output, path_);
    return outcome_;
  }

 private:
  void open_codec(const AVCodec* codec) {
    ctx_.reset(avcodec_alloc_context3(codec));
    SVG2_CHECK(ctx_ != nullptr, "cannot export '{}': out of memory creating the encoder", path_);
    ctx_->width = outcome_.width;
    ctx_->height = outcome_.height;
    const AVRational rate = av_d2q(job_.fps, 1001000);
    ctx_->framerate = rate;
    // GIF delays are in centiseconds; the others count whole frames.
    ctx_->time_base = gif_ ? AVRational{1, 100} : av_inv_q(rate);
    ctx_->pix_fmt = gif_ ? AV_PIX_FMT_PAL8 : AV_PIX_FMT_YUV420P;
    ctx_->thread_count = 0;
    if (!gif_) {
      // Converted with BT.709 coefficients, limited range, and tagged so players agree.
      ctx_->colorspace = AVCOL_SPC_BT709;
      ctx_->color_primaries = AVCOL_PRI_BT709;
      ctx_->color_trc = AVCOL_TRC_BT709;
      ctx_->color_range = AVCOL_RANGE_MPEG;
    }
    if (out_->oformat->flags & AVFMT_GLOBALHEADER) ctx_->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    Dict opts;
    const std::string crf = std::to_string(job_.quality);
    switch (job_.format) {
      case VideoFormat::Mp4H264:
        opts.set("crf", crf);
        opts.set("preset", "medium");
        break;
      case VideoFormat::Mp4H265:
        opts.set("crf", crf);
        opts.set("preset", "medium");
        // libx265 3.5's cu-tree writes past a buffer on frames narrower than 64 pixels (seen
        // with valgrind at widths 18..48); such tiny clips lose nothing by going without it.
        opts.set("x265-params", outcome_.width < 64 ? "log-level=error:cutree=0" : "log-level=error");
        break;
      case VideoFormat::WebmVp9:
        ctx_->bit_rate = 0;  // constant quality
        opts.set("crf", crf);
        opts.set("deadline", "good");
        opts.set("cpu-used", "4");  // a fair speed/size trade on CPUs; quality comes from the CRF
        opts.set("row-mt", "1");
        break;
      default:
        break;
    }
    av::check(avcodec_open2(ctx_.get(), codec, &opts.d),
              fmt::format("opening the {} encoder", outcome_.codec), path_);
    for (const AVDictionaryEntry* e = nullptr; (e = av_dict_get(opts.d, "", e, AV_DICT_IGNORE_SUFFIX));)
      log_warn("export '{}': encoder {} ignored option {}={}", path_, outcome_.codec, e->key, e->value);
  }

  std::int64_t pts_of(std::int64_t frame) const {
    return gif_ ? std::llround(double(frame) * 100.0 / job_.fps) : frame;
  }

  void encode_frames() {
    const Video& v = *job_.video;
    av::FramePtr frame = av::alloc_frame();
    frame->format = ctx_->pix_fmt;
    frame->width = ctx_->width;
    frame->height = ctx_->height;
    if (!gif_) {
      frame->colorspace = ctx_->colorspace;
      frame->color_range = ctx_->color_range;
      frame->color_primaries = ctx_->color_primaries;
      frame->color_trc = ctx_->color_trc;
    }
    av::check(av_frame_get_buffer(frame.get(), 0), "allocating a frame", path_);

    av::SwsPtr sws;
    Palette palette;
    std::unique_ptr<PaletteMapper> mapper;
    if (gif_) {
      // 255 colours: FFmpeg's GIF encoder uses the transparent 256th entry to skip pixels that
      // did not change since the previous frame (much smaller files).
      palette = build_palette(v, job_.first_frame, job_.frame_count, 255);
      mapper = std::make_unique<PaletteMapper>(palette);
    } else {
      sws.reset(sws_getContext(ctx_->width, ctx_->height, AV_PIX_FMT_RGB24, ctx_->width, ctx_->height,
                               AV_PIX_FMT_YUV420P, SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INP,
                               nullptr, nullptr, nullptr));
      SVG2_CHECK(sws != nullptr, "cannot export '{}': no RGB to YUV converter for {}x{}", path_, ctx_->width,
                 ctx_->height);
      const int* bt709 = sws_getCoefficients(SWS_CS_ITU709);
      sws_setColorspaceDetails(sws.get(), bt709, 1, bt709, 0, 0, 1 << 16, 1 << 16);
    }

    std::vector<std::uint8_t> rgb;
    for (int i = 0; i < job_.frame_count; ++i) {
      av::check(av_frame_make_writable(frame.get()), "preparing a frame", path_);
      const int f = job_.first_frame + i;
      if (gif_) {
        mapper->map(v.frame(f), v.width, v.height, frame->data[0], frame->linesize[0]);
        auto* pal = reinterpret_cast<std::uint32_t*>(frame->data[1]);
        for (int k = 0; k < 256; ++k) {
          const bool used = k < int(palette.colors.size());
          pal[k] = used ? (0xFFu << 24) | (std::uint32_t(palette.colors[k][0]) << 16) |
                              (std::uint32_t(palette.colors[k][1]) << 8) | palette.colors[k][2]
                        : 0;  // transparent
        }
      } else {
        const std::uint8_t* src = v.frame(f);
        if (outcome_.padded) {
          padded_rgb(v, f, ctx_->width, ctx_->height, rgb);
          src = rgb.data();
        }
        const std::uint8_t* planes[1] = {src};
        const int strides[1] = {ctx_->width * 3};
        const int rows = sws_scale(sws.get(), planes, strides, 0, ctx_->height, frame->data, frame->linesize);
        SVG2_CHECK(rows == ctx_->height, "cannot export '{}': colour conversion failed on frame {}", path_,
                   f);
      }
      frame->pts = pts_of(i);
      send(frame.get());
      if (job_.progress && !job_.progress(i + 1, job_.frame_count)) throw Cancelled();
    }
  }

  // Sends a frame (nullptr = flush) and writes every packet the encoder returns.
  void send(const AVFrame* frame) {
    av::check(avcodec_send_frame(ctx_.get(), frame), "encoding a frame", path_);
    av::PacketPtr packet = av::alloc_packet();
    while (true) {
      const int rc = avcodec_receive_packet(ctx_.get(), packet.get());
      if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return;
      av::check(rc, "encoding a frame", path_);
      // A constant frame rate: each packet lasts until the next frame's timestamp.
      const std::int64_t index = gif_ ? std::llround(double(packet->pts) * job_.fps / 100.0) : packet->pts;
      packet->duration = pts_of(index + 1) - pts_of(index);
      av_packet_rescale_ts(packet.get(), ctx_->time_base, stream_->time_base);
      packet->stream_index = stream_->index;
      av::check(av_interleaved_write_frame(out_.get(), packet.get()), "writing a packet", path_);
    }
  }

  const EncodeJob& job_;
  const std::string path_;
  EncodeOutcome outcome_;
  bool gif_ = false;
  av::OutputPtr out_;
  av::CodecContextPtr ctx_;
  AVStream* stream_ = nullptr;
};

}  // namespace

bool ffmpeg_has_encoder(VideoFormat format) {
  return avcodec_find_encoder_by_name(encoder_name(format).c_str()) != nullptr;
}

EncodeOutcome ffmpeg_encode(const EncodeJob& job) {
  return Encoder(job).run();
}

}  // namespace svg2::media

// Side-by-side composition and the pixel font: layout, labels actually drawn, export.
#include <gtest/gtest.h>

#include "media_test_util.h"
#include "svg2/build_config.h"
#include "svg2/error.h"
#include "svg2/media.h"

namespace svg2 {
namespace {

using test::ScratchDir;

Video solid(int frames, int w, int h, std::uint8_t r, std::uint8_t g, std::uint8_t b) {
  Video v;
  v.frames = frames, v.width = w, v.height = h;
  v.rgb.resize(v.frame_bytes() * frames);
  for (std::size_t i = 0; i < v.rgb.size(); i += 3) v.rgb[i] = r, v.rgb[i + 1] = g, v.rgb[i + 2] = b;
  return v;
}

// Pixels of exactly `c` inside the rectangle.
int count_color(const Video& v, int frame, int x0, int y0, int x1, int y1, Rgb c) {
  int n = 0;
  for (int y = y0; y < y1; ++y)
    for (int x = x0; x < x1; ++x) {
      const std::uint8_t* p = v.frame(frame) + (std::size_t(y) * v.width + x) * 3;
      n += p[0] == c.r && p[1] == c.g && p[2] == c.b;
    }
  return n;
}

TEST(MediaText, WidthHeightAndPixels) {
  EXPECT_EQ(text_width("", 1), 0);
  EXPECT_EQ(text_width("A", 1), 5);
  EXPECT_EQ(text_width("AB", 1), 11);
  EXPECT_EQ(text_width("AB", 3), 33);
  EXPECT_EQ(text_width("2.1\u00D7", 1), 23);  // × is one glyph, not two bytes
  EXPECT_EQ(text_height(2), 18);
  Image img{12, 9, std::vector<std::uint8_t>(12 * 9 * 3, 0)};
  draw_text(img, 0, 0, "I", 1, Rgb{255, 0, 0});
  // 'I' is ".###." on its top row and "..#.." below.
  EXPECT_EQ(img.rgb[(0 * 12 + 1) * 3], 255);
  EXPECT_EQ(img.rgb[(0 * 12 + 0) * 3], 0);
  EXPECT_EQ(img.rgb[(3 * 12 + 2) * 3], 255);
  EXPECT_EQ(img.rgb[(3 * 12 + 1) * 3], 0);
  draw_text(img, 10, 5, "WWW", 4, Rgb{0, 255, 0});  // clipped, no crash
  EXPECT_THROW(draw_text(img, 0, 0, "x", 0, Rgb{}), Error);
}

TEST(MediaSideBySide, LayoutLabelsAndContent) {
  const Video dense = solid(5, 120, 80, 200, 10, 10), sparse = solid(3, 120, 80, 10, 10, 200);
  SideBySideOptions o;
  o.label_color = Rgb{255, 255, 0};
  o.caption_color = Rgb{0, 255, 255};
  const Video out =
      side_by_side({{&dense, "Dense", "DiT 80.0 s"}, {&sparse, "SVG2", speed_caption(41.2, 2.1, 0.31)}}, o);
  EXPECT_EQ(out.frames, 5);
  EXPECT_EQ(out.width, 120 + o.gap + 120);
  const int header = out.height - 80;
  EXPECT_GT(header, text_height(1) * 2);  // room for a label and a caption line
  EXPECT_DOUBLE_EQ(out.fps, dense.fps);

  // Labels and captions are drawn in each panel's half of the header.
  EXPECT_GT(count_color(out, 0, 0, 0, 120, header, o.label_color), 20);
  EXPECT_GT(count_color(out, 0, 128, 0, 248, header, o.label_color), 20);
  EXPECT_GT(count_color(out, 0, 0, 0, 120, header, o.caption_color), 20);
  EXPECT_GT(count_color(out, 0, 128, 0, 248, header, o.caption_color), 20);
  EXPECT_EQ(count_color(out, 0, 0, header, out.width, out.height, o.label_color), 0);  // no text on the video

  // The videos sit below the header; the shorter one holds its last frame.
  EXPECT_EQ(count_color(out, 4, 0, header, 120, out.height, Rgb{200, 10, 10}), 120 * 80);
  EXPECT_EQ(count_color(out, 4, 128, header, 248, out.height, Rgb{10, 10, 200}), 120 * 80);
  EXPECT_EQ(count_color(out, 0, 120, header, 128, out.height, o.background), 8 * 80);  // the gap
}

TEST(MediaSideBySide, LongCaptionsShrinkOrAreCutAndDifferentHeightsAreCentred) {
  const Video a = solid(2, 60, 40, 50, 50, 50), b = solid(2, 60, 20, 90, 90, 90);
  const std::string long_caption = "a caption far too long to fit in sixty pixels at any scale";
  const Video out = side_by_side({{&a, "Dense", long_caption}, {&b, "SVG2", "ok"}});
  EXPECT_EQ(out.width, 128);
  const int header = out.height - 40;
  // b (20 rows) is centred in the 40-row band: rows 10..29 below the header.
  EXPECT_EQ(count_color(out, 0, 68, header + 10, 128, header + 30, Rgb{90, 90, 90}), 60 * 20);
  EXPECT_EQ(count_color(out, 0, 68, header, 128, header + 10, Rgb{18, 18, 18}), 60 * 10);
}

TEST(MediaSideBySide, CaptionFormat) {
  EXPECT_EQ(speed_caption(41.2, 2.1, 0.31), "DiT 41.2 s \u00B7 2.1\u00D7 \u00B7 density 31%");
  EXPECT_EQ(speed_caption(80.04), "DiT 80.0 s");
  EXPECT_EQ(speed_caption(-1, -1, 0.5), "density 50%");
}

TEST(MediaSideBySide, BadPanelsAreClearErrors) {
  const Video a = solid(2, 16, 16, 0, 0, 0);
  EXPECT_THROW(side_by_side({}), Error);
  EXPECT_THROW(side_by_side({{nullptr, "x", ""}}), Error);
  Video broken = a;
  broken.rgb.resize(5);
  EXPECT_THROW(side_by_side({{&a, "a", ""}, {&broken, "b", ""}}), Error);
}

// Every format this build can write (PNG frames everywhere; the encoded ones with FFmpeg).
TEST(MediaSideBySide, ExportsAsVideoAndKeepsLabels) {
  const Video a = test::synthetic_clip(9, 96, 64), b = test::synthetic_clip(9, 96, 64);
  SideBySideOptions o;
  o.label_color = Rgb{255, 255, 255};
  const Video sbs = side_by_side({{&a, "Dense", "DiT 10.0 s"}, {&b, "SVG2", speed_caption(5, 2, 0.3)}}, o);
  for (VideoFormat format :
       {VideoFormat::Mp4H264, VideoFormat::WebmVp9, VideoFormat::Gif, VideoFormat::PngSequence}) {
    if (!video_format_available(format)) continue;
    SCOPED_TRACE(to_string(format));
    ScratchDir dir;
    const ExportResult r =
        export_video(sbs, (dir / ("sbs" + file_extension(format))).string(), {.format = format});
    EXPECT_EQ(r.width, format == VideoFormat::Mp4H264 ? (sbs.width + 1) / 2 * 2 : sbs.width);
    const Video back = read_video(r.path);
    EXPECT_EQ(back.frames, 9);
    // The header survives compression: bright label pixels in the top band of both halves.
    int bright_left = 0, bright_right = 0;
    const int header = sbs.height - 64;
    for (int y = 0; y < header; ++y)
      for (int x = 0; x < back.width; ++x) {
        const std::uint8_t* p = back.frame(0) + (std::size_t(y) * back.width + x) * 3;
        if (p[0] > 200 && p[1] > 200 && p[2] > 200) (x < 96 ? bright_left : bright_right)++;
      }
    EXPECT_GT(bright_left, 15);
    EXPECT_GT(bright_right, 15);
  }
}

}  // namespace
}  // namespace svg2

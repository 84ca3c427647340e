// Format names, extensions, quality scales, and what a build without FFmpeg says.
#include <gtest/gtest.h>

#include "media_test_util.h"
#include "svg2/build_config.h"
#include "svg2/error.h"
#include "svg2/media.h"

namespace svg2 {
namespace {

TEST(MediaFormats, NamesRoundTripAndAliases) {
  for (VideoFormat f : {VideoFormat::Mp4H264, VideoFormat::Mp4H265, VideoFormat::WebmVp9, VideoFormat::Gif,
                        VideoFormat::PngSequence})
    EXPECT_EQ(video_format_from_string(to_string(f)), f);
  EXPECT_EQ(video_format_from_string("H264"), VideoFormat::Mp4H264);
  EXPECT_EQ(video_format_from_string("hevc"), VideoFormat::Mp4H265);
  EXPECT_EQ(video_format_from_string("vp9"), VideoFormat::WebmVp9);
  try {
    video_format_from_string("mov");
    FAIL() << "expected svg2::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("mp4, h265, webm, gif, png"), std::string::npos) << e.what();
  }
}

TEST(MediaFormats, PathsAndExtensions) {
  EXPECT_EQ(video_format_for_path("out/clip.MP4"), VideoFormat::Mp4H264);
  EXPECT_EQ(video_format_for_path("clip.webm"), VideoFormat::WebmVp9);
  EXPECT_EQ(video_format_for_path("clip.gif"), VideoFormat::Gif);
  EXPECT_EQ(video_format_for_path("frames"), VideoFormat::PngSequence);
  EXPECT_THROW(video_format_for_path("clip.avi"), Error);
  EXPECT_EQ(file_extension(VideoFormat::Mp4H265), ".mp4");
  EXPECT_EQ(file_extension(VideoFormat::PngSequence), "");
}

TEST(MediaFormats, QualityScales) {
  EXPECT_EQ(quality_range(VideoFormat::Mp4H264).default_value, 18);
  EXPECT_EQ(quality_range(VideoFormat::Mp4H264).worst, 51);
  EXPECT_EQ(quality_range(VideoFormat::WebmVp9).worst, 63);
  EXPECT_FALSE(quality_range(VideoFormat::Gif).applies);
  EXPECT_FALSE(quality_range(VideoFormat::PngSequence).applies);
}

TEST(MediaFormats, AvailabilityMatchesTheBuild) {
  EXPECT_TRUE(video_format_available(VideoFormat::PngSequence));
  EXPECT_EQ(video_format_available(VideoFormat::Mp4H264), bool(SVG2_HAVE_FFMPEG));
#if !SVG2_HAVE_FFMPEG
  test::ScratchDir dir;
  try {
    export_video(test::synthetic_clip(2, 8, 8), (dir / "a.mp4").string());
    FAIL() << "expected svg2::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("needs FFmpeg"), std::string::npos) << e.what();
  }
  EXPECT_EQ(test::count_entries(dir.path()), 0);
#endif
}

}  // namespace
}  // namespace svg2

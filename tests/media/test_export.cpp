// Export and import: encode -> decode round trips per format, odd sizes, frame ranges, and the
// atomic-write guarantees (failure leaves nothing partial and existing files intact).
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "media_test_util.h"
#include "svg2/build_config.h"
#include "svg2/error.h"
#include "svg2/media.h"

namespace svg2 {
namespace {

namespace fs = std::filesystem;
using test::ScratchDir;

// Floors: 4:2:0 chroma on the synthetic clip's saturated edges caps lossy formats near 34 dB.
// Mean PSNR of `decoded` against frames [first, first + decoded.frames) of `original`, over the
// original's size (padding, if any, is cropped away).
double mean_psnr(const Video& original, const Video& decoded, int first = 0) {
  double total = 0;
  std::vector<std::uint8_t> crop(original.frame_bytes());
  for (int f = 0; f < decoded.frames; ++f) {
    for (int y = 0; y < original.height; ++y)
      std::memcpy(&crop[std::size_t(y) * original.width * 3],
                  decoded.frame(f) + std::size_t(y) * decoded.width * 3, std::size_t(original.width) * 3);
    total +=
        std::min(99.0, frame_psnr(original.frame(first + f), crop.data(), original.width, original.height));
  }
  return total / decoded.frames;
}

struct FormatCase {
  VideoFormat format;
  double psnr_floor;
};

class RoundTrip : public ::testing::TestWithParam<FormatCase> {};

TEST_P(RoundTrip, PreservesFramesSizeRateAndContent) {
  const auto [format, floor] = GetParam();
  if (!video_format_available(format)) GTEST_FAIL() << to_string(format) << " is not available in this build";
  ScratchDir dir;
  const Video clip = test::synthetic_clip(17, 64, 48);
  const std::string out = (dir / ("clip" + file_extension(format))).string();
  const ExportResult r = export_video(clip, out, {.format = format});
  EXPECT_EQ(r.path, out);
  EXPECT_EQ(r.frames, 17);
  EXPECT_EQ(r.width, 64);
  EXPECT_EQ(r.height, 48);
  EXPECT_FALSE(r.padded);
  EXPECT_GT(r.bytes, 0u);
  EXPECT_DOUBLE_EQ(r.fps, 16.0);

  const VideoInfo info = probe_video(out);
  EXPECT_EQ(info.frames, 17);
  EXPECT_EQ(info.width, 64);
  EXPECT_EQ(info.height, 48);
  EXPECT_NEAR(info.fps, 16.0, 1e-9);

  const Video back = read_video(out);
  ASSERT_EQ(back.frames, 17);
  ASSERT_EQ(back.width, 64);
  ASSERT_EQ(back.height, 48);
  EXPECT_NEAR(back.fps, 16.0, 1e-9);
  const double psnr = mean_psnr(clip, back);
  EXPECT_GT(psnr, floor) << to_string(format);
  std::printf("[ round trip ] %s: %llu bytes, mean PSNR %.2f dB\n", to_string(format).c_str(),
              static_cast<unsigned long long>(r.bytes), psnr);
}

INSTANTIATE_TEST_SUITE_P(Formats, RoundTrip,
                         ::testing::Values(FormatCase{VideoFormat::Mp4H264, 32},
                                           FormatCase{VideoFormat::Mp4H265, 32},
                                           FormatCase{VideoFormat::WebmVp9, 31},
                                           FormatCase{VideoFormat::Gif, 28},
                                           FormatCase{VideoFormat::PngSequence, 98}),
                         [](const auto& info) { return to_string(info.param.format); });

class OddSize : public ::testing::TestWithParam<VideoFormat> {};

TEST_P(OddSize, IsPaddedForYuv420AndExactOtherwise) {
  const VideoFormat format = GetParam();
  ScratchDir dir;
  const Video clip = test::synthetic_clip(5, 33, 17);
  const std::string out = (dir / ("odd" + file_extension(format))).string();
  const ExportResult r = export_video(clip, out, {.format = format});
  const bool pads = format == VideoFormat::Mp4H264 || format == VideoFormat::Mp4H265;
  EXPECT_EQ(r.padded, pads);
  EXPECT_EQ(r.width, pads ? 34 : 33);
  EXPECT_EQ(r.height, pads ? 18 : 17);
  const Video back = read_video(out);
  EXPECT_EQ(back.frames, 5);
  EXPECT_EQ(back.width, r.width);
  EXPECT_EQ(back.height, r.height);
  EXPECT_GT(mean_psnr(clip, back), 26.0);
}

INSTANTIATE_TEST_SUITE_P(Formats, OddSize,
                         ::testing::Values(VideoFormat::Mp4H264, VideoFormat::Mp4H265, VideoFormat::WebmVp9,
                                           VideoFormat::Gif, VideoFormat::PngSequence),
                         [](const auto& info) { return to_string(info.param); });

TEST(MediaExport, FrameRangeAndFpsAreHonoured) {
  ScratchDir dir;
  const Video clip = test::synthetic_clip(20, 48, 32);
  const ExportResult r =
      export_video(clip, (dir / "part.mp4").string(), {.fps = 24, .first_frame = 3, .last_frame = 10});
  EXPECT_EQ(r.frames, 8);
  const Video back = read_video(r.path);
  ASSERT_EQ(back.frames, 8);
  EXPECT_NEAR(back.fps, 24.0, 1e-9);
  EXPECT_GT(mean_psnr(clip, back, 3), 30.0);                          // frame i of the output is frame 3 + i
  EXPECT_LT(mean_psnr(clip, back, 0), mean_psnr(clip, back, 3) - 5);  // and not frame i

  const ExportResult gif =
      export_video(clip, (dir / "part.gif").string(), {.format = VideoFormat::Gif, .fps = 10});
  EXPECT_NEAR(read_video(gif.path).fps, 10.0, 1e-9);
}

TEST(MediaExport, QualityChangesSizeAndIsRangeChecked) {
  ScratchDir dir;
  const Video clip = test::synthetic_clip(9, 64, 48);
  const auto fine = export_video(clip, (dir / "fine.mp4").string(), {.quality = 10});
  const auto coarse = export_video(clip, (dir / "coarse.mp4").string(), {.quality = 40});
  EXPECT_GT(fine.bytes, coarse.bytes);
  EXPECT_GT(mean_psnr(clip, read_video(fine.path)), mean_psnr(clip, read_video(coarse.path)));
  try {
    export_video(clip, (dir / "bad.mp4").string(), {.quality = 52});
    FAIL() << "expected svg2::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("0"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("51"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(dir / "bad.mp4"));
  // Quality does not apply to GIF/PNG and is ignored there.
  EXPECT_NO_THROW(export_video(clip, (dir / "q.gif").string(), {.format = VideoFormat::Gif, .quality = 99}));
}

TEST(MediaExport, BadRequestsAreClearErrors) {
  ScratchDir dir;
  const Video clip = test::synthetic_clip(4, 16, 16);
  auto error_of = [&](const std::string& path, const ExportOptions& o) -> std::string {
    try {
      export_video(clip, path, o);
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_NE(error_of((dir / "a.mp4").string(), {.first_frame = 2, .last_frame = 9}).find("4 frames"),
            std::string::npos);
  EXPECT_NE(error_of((dir / "a.mp4").string(), {.fps = 500}).find("fps 500"), std::string::npos);
  EXPECT_NE(error_of((dir / "a.mp4").string(), {.fps = -8}).find("fps -8"), std::string::npos);
  EXPECT_NE(error_of((dir / "a.mp4").string(), {.fps = std::nan("")}).find("fps nan"), std::string::npos);
  EXPECT_NE(error_of((dir / "a.mp4").string(), {.quality = -5}).find("quality -5"), std::string::npos);
  EXPECT_NE(error_of((dir / "a.gif").string(), {.format = VideoFormat::Gif, .fps = 60}).find("GIF"),
            std::string::npos);
  EXPECT_NE(error_of((dir / "a.webm").string(), {.format = VideoFormat::Gif}).find("'.gif'"),
            std::string::npos);
  EXPECT_NE(error_of((dir / "missing" / "a.mp4").string(), {}).find("does not exist"), std::string::npos);
  fs::create_directory(dir / "folder.mp4");
  EXPECT_NE(error_of((dir / "folder.mp4").string(), {}).find("is a folder"), std::string::npos);
  Video broken = clip;
  broken.rgb.pop_back();
  EXPECT_THROW(export_video(broken, (dir / "b.mp4").string()), Error);
  EXPECT_THROW(video_format_from_string("avi"), Error);
  EXPECT_EQ(test::count_entries(dir.path()), 1);  // only folder.mp4: nothing else was written
}

TEST(MediaExport, MissingExtensionIsAdded) {
  ScratchDir dir;
  const auto r =
      export_video(test::synthetic_clip(3, 16, 16), (dir / "noext").string(), {.format = VideoFormat::Gif});
  EXPECT_EQ(r.path, (dir / "noext.gif").string());
  EXPECT_TRUE(fs::is_regular_file(r.path));
}

class DiskFull : public ::testing::TestWithParam<VideoFormat> {};

TEST_P(DiskFull, FailsCleanlyAndKeepsTheExistingFile) {
  const VideoFormat format = GetParam();
  ScratchDir dir;
  const std::string target = (dir / ("keep" + file_extension(format))).string();
  const Video small = test::synthetic_clip(3, 16, 16);
  export_video(small, target, {.format = format});
  const std::string before = format == VideoFormat::PngSequence ? "" : test::read_text_file(target);
  const auto files_before = format == VideoFormat::PngSequence ? test::count_entries(target) : 0;

  Video noisy = test::synthetic_clip(12, 96, 64);
  std::mt19937 rng(3);
  for (auto& b : noisy.rgb) b = static_cast<std::uint8_t>(rng());  // incompressible: ~200 KB at least
  {
    test::FileSizeLimit full_disk(16 * 1024);
    try {
      export_video(noisy, target, {.format = format, .quality = quality_range(format).applies ? 0 : -1});
      FAIL() << "expected svg2::Error";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("keep"), std::string::npos) << e.what();
      std::printf("[ disk full ] %s: %s\n", to_string(format).c_str(), e.what());
    }
  }
  if (format == VideoFormat::PngSequence) {
    EXPECT_EQ(test::count_entries(target), files_before);
    EXPECT_EQ(read_video(target).frames, 3);
  } else {
    EXPECT_EQ(test::read_text_file(target), before);
  }
  EXPECT_EQ(test::count_entries(dir.path()), 1) << "a temp file was left behind";
}

INSTANTIATE_TEST_SUITE_P(Formats, DiskFull,
                         ::testing::Values(VideoFormat::Mp4H264, VideoFormat::Mp4H265, VideoFormat::WebmVp9,
                                           VideoFormat::Gif, VideoFormat::PngSequence),
                         [](const auto& info) { return to_string(info.param); });

TEST(MediaExport, ReadOnlyFolderFailsAndKeepsTheExistingFile) {
  ScratchDir dir;
  const std::string target = (dir / "keep.mp4").string();
  const std::string frames = (dir / "frames").string();
  export_video(test::synthetic_clip(3, 16, 16), target);
  export_video(test::synthetic_clip(3, 16, 16), frames, {.format = VideoFormat::PngSequence});
  const std::string before = test::read_text_file(target);
  test::make_read_only(dir.path());
  test::make_read_only(frames);
  {
    test::AsUnprivilegedUser user;
    if (!user.enforced()) GTEST_SKIP() << "running as root and cannot drop to nobody";
    // keep.mp4 exists (H.264 and H.265 would replace it); keep.webm and keep.gif would be new.
    for (VideoFormat format :
         {VideoFormat::Mp4H264, VideoFormat::Mp4H265, VideoFormat::WebmVp9, VideoFormat::Gif}) {
      try {
        export_video(test::synthetic_clip(5, 32, 32), (dir / "keep").string(), {.format = format});
        FAIL() << "expected svg2::Error for " << to_string(format);
      } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("keep" + file_extension(format)), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("ermission"), std::string::npos) << e.what();
      }
    }
    EXPECT_THROW(export_video(test::synthetic_clip(5, 32, 32), frames, {.format = VideoFormat::PngSequence}),
                 Error);
  }
  fs::permissions(dir.path(), fs::perms::owner_all);
  EXPECT_EQ(test::read_text_file(target), before);
  EXPECT_EQ(test::count_entries(dir.path()), 2) << "a temp file or folder was left behind";
  EXPECT_EQ(read_video(frames).frames, 3);
}

TEST(MediaExport, CancelLeavesNothing) {
  ScratchDir dir;
  const Video clip = test::synthetic_clip(10, 32, 32);
  for (VideoFormat format : {VideoFormat::Mp4H264, VideoFormat::PngSequence}) {
    int calls = 0;
    ExportOptions o{.format = format};
    o.progress = [&](int done, int total) {
      EXPECT_EQ(total, 10);
      ++calls;
      return done < 4;
    };
    EXPECT_THROW(export_video(clip, (dir / ("c" + file_extension(format))).string(), o), Cancelled);
    EXPECT_EQ(calls, 4);
  }
  EXPECT_EQ(test::count_entries(dir.path()), 0);
}

TEST(MediaExport, PngSequenceReplacesOnlyAPreviousSequence) {
  ScratchDir dir;
  const std::string seq = (dir / "frames").string();
  export_video(test::synthetic_clip(6, 16, 16), seq, {.format = VideoFormat::PngSequence});
  EXPECT_EQ(test::count_entries(seq), 6);
  export_video(test::synthetic_clip(3, 16, 16), seq, {.format = VideoFormat::PngSequence});
  EXPECT_EQ(test::count_entries(seq), 3);  // replaced as a whole: no stale frames 3..5
  EXPECT_EQ(read_video(seq).frames, 3);

  fs::create_directory(dir / "mine");
  std::ofstream(dir / "mine" / "notes.txt") << "keep me";
  try {
    export_video(test::synthetic_clip(2, 8, 8), (dir / "mine").string(),
                 {.format = VideoFormat::PngSequence});
    FAIL() << "expected svg2::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("notes.txt"), std::string::npos) << e.what();
  }
  EXPECT_EQ(test::read_text_file(dir / "mine" / "notes.txt"), "keep me");
  EXPECT_THROW(export_video(test::synthetic_clip(2, 8, 8), (dir / "x.png").string(),
                            {.format = VideoFormat::PngSequence}),
               Error);
}

TEST(MediaImport, RenderFolderAndSidecarAreFound) {
  ScratchDir dir;
  fs::create_directory(dir / "render");
  export_video(test::synthetic_clip(5, 32, 32), (dir / "render" / "clip.mp4").string());
  std::ofstream(dir / "render" / "clip.json") << R"({"params": {"seed": 1}})";
  const ClipFiles files = find_clip_files((dir / "render").string());
  EXPECT_EQ(files.video, (dir / "render" / "clip.mp4").string());
  EXPECT_EQ(files.sidecar, (dir / "render" / "clip.json").string());
  EXPECT_EQ(find_clip_files(files.video).sidecar, files.sidecar);
  EXPECT_EQ(read_video((dir / "render").string()).frames, 5);
  EXPECT_EQ(read_video((dir / "render").string(), 2).frames, 2);  // thumbnails stop early

  fs::create_directory(dir / "empty");
  EXPECT_THROW(find_clip_files((dir / "empty").string()), Error);
  EXPECT_THROW(find_clip_files((dir / "nothing-here").string()), Error);
}

TEST(MediaImport, CorruptFilesAreClearErrors) {
  ScratchDir dir;
  const std::string out = (dir / "clip.mp4").string();
  export_video(test::synthetic_clip(8, 32, 32), out);
  const std::string bytes = test::read_text_file(out);
  std::ofstream(dir / "half.mp4", std::ios::binary) << bytes.substr(0, bytes.size() / 3);
  std::ofstream(dir / "text.mp4") << "this is not a video";
  for (const char* name : {"half.mp4", "text.mp4"}) {
    try {
      const Video v = read_video((dir / name).string());
      // A truncated MP4 may still yield its leading frames; it must never crash or invent frames.
      EXPECT_LE(v.frames, 8) << name;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace svg2

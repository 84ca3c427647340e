// PNG writer/reader: round trip, independent check with Python's zlib, atomic failure cases.
#include <gtest/gtest.h>

#include <fstream>

#include "media/zlib_stream.h"
#include "media_test_util.h"
#include "svg2/error.h"
#include "svg2/media.h"

namespace svg2 {
namespace {

using test::ScratchDir;

Image pattern_image(int width, int height) {
  Image image{width, height, std::vector<std::uint8_t>(std::size_t(width) * height * 3)};
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      std::uint8_t* p = &image.rgb[(std::size_t(y) * width + x) * 3];
      p[0] = static_cast<std::uint8_t>(x * 255 / std::max(1, width - 1));
      p[1] = static_cast<std::uint8_t>((x * 7 + y * 13) % 256);  // noisy: exercises every filter
      p[2] = static_cast<std::uint8_t>(y % 2 ? 255 : 0);
    }
  return image;
}

TEST(MediaPng, RoundTripPreservesEveryPixel) {
  ScratchDir dir;
  for (auto [w, h] : {std::pair{1, 1}, {17, 9}, {64, 31}}) {
    const Image image = pattern_image(w, h);
    const std::string path = (dir / ("img" + std::to_string(w) + ".png")).string();
    write_png(path, image);
    const Image back = read_png(path);
    EXPECT_EQ(back.width, w);
    EXPECT_EQ(back.height, h);
    EXPECT_EQ(back.rgb, image.rgb) << w << "x" << h;
  }
}

TEST(MediaPng, PythonZlibDecodesTheSamePixels) {
  ScratchDir dir;
  const Image image = pattern_image(37, 23);
  write_png((dir / "check.png").string(), image.width, image.height, image.rgb.data());
  {
    std::ofstream raw(dir / "check.rgb", std::ios::binary);
    raw.write(reinterpret_cast<const char*>(image.rgb.data()), std::streamsize(image.rgb.size()));
  }
  std::string output;
  const std::string cmd = test::python_interpreter() + " " +
                          test::shell_quote(std::string(SVG2_SOURCE_DIR) + "/tests/media/png_check.py") +
                          " " + test::shell_quote((dir / "check.png").string()) + " " +
                          test::shell_quote((dir / "check.rgb").string()) + " 37 23";
  ASSERT_EQ(test::run_command(cmd, &output), 0) << output;
  EXPECT_NE(output.find("ok"), std::string::npos) << output;
}

TEST(MediaPng, CompressesSmoothImages) {
  Image flat{256, 256, std::vector<std::uint8_t>(256 * 256 * 3)};
  for (std::size_t i = 0; i < flat.rgb.size(); ++i) flat.rgb[i] = static_cast<std::uint8_t>((i / 3) % 256);
  const std::string png = encode_png(flat.width, flat.height, flat.rgb.data());
  EXPECT_LT(png.size(), flat.rgb.size() / 20);
}

TEST(MediaPng, SizeMismatchIsAClearError) {
  ScratchDir dir;
  std::vector<std::uint8_t> too_small(10 * 10 * 3 - 1);
  try {
    write_png((dir / "bad.png").string(), 10, 10, too_small);
    FAIL() << "expected svg2::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("needs 300 bytes, got 299"), std::string::npos) << e.what();
  }
  EXPECT_THROW(write_png((dir / "zero.png").string(), 0, 5, too_small.data()), Error);
  EXPECT_FALSE(std::filesystem::exists(dir / "bad.png"));
}

TEST(MediaPng, UnwritableFolderThrowsAndExistingFileStaysIntact) {
  ScratchDir dir;
  const Image image = pattern_image(8, 8);
  const auto target = dir / "keep.png";
  write_png(target.string(), image);
  const std::string before = test::read_text_file(target);
  test::make_read_only(dir.path());
  const Image other = pattern_image(16, 16);
  {
    test::AsUnprivilegedUser user;
    if (!user.enforced()) GTEST_SKIP() << "running as root and cannot drop to nobody";
    try {
      write_png(target.string(), other);
      FAIL() << "expected svg2::Error";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("keep.png"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("ermission"), std::string::npos) << e.what();
    }
  }
  std::filesystem::permissions(dir.path(), std::filesystem::perms::owner_all);
  EXPECT_EQ(test::read_text_file(target), before);
  EXPECT_EQ(test::count_entries(dir.path()), 1) << "a temp file was left behind";
}

TEST(MediaPng, DiskFullThrowsAndExistingFileStaysIntact) {
  ScratchDir dir;
  const auto target = dir / "keep.png";
  write_png(target.string(), pattern_image(8, 8));
  const std::string before = test::read_text_file(target);
  Image big = pattern_image(128, 128);
  std::mt19937 rng(7);
  for (auto& byte : big.rgb) byte = static_cast<std::uint8_t>(rng());  // noise: ~48 KiB even compressed
  {
    test::FileSizeLimit full_disk(4096);
    try {
      write_png(target.string(), big);
      FAIL() << "expected svg2::Error";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("keep.png"), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(test::read_text_file(target), before);
  EXPECT_EQ(test::count_entries(dir.path()), 1) << "a temp file was left behind";
}

TEST(MediaPng, MissingFolderIsAClearError) {
  ScratchDir dir;
  try {
    write_png((dir / "no-such-folder" / "a.png").string(), pattern_image(4, 4));
    FAIL() << "expected svg2::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no-such-folder"), std::string::npos) << e.what();
  }
}

TEST(MediaPng, CorruptFilesAreRejectedWithTheirName) {
  ScratchDir dir;
  const Image image = pattern_image(12, 12);
  std::string png = encode_png(image.width, image.height, image.rgb.data());
  auto write_bytes = [&](const std::string& name, const std::string& bytes) {
    std::ofstream(dir / name, std::ios::binary) << bytes;
    return (dir / name).string();
  };
  const std::string truncated = write_bytes("truncated.png", png.substr(0, png.size() / 2));
  std::string flipped = png;
  flipped[png.size() / 2] ^= 0x5A;
  const std::string corrupt = write_bytes("corrupt.png", flipped);
  const std::string not_png = write_bytes("text.png", "hello world, not a png");
  for (const std::string& path : {truncated, corrupt, not_png}) {
    try {
      read_png(path);
      FAIL() << "expected svg2::Error for " << path;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(read_png((dir / "missing.png").string()), Error);
}

TEST(MediaPng, Crc32MatchesTheStandardCheckValue) {
  const std::string text = "123456789";
  EXPECT_EQ(media::crc32(0, reinterpret_cast<const std::uint8_t*>(text.data()), text.size()), 0xCBF43926u);
}

}  // namespace
}  // namespace svg2

// `svg2 export` run as a process: formats, render folders with sidecars, side by side, --json,
// and one-line errors with a non-zero exit code.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <nlohmann/json.hpp>

#include <fstream>

#include "media_test_util.h"
#include "svg2/media.h"

namespace svg2 {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::ScratchDir;

struct CliRun {
  int code = -1;
  std::string out, err;
};

CliRun run_svg2(const std::string& args, const ScratchDir& dir) {
  const fs::path err_file = dir / "stderr.txt";
  std::string out;
  CliRun r;
  r.code = test::run_command(
      // In a subshell: run_command appends 2>&1, which must not override this stderr file.
      "( '" + std::string(SVG2_CLI_PATH) + "' " + args + " 2>'" + err_file.string() + "' )", &out);
  r.out = out;
  r.err = test::read_text_file(err_file);
  return r;
}

// A render folder as the pipeline writes it: clip.mp4 plus clip.json.
void make_render_folder(const fs::path& dir, const std::string& mode, double dit_ms, double density,
                        std::uint8_t tint) {
  fs::create_directories(dir);
  Video v = test::synthetic_clip(6, 64, 48);
  for (std::size_t i = 0; i < v.rgb.size(); i += 3) v.rgb[i] = static_cast<std::uint8_t>(v.rgb[i] / 2 + tint);
  export_video(v, (dir / "clip.mp4").string());
  std::ofstream(dir / "clip.json") << json{
      {"svg2_render", 1},
      {"params", {{"seed", 3}, {"attention", {{"mode", mode}}}}},
      {"video", {{"frames", 6}, {"width", 64}, {"height", 48}, {"fps", 16}}},
      {"timings", {{"total_ms", dit_ms * 1.2}, {"dit_ms", dit_ms}}},
      {"density",
       {{"mean_density", density}}}}.dump(2);
}

TEST(CliExport, ClipToEveryFormatWithJson) {
  ScratchDir dir;
  const std::string clip = (dir / "clip.mp4").string();
  export_video(test::synthetic_clip(8, 48, 32), clip);
  for (const std::string format : {"mp4", "h265", "webm", "gif", "png"}) {
    const std::string out = (dir / ("out-" + format)).string();
    const CliRun r = run_svg2(
        "--json export --input '" + clip + "' --format " + format + " --out '" + out + "' --from 2", dir);
    ASSERT_EQ(r.code, 0) << format << ": " << r.err << r.out;
    const json j = json::parse(r.out);
    EXPECT_EQ(j.at("ok"), true);
    EXPECT_EQ(j.at("format"), format);
    EXPECT_EQ(j.at("frames"), 6);
    EXPECT_EQ(j.at("width"), 48);
    EXPECT_EQ(j.at("fps"), 16.0);
    EXPECT_GT(j.at("bytes").get<std::uint64_t>(), 0u);
    const std::string path = j.at("path");
    EXPECT_EQ(path, out + file_extension(video_format_from_string(format)));
    EXPECT_EQ(read_video(path).frames, 6);
  }
}

TEST(CliExport, HumanOutputAndOptions) {
  ScratchDir dir;
  const std::string clip = (dir / "clip.mp4").string();
  export_video(test::synthetic_clip(8, 48, 32), clip);
  const CliRun r =
      run_svg2("export -i '" + clip + "' -o '" + (dir / "small.gif").string() + "' --fps 8 --to 3", dir);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("wrote"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("4 frames 48x32 at 8 fps"), std::string::npos) << r.out;
  const Video gif = read_video((dir / "small.gif").string());
  EXPECT_EQ(gif.frames, 4);
  EXPECT_NEAR(gif.fps, 8.0, 1e-9);
}

TEST(CliExport, SideBySideFromRenderFoldersUsesSidecars) {
  ScratchDir dir;
  make_render_folder(dir / "dense", "dense", 8000, 1.0, 20);
  make_render_folder(dir / "sparse", "svg2", 4000, 0.31, 60);
  const std::string out = (dir / "sbs.mp4").string();
  const CliRun r = run_svg2("--json export --side-by-side '" + (dir / "dense").string() + "' '" +
                                (dir / "sparse").string() + "' --diff --out '" + out + "'",
                            dir);
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  const json j = json::parse(r.out);
  const json& inputs = j.at("inputs");
  ASSERT_EQ(inputs.size(), 3u);
  EXPECT_EQ(inputs[0].at("label"), "Dense");
  EXPECT_EQ(inputs[0].at("caption"), "DiT 8.0 s");
  EXPECT_EQ(inputs[1].at("label"), "SVG2");
  EXPECT_EQ(inputs[1].at("caption"), "DiT 4.0 s \u00B7 2.0\u00D7 \u00B7 density 31%");
  EXPECT_GT(inputs[2].at("mean_psnr").get<double>(), 5.0);
  EXPECT_EQ(j.at("width"), 64 * 3 + 2 * 8);
  EXPECT_GT(j.at("height").get<int>(), 48);
  EXPECT_EQ(read_video(out).frames, 6);

  const CliRun custom = run_svg2(
      "export --side-by-side '" + (dir / "dense").string() + "' '" + (dir / "sparse").string() +
          "' --labels 'A,B' --captions 'first, slow|second' --out '" + (dir / "ab.webm").string() + "'",
      dir);
  ASSERT_EQ(custom.code, 0) << custom.err;
  EXPECT_TRUE(fs::exists(dir / "ab.webm"));
}

TEST(CliExport, ErrorsAreOneLineWithExitCode) {
  ScratchDir dir;
  const std::string clip = (dir / "clip.mp4").string();
  export_video(test::synthetic_clip(4, 32, 32), clip);
  struct Case {
    std::string args, expect;
  };
  const std::vector<Case> cases = {
      {"export --input '" + (dir / "missing.mp4").string() + "' --out '" + (dir / "x.mp4").string() + "'",
       "does not exist"},
      {"export --input '" + clip + "' --out '" + (dir / "x.mp4").string() + "' --format avi", "allowed are"},
      {"export --input '" + clip + "' --out '" + (dir / "x.mp4").string() + "' --from 2 --to 9", "4 frames"},
      {"export --input '" + clip + "' --out '" + (dir / "x.mp4").string() + "' --quality 70",
       "0 (best) to 51"},
      {"export --input '" + clip + "' --out '" + (dir / "x.webm").string() + "' --format gif", "'.gif'"},
      {"export --out '" + (dir / "x.mp4").string() + "'", "nothing to export"},
      {"export --side-by-side '" + clip + "' '" + clip + "' --labels 'one' --out '" +
           (dir / "x.mp4").string() + "'",
       "1 labels for 2 clips"},
  };
  for (const Case& c : cases) {
    const CliRun r = run_svg2(c.args, dir);
    EXPECT_EQ(r.code, 1) << c.args;
    EXPECT_NE(r.err.find("svg2: error:"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(c.expect), std::string::npos) << c.args << "\n" << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
  const CliRun j = run_svg2("--json export --input '" + (dir / "missing.mp4").string() + "' --out '" +
                                (dir / "x.mp4").string() + "'",
                            dir);
  EXPECT_EQ(j.code, 1);
  EXPECT_EQ(json::parse(j.out).at("ok"), false);
  EXPECT_FALSE(fs::exists(dir / "x.mp4"));
}

}  // namespace
}  // namespace svg2

// svg2 render / compare / bench e2e, run as processes.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "pipeline/tiny_model.h"
#include "svg2/media.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct CliRun {
  int code = -1;
  std::string out, err;
};

// Runs `svg2 <args>` with optional environment assignments; captures stdout and stderr.
CliRun run_svg2(const std::string& args, const std::string& env = "") {
  const fs::path err_file = svg2::test::temp_dir("stderr") / "err.txt";
  const std::string command =
      env + " '" + std::string(SVG2_CLI_PATH) + "' " + args + " 2>'" + err_file.string() + "'";
  CliRun r;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return r;
  char buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) r.out.append(buffer, n);
  const int status = ::pclose(pipe);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream in(err_file);
  std::stringstream ss;
  ss << in.rdbuf();
  r.err = ss.str();
  return r;
}

std::string model_arg() {
  return "--model '" + svg2::test::tiny_model_dir().string() + "' --device cpu";
}

}  // namespace

TEST(CliRender, WritesClipAndSidecarAndPrintsJson) {
  const fs::path dir = svg2::test::temp_dir("cli-render");
  const bool mp4 = svg2::video_format_available(svg2::VideoFormat::Mp4H264);
  const fs::path out = dir / (mp4 ? "clip.mp4" : "clip");
  const CliRun r =
      run_svg2("--json render " + model_arg() +
               " --prompt 'a red ball moves left' --seed 4 --attention dense --out '" + out.string() + "'");
  ASSERT_EQ(r.code, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j.at("ok"), true);
  EXPECT_EQ(fs::path(j.at("video_path").get<std::string>()), out);
  EXPECT_EQ(j.at("params").at("seed"), 4);
  EXPECT_EQ(j.at("params").at("prompt"), "a red ball moves left");
  EXPECT_EQ(j.at("video").at("frames"), 5);
  EXPECT_TRUE(fs::exists(out));
  EXPECT_TRUE(fs::exists(dir / "clip.json"));
  const auto info = svg2::probe_video(out.string());
  EXPECT_EQ(info.frames, 5);
  EXPECT_EQ(info.width, 64);
}

TEST(CliRender, ParamsReRunsTheSameRender) {
  const fs::path dir = svg2::test::temp_dir("cli-params");
  CliRun r =
      run_svg2("-q render " + model_arg() + " --prompt 'a green box spins' --seed 8 --steps 2 --out '" +
               (dir / "first").string() + "'");
  ASSERT_EQ(r.code, 0) << r.err;
  r = run_svg2("-q render --params '" + (dir / "first.json").string() + "' --out '" +
               (dir / "second").string() + "'");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto a = svg2::read_video((dir / "first").string());
  const auto b = svg2::read_video((dir / "second").string());
  EXPECT_EQ(a.frames, 5);
  EXPECT_EQ(a.rgb, b.rgb);
  const json first = json::parse(std::ifstream(dir / "first.json"));
  const json second = json::parse(std::ifstream(dir / "second.json"));
  EXPECT_EQ(first.at("params"), second.at("params"));
  // Options given with --params override the sidecar.
  r = run_svg2("--json render --params '" + (dir / "first.json").string() + "' --seed 9 --out '" +
               (dir / "third").string() + "'");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out).at("params").at("seed"), 9);
}

TEST(CliRender, BadInputExitsWithAClearMessage) {
  CliRun r = run_svg2("render " + model_arg() + " --prompt x --frames 32 --out /tmp/never.mp4");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("frames must be 4n+1"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("33"), std::string::npos) << r.err;

  r = run_svg2("--json render " + model_arg() + " --prompt x --size 830x480 --out /tmp/never.mp4");
  EXPECT_EQ(r.code, 1);
  const json j = json::parse(r.out);
  EXPECT_EQ(j.at("ok"), false);
  EXPECT_NE(j.at("error").get<std::string>().find("832"), std::string::npos);

  r = run_svg2("render --model /no/such/model --prompt x");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("/no/such/model"), std::string::npos) << r.err;

  r = run_svg2("render " + model_arg() + " --prompt x --size big");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("--size"), std::string::npos) << r.err;

  r = run_svg2("render " + model_arg() + " --prompt x --attention fast");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("dense, svg2, block-topk, svg1"), std::string::npos) << r.err;

  r = run_svg2("render " + model_arg() + " --prompt x --dump-qkv nonsense");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("STEP:LAYER:path"), std::string::npos) << r.err;

  r = run_svg2("render --frames");  // CLI11 parse error
  EXPECT_NE(r.code, 0);
}

TEST(CliRender, MissingDemoModelIsExplained) {
  const fs::path empty = svg2::test::temp_dir("no-resources");
  const CliRun r = run_svg2("render --prompt x", "SVG2_RESOURCES='" + empty.string() + "'");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("demo model"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--model"), std::string::npos) << r.err;
}

TEST(CliCompare, ReportsQualityAndReusesTheCachedDenseRender) {
  const fs::path dir = svg2::test::temp_dir("cli-compare");
  const std::string args = "--json compare " + model_arg() +
                           " --prompt 'a white circle moves down' --seed 2 --top-p 0.3 --cache-dir '" +
                           (dir / "cache").string() + "'";
  CliRun r = run_svg2(args + " --out-dir '" + (dir / "out").string() + "' --format png");
  ASSERT_EQ(r.code, 0) << r.err;
  json j = json::parse(r.out);
  EXPECT_EQ(j.at("dense_from_cache"), false);
  EXPECT_EQ(j.at("quality").at("frames").size(), 5u);
  EXPECT_LT(j.at("density").get<double>(), 1.0);
  EXPECT_GT(j.at("speed").at("dense").at("dit_ms").get<double>(), 0);
  EXPECT_TRUE(fs::exists(dir / "out" / "dense.json"));
  EXPECT_TRUE(fs::exists(dir / "out" / "sparse.json"));
  EXPECT_TRUE(fs::is_directory(dir / "out" / "side_by_side"));
  r = run_svg2(args);
  ASSERT_EQ(r.code, 0) << r.err;
  j = json::parse(r.out);
  EXPECT_EQ(j.at("dense_from_cache"), true);
}

TEST(CliBenchE2E, TinyArchitectureOnTheCpu) {
  const CliRun r = run_svg2(
      "--json bench e2e --arch tiny --device cpu --steps 10 --frames 5 --dense-repeats 1 --sparse-repeats 1 "
      "--qc 4 --kc 8");
  ASSERT_EQ(r.code, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j.at("weights"), "random");
  EXPECT_EQ(j.at("totals_from_per_step_times"), true);
  EXPECT_EQ(j.at("schedule").at("dense_steps"), 2);  // 20% of 10
  const double dense = j.at("totals").at("dense_ms"), sparse = j.at("totals").at("sparse_ms");
  EXPECT_GT(dense, 0);
  EXPECT_GT(sparse, 0);
  EXPECT_NEAR(j.at("totals").at("speedup").get<double>(), dense / sparse, 1e-9);
  // The density comes from a recorded sparse step (the timed steps run without telemetry): a
  // run that recorded no sparse call would report 1.
  const double density = j.at("measured").at("density");
  EXPECT_GT(density, 0.0);
  EXPECT_LT(density, 1.0);
  double sum = 0;
  for (const auto& p : j.at("phases")) sum += p.at("ms").get<double>();
  EXPECT_NEAR(sum, sparse, 1e-6 * sparse + 1e-6);
  std::vector<std::string> names;
  for (const auto& p : j.at("phases")) names.push_back(p.at("name"));
  for (const char* n :
       {"text encoder (T5)", "dense warm-up steps", "k-means", "sparse attention", "VAE decode"})
    EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;

  const CliRun text = run_svg2(
      "bench e2e --arch tiny --device cpu --steps 4 --frames 5 --dense-repeats 1 --sparse-repeats 1 "
      "--density 0.5");
  ASSERT_EQ(text.code, 0) << text.err;
  EXPECT_NE(text.out.find("computed from these per-step times"), std::string::npos) << text.out;

  const CliRun bad = run_svg2("bench e2e --arch wan-3b");
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.err.find("wan-1.3b"), std::string::npos) << bad.err;
}

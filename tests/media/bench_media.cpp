// Media speed on the CPU at Wan's sizes: export per format, decode, PSNR+SSIM, side by side.
// Run: build/bench/bench_media [--benchmark_filter=...]. Numbers go to docs/media.md.
#include <benchmark/benchmark.h>

#include <map>
#include <tuple>

#include "media_test_util.h"
#include "svg2/media.h"

namespace {

using namespace svg2;

const Video& clip(int frames, int width, int height) {
  static std::map<std::tuple<int, int, int>, Video> cache;
  auto key = std::make_tuple(frames, width, height);
  auto it = cache.find(key);
  if (it == cache.end()) it = cache.emplace(key, test::synthetic_clip(frames, width, height)).first;
  return it->second;
}

void BM_Export(benchmark::State& state, VideoFormat format) {
  const Video& v = clip(int(state.range(0)), int(state.range(1)), int(state.range(2)));
  test::ScratchDir dir;
  std::uint64_t bytes = 0;
  for (auto _ : state)
    bytes = export_video(v, (dir / ("b" + file_extension(format))).string(), {.format = format}).bytes;
  state.counters["frames/s"] =
      benchmark::Counter(double(v.frames), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["KB"] = double(bytes) / 1024;
}

void BM_Decode(benchmark::State& state) {
  const Video& v = clip(int(state.range(0)), int(state.range(1)), int(state.range(2)));
  test::ScratchDir dir;
  const std::string path = export_video(v, (dir / "d.mp4").string()).path;
  for (auto _ : state) benchmark::DoNotOptimize(read_video(path));
  state.counters["frames/s"] =
      benchmark::Counter(double(v.frames), benchmark::Counter::kIsIterationInvariantRate);
}

void BM_CompareVideos(benchmark::State& state) {
  const Video& a = clip(int(state.range(0)), int(state.range(1)), int(state.range(2)));
  Video b = a;
  for (std::size_t i = 0; i < b.rgb.size(); i += 5) b.rgb[i] ^= 8;
  for (auto _ : state) benchmark::DoNotOptimize(compare_videos(a, b));
  state.counters["frames/s"] =
      benchmark::Counter(double(a.frames), benchmark::Counter::kIsIterationInvariantRate);
}

void BM_SideBySide(benchmark::State& state) {
  const Video& a = clip(int(state.range(0)), int(state.range(1)), int(state.range(2)));
  for (auto _ : state)
    benchmark::DoNotOptimize(
        side_by_side({{&a, "Dense", "DiT 80.3 s"}, {&a, "SVG2", speed_caption(38.2, 2.1, 0.31)}}));
}

// The demo model's clip (33 x 256 x 256) and Wan 1.3B's (81 x 832 x 480).
#define SIZES Args({33, 256, 256})->Args({81, 832, 480})->Unit(benchmark::kMillisecond)->Iterations(1)
BENCHMARK_CAPTURE(BM_Export, h264, VideoFormat::Mp4H264)->SIZES;
BENCHMARK_CAPTURE(BM_Export, h265, VideoFormat::Mp4H265)->SIZES;
BENCHMARK_CAPTURE(BM_Export, vp9, VideoFormat::WebmVp9)->SIZES;
BENCHMARK_CAPTURE(BM_Export, gif, VideoFormat::Gif)->SIZES;
BENCHMARK_CAPTURE(BM_Export, png, VideoFormat::PngSequence)->SIZES;
BENCHMARK(BM_Decode)->SIZES;
BENCHMARK(BM_CompareVideos)->SIZES;
BENCHMARK(BM_SideBySide)->SIZES;

}  // namespace

BENCHMARK_MAIN();

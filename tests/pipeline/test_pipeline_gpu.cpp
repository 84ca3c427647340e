// The pipeline on CUDA (label gpu; skipped without a CUDA device): determinism on the device, peak
// memory per stage, device memory handed back after a cancelled job, block offload giving the
// same video, the SVG2 path with the CUDA kernels.
#include <gtest/gtest.h>

#include <ATen/Context.h>

#include "pipeline/device_memory.h"
#include "pipeline/tiny_model.h"
#include "svg2/engine.h"
#include "svg2/error.h"
#include "svg2/model_info.h"

using svg2::RenderParams;

namespace {

bool have_cuda() {
  return at::hasCUDA();
}

RenderParams cuda_params(std::int64_t seed = 3) {
  RenderParams p;
  p.model_dir = svg2::test::tiny_model_dir().string();
  p.prompt = "a yellow triangle moves right";
  p.device = "cuda";
  p.seed = seed;
  p.attention.mode = svg2::AttentionMode::Dense;
  return p;
}

double mean_abs_diff(const svg2::Video& a, const svg2::Video& b) {
  double s = 0;
  for (std::size_t i = 0; i < a.rgb.size(); ++i) s += std::abs(int(a.rgb[i]) - int(b.rgb[i]));
  return a.rgb.empty() ? 0 : s / static_cast<double>(a.rgb.size());
}

}  // namespace

TEST(PipelineGpu, DeterministicWithPeakMemoryPerStage) {
  if (!have_cuda()) GTEST_SKIP() << "no CUDA device";
  svg2::Engine engine;
  const auto a = engine.render(cuda_params());
  const auto b = engine.render(cuda_params());
  EXPECT_EQ(a.video.rgb, b.video.rgb);
  EXPECT_EQ(a.dtype, "bf16");
  EXPECT_GT(a.timings.text_peak_memory_bytes, 0);
  EXPECT_GT(a.timings.denoise_peak_memory_bytes, 0);
  EXPECT_GT(a.timings.decode_peak_memory_bytes, 0);
  EXPECT_NE(a.device_name, "CPU");
  // The CPU-drawn noise makes the CUDA video close to the CPU one (bf16 vs fp32 aside).
  auto cpu = cuda_params();
  cpu.device = "cpu";
  cpu.dtype = "fp32";
  auto cuda32 = cuda_params();
  cuda32.dtype = "fp32";
  const auto c = engine.render(cpu);
  const auto d = engine.render(cuda32);
  EXPECT_LT(mean_abs_diff(c.video, d.video), 2.0);
}

TEST(PipelineGpu, CancelHandsDeviceMemoryBack) {
  if (!have_cuda()) GTEST_SKIP() << "no CUDA device";
  svg2::Engine engine;
  engine.render(cuda_params());  // models loaded and cached
  const c10::Device device(c10::kCUDA, 0);
  const auto baseline = svg2::pipeline::allocated_device_memory(device);
  struct CancelAtStep1 : svg2::JobEvents {
    svg2::Engine* engine = nullptr;
    void on_progress(svg2::JobId, const svg2::StepProgress& p) override {
      if (p.stage == "denoise" && p.step == 1) engine->cancel_all();
    }
  } events;
  events.engine = &engine;
  auto p = cuda_params();
  p.steps = 6;
  EXPECT_THROW(engine.render(p, &events), svg2::Cancelled);
  EXPECT_LE(svg2::pipeline::allocated_device_memory(device), baseline);
}

TEST(PipelineGpu, BlockOffloadGivesTheSameVideo) {
  if (!have_cuda()) GTEST_SKIP() << "no CUDA device";
  svg2::Engine engine;
  const auto a = engine.render(cuda_params());
  auto p = cuda_params();
  p.offload_blocks = true;
  const auto b = engine.render(p);
  EXPECT_EQ(a.video.rgb, b.video.rgb);
}

TEST(PipelineGpu, Svg2RendersWithTheCudaBackend) {
  if (!have_cuda()) GTEST_SKIP() << "no CUDA device";
  svg2::Engine engine;
  auto p = cuda_params();
  p.attention = svg2::probe_model(p.model_dir).attention_defaults;
  p.attention.top_p = 0.3;
  const auto r = engine.render(p);
  EXPECT_EQ(r.video.frames, 5);
  EXPECT_GT(r.density.sparse_calls, 0);
  EXPECT_LT(r.density.mean_density, 1.0);

  svg2::RenderParams random;
  random.random_weights = "tiny";
  random.device = "cuda";
  random.seed = 1;
  random.attention.query_clusters = 4;
  random.attention.key_clusters = 8;
  EXPECT_EQ(engine.render(random).video.frames, 5);
}

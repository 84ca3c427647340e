// Full-size Wan 2.1 VAE and umT5-XXL on the GPU with random weights (label gpu): the 720p x 81
// frame decode must stay in bounded memory (streamed one latent frame at a time, frames handed
// to a sink), tiling must lower the peak, and the XXL encoder must run in bf16. Prints the peak
// memory and wall time of each stage for docs/PERF.md. Skips without a CUDA device.
#include <ATen/ATen.h>
#include <ATen/DeviceAccelerator.h>
#include <c10/core/InferenceMode.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "core/device.h"
#include "models/wan/wan_vae.h"
#include "text/umt5_encoder.h"

using namespace svg2;

namespace {

constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;
const c10::Device kCuda(c10::kCUDA, 0);

void reset_peak() {
  at::getDeviceAllocator(c10::kCUDA)->emptyCache();
  at::getDeviceAllocator(c10::kCUDA)->resetPeakStats(0);
}
double peak_gib() {
  const auto stats = at::getDeviceAllocator(c10::kCUDA)->getDeviceStats(0);
  return static_cast<double>(stats.allocated_bytes[0].peak) / kGiB;
}
double allocated_gib() {
  const auto stats = at::getDeviceAllocator(c10::kCUDA)->getDeviceStats(0);
  return static_cast<double>(stats.allocated_bytes[0].current) / kGiB;
}
void sync_device() {
  at::accelerator::synchronizeDevice(0);
}

struct Timer {
  std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
};

// Normal random weights drawn on the device (fast); RMS gammas 1.
void fill_random(torch::nn::Module& m) {
  for (auto& p : m.named_parameters()) {
    if (p.key().find("gamma") != std::string::npos || p.key().find("norm") != std::string::npos) {
      p.value().fill_(1.0);
    } else {
      const double fan_in =
          p.value().dim() > 1 ? static_cast<double>(p.value().numel() / p.value().size(0)) : 1.0;
      p.value().normal_(0.0, p.value().dim() > 1 ? 1.0 / std::sqrt(fan_in) : 0.02);
    }
  }
}

}  // namespace

TEST(VaeGpu, Decode720p81FramesStreamsInBoundedMemory) {
  if (!cuda_available())
    GTEST_SKIP() << "no CUDA device: the full-size VAE memory test runs on the GPU machine";
  c10::InferenceMode guard;
  wan::WanVae vae(wan::make_wan_vae_config(), at::TensorOptions().dtype(at::kFloat).device(kCuda));
  fill_random(*vae);
  vae->eval();
  const double weights = allocated_gib();
  const at::Tensor z = at::randn({1, 16, 21, 90, 160}, at::TensorOptions().device(kCuda));

  int64_t frames = 0;
  auto sink = [&](const at::Tensor& f, int64_t first) {
    EXPECT_EQ(first, frames);
    // What the pipeline does: 8-bit frames on the host as they arrive.
    at::Tensor u8 = ((f + 1.0) * 127.5).round().clamp(0, 255).to(at::kByte).to(at::kCPU);
    frames += u8.size(2);
  };
  // Warm-up on a small latent (cuDNN autotuning, allocator), then the measured runs.
  vae->decode(at::randn({1, 16, 2, 8, 8}, at::TensorOptions().device(kCuda)), {}, sink);
  frames = 0;

  reset_peak();
  Timer t;
  wan::VaeDecodeStats stats;
  vae->decode(z, {}, sink, &stats);
  sync_device();
  const double untiled_s = t.seconds(), untiled_peak = peak_gib();
  EXPECT_EQ(frames, 81);
  EXPECT_EQ(stats.chunks, 21);

  wan::VaeTiling tiling;
  tiling.enabled = true;
  frames = 0;
  reset_peak();
  Timer tt;
  wan::VaeDecodeStats tiled_stats;
  vae->decode(z, tiling, sink, &tiled_stats);
  sync_device();
  const double tiled_s = tt.seconds(), tiled_peak = peak_gib();
  EXPECT_EQ(frames, 81);

  std::printf(
      "[vae-gpu] weights %.2f GiB; decode 21x90x160 -> 81x720x1280: untiled %.1f s peak %.2f GiB "
      "(cache %.2f GiB); tiled (%lld tiles of 256 px, overlap 64) %.1f s peak %.2f GiB (cache %.2f GiB)\n",
      weights, untiled_s, untiled_peak, static_cast<double>(stats.cache_bytes) / kGiB, tiled_s, tiled_peak,
      static_cast<long long>(tiled_stats.tiles), static_cast<double>(tiled_stats.cache_bytes) / kGiB);
  // Streaming keeps one chunk of activations + caches alive, not the 81-frame output.
  EXPECT_LT(untiled_peak, 24.0);
  EXPECT_LT(tiled_peak, untiled_peak);

  // Encode: 81 frames at 832x480 (the I2V/V2V path; chunks of 1 then 4 frames).
  const at::Tensor video = at::rand({1, 3, 81, 480, 832}, at::TensorOptions().device(kCuda)) * 2 - 1;
  reset_peak();
  Timer te;
  const at::Tensor latents = vae->encode(video);
  sync_device();
  std::printf("[vae-gpu] encode 81x480x832 -> %s: %.1f s peak %.2f GiB (input video %.2f GiB)\n",
              c10::str(latents.sizes()).c_str(), te.seconds(), peak_gib(),
              static_cast<double>(video.nbytes()) / kGiB);
  EXPECT_EQ(latents.sizes(), (at::IntArrayRef{1, 16, 21, 60, 104}));
}

TEST(Umt5Gpu, XxlEncodesInBf16) {
  if (!cuda_available()) GTEST_SKIP() << "no CUDA device: the umT5-XXL test runs on the GPU machine";
  c10::InferenceMode guard;
  reset_peak();
  text::UMT5Encoder enc(text::umt5_xxl_config(), at::TensorOptions().dtype(at::kBFloat16).device(kCuda));
  fill_random(*enc);
  const double weights = allocated_gib();
  // cond + uncond at typical lengths (the pipeline encodes at the batch's longest real length),
  // then the reference's full 512-token width.
  for (int64_t len : {64, 512}) {
    const at::Tensor ids =
        at::randint(4, 256384, {2, len}, at::TensorOptions().dtype(at::kLong).device(kCuda));
    enc->forward(ids);  // warm-up
    sync_device();
    reset_peak();
    Timer t;
    const at::Tensor h = enc->forward(ids);
    sync_device();
    std::printf("[umt5-gpu] XXL bf16: weights %.2f GiB; batch 2 x %lld tokens: %.1f ms, peak %.2f GiB\n",
                weights, static_cast<long long>(len), t.seconds() * 1e3, peak_gib());
    EXPECT_EQ(h.sizes(), (at::IntArrayRef{2, len, 4096}));
    EXPECT_TRUE(at::isfinite(h.to(at::kFloat)).all().item<bool>());
  }
  // The pipeline parks the encoder on the CPU after encoding: its device memory must come back.
  const at::Tensor ids = at::randint(4, 256384, {1, 32}, at::TensorOptions().dtype(at::kLong).device(kCuda));
  const at::Tensor on_gpu = enc->forward(ids).to(at::kCPU);
  enc->to(at::kCPU);
  sync_device();
  std::printf("[umt5-gpu] after moving to the CPU: %.2f GiB allocated (was %.2f)\n", allocated_gib(),
              weights);
  EXPECT_LT(allocated_gib(), 0.1 * weights);
  // Still usable there (bf16 rounding differs between devices, so compare directions).
  const at::Tensor a = enc->forward(ids.to(at::kCPU)).to(at::kFloat).flatten();
  const at::Tensor b = on_gpu.to(at::kFloat).flatten();
  EXPECT_GT((a.dot(b) / (a.norm() * b.norm())).item<double>(), 0.99);
}

#include "pipeline/t2v_pipeline.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/ops/cat.h>
#include <ATen/ops/randn.h>
#include <ATen/ops/tensor.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include "attention/factory.h"
#include "core/check.h"
#include "core/device.h"
#include "core/log.h"
#include "pipeline/attention_instrument.h"
#include "pipeline/device_memory.h"
#include "pipeline/loaded_models.h"
#include "pipeline/prompt_encoder.h"
#include "pipeline/render_setup.h"
#include "pipeline/sidecar.h"
#include "pipeline/telemetry_bridge.h"
#include "pipeline/wan_constants.h"
#include "sampling/guidance.h"
#include "sampling/sampler.h"

namespace svg2::pipeline {

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

sampling::SamplerKind sampler_kind(SamplerKind kind) {
  return kind == SamplerKind::UniPC ? sampling::SamplerKind::UniPC : sampling::SamplerKind::Euler;
}

// Initial noise from a CPU generator seeded with the render's seed, then moved to the device:
// the same seed gives the same starting latent on every device.
at::Tensor seeded_noise(std::int64_t seed, at::IntArrayRef shape, const c10::Device& device) {
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(static_cast<std::uint64_t>(seed));
  return at::randn(shape, gen, at::TensorOptions().dtype(at::kFloat)).to(device);
}

// Decoded chunks [1, 3, t, H, W] in [-1, 1] -> packed RGB frames.
void append_frames(Video& video, const at::Tensor& chunk, std::int64_t first_frame) {
  at::Tensor rgb = ((chunk[0].to(at::kFloat) + 1.0) * 127.5).clamp(0.0, 255.0).round().to(at::kByte);
  rgb = rgb.permute({1, 2, 3, 0}).contiguous().cpu();  // [t, H, W, 3]
  const auto bytes = static_cast<std::size_t>(rgb.numel());
  const std::size_t offset = static_cast<std::size_t>(first_frame) * video.frame_bytes();
  SVG2_CHECK(offset + bytes <= video.rgb.size(),
             "VAE decode produced more frames than expected ({} + {} > {})", first_frame, rgb.size(0),
             video.frames);
  std::memcpy(video.rgb.data() + offset, rgb.data_ptr<std::uint8_t>(), bytes);
}

}  // namespace

struct T2VPipeline::Impl {
  bool cache_models = true;
  std::unique_ptr<LoadedModels> models;
  PromptEncoder prompts;

  // A new load places the DiT for `offload_blocks`; a cached model is switched by run().
  LoadedModels& models_for(const ModelInfo& info, const c10::Device& device, c10::ScalarType dtype,
                           bool offload_blocks, RenderTimings& timings) {
    const std::string key = model_key(info, device, dtype);
    if (models && models->key == key) return *models;
    models.reset();  // free the previous model before loading the next
    prompts.clear();
    release_cached_device_memory();
    const auto start = Clock::now();
    reset_peak_device_memory(device);
    models = load_models(info, device, dtype, offload_blocks);
    timings.load_ms = ms_since(start);
    timings.load_peak_memory_bytes = peak_device_memory(device);
    log_info("models loaded in {:.1f} s", timings.load_ms / 1000.0);
    return *models;
  }

  RenderResult run(const RenderParams& requested, const JobContext& ctx);
};

T2VPipeline::T2VPipeline(bool cache_models) : impl_(std::make_unique<Impl>()) {
  impl_->cache_models = cache_models;
}
T2VPipeline::~T2VPipeline() = default;

void T2VPipeline::release_models() {
  impl_->models.reset();
  impl_->prompts.clear();
  release_cached_device_memory();
}

RenderResult T2VPipeline::run(const RenderParams& params, const JobContext& ctx) {
  struct ReleaseUnlessCached {
    Impl& impl;
    ~ReleaseUnlessCached() {
      if (!impl.cache_models) {
        impl.models.reset();
        impl.prompts.clear();
      }
      release_cached_device_memory();
    }
  } release{*impl_};
  return impl_->run(params, ctx);
}

RenderResult T2VPipeline::Impl::run(const RenderParams& requested, const JobContext& ctx) {
  const auto job_start = Clock::now();
  const ModelInfo info = model_info_for(requested);
  RenderResult result;
  result.params = resolve_render_params(requested, info);
  const RenderParams& p = result.params;
  const c10::Device device = resolve_device(p.device);
  const c10::ScalarType dtype = resolve_dtype(p.dtype, device);
  result.device = device.str();
  result.dtype = dtype_name(dtype);
  result.device_name = device_display_name(device);
  RenderTimings& timings = result.timings;
  limit_device_memory(device, p.memory_limit_gib);
  ctx.check_cancel();

  LoadedModels& m = models_for(info, device, dtype, p.offload_blocks, timings);
  ctx.check_cancel();
  c10::InferenceMode inference;

  // --- text -------------------------------------------------------------------------------
  auto emit_progress = [&](const char* stage, int step, int total, double it_per_s, double eta_s) {
    if (!ctx.events) return;
    StepProgress progress;
    progress.step = step;
    progress.total = total;
    progress.it_per_s = it_per_s;
    progress.eta_s = eta_s;
    progress.elapsed_s = ms_since(job_start) / 1000.0;
    progress.stage = stage;
    ctx.events->on_progress(ctx.id, progress);
  };
  emit_progress("text", 0, p.steps, 0, 0);
  const bool cfg = sampling::guidance_needs_uncond(p.guidance);
  reset_peak_device_memory(device);
  auto stage_start = Clock::now();
  const at::Tensor cond = prompts.encode(m, p.prompt);
  const at::Tensor uncond = cfg ? prompts.encode(m, p.negative_prompt) : at::Tensor();
  prompts.park(m);
  synchronize(device);
  timings.text_encode_ms = ms_since(stage_start);
  timings.text_peak_memory_bytes = peak_device_memory(device);
  ctx.check_cancel();

  // --- noise and sampler ---------------------------------------------------------------------
  const int latent_frames = (p.frames - 1) / kWanVaeStrideT + 1;
  const auto sf = m.vae->config().spatial_factor();
  const std::int64_t lat_h = p.height / sf, lat_w = p.width / sf;
  const std::int64_t channels = m.dit->config().in_dim;
  at::Tensor x = seeded_noise(p.seed, {1, channels, latent_frames, lat_h, lat_w}, device);
  sampling::SamplerOptions sampler_options;
  sampler_options.steps = p.steps;
  sampler_options.shift = p.shift;
  auto sampler = sampling::make_sampler(sampler_kind(p.sampler), sampler_options);

  at::Tensor context;
  std::vector<int> branches;
  if (cfg) {
    auto batch = sampling::make_guidance_batch(x, cond.to(dtype), uncond.to(dtype));
    context = batch.context;
    branches = batch.branches;
  } else {
    context = cond.to(dtype);
    branches = {0};
  }

  // --- attention backend for this job ------------------------------------------------------------
  auto backend = std::make_shared<InstrumentedBackend>(
      std::shared_ptr<attention::AttentionBackend>(attention::make_attention_backend(p.attention)),
      p.attention);
  const TelemetryOptions telemetry_options = ctx.telemetry();
  backend->set_timing(telemetry_options.stage_times);
  if (!p.dump_qkv_path.empty()) {
    SVG2_CHECK(p.dump_qkv_layer < m.dit->config().num_layers, "dump-qkv: layer must be in [0, {}], got {}",
               m.dit->config().num_layers - 1, p.dump_qkv_layer);
    backend->set_dump({p.dump_qkv_path, p.dump_qkv_step, p.dump_qkv_layer});
  }
  backend->reset();
  m.dit->set_attention_backend(backend);
  if (p.offload_blocks != m.dit->block_offload_enabled()) {
    if (p.offload_blocks) {
      m.dit->enable_block_offload();
    } else {
      m.dit->disable_block_offload();
    }
  }
  TelemetryBridge telemetry(telemetry_options, p.attention, ctx.id);
  struct DetachBackend {
    LoadedModels& m;
    InstrumentedBackend& backend;
    ~DetachBackend() {
      backend.reset();
      m.dit->set_attention_backend(
          std::shared_ptr<attention::AttentionBackend>(attention::make_dense_backend()));
    }
  } detach{m, *backend};

  // --- denoising loop ---------------------------------------------------------------------
  reset_peak_device_memory(device);
  const auto denoise_start = Clock::now();
  const int steps = sampler->num_steps();
  double measured_dense_attention_ms = 0, measured_sparse_attention_ms = 0;  // whole calls, when timing
  for (int i = 0; i < steps; ++i) {
    ctx.poll();
    ctx.check_cancel();
    telemetry.set_live_options(ctx.telemetry());
    const auto step_start = Clock::now();
    wan::DiTStepInfo info_step;
    info_step.step = i;
    info_step.num_steps = steps;
    info_step.branches = branches;
    info_step.job_id = ctx.id;
    info_step.telemetry = telemetry.recorder();
    const at::Tensor timestep = at::tensor({static_cast<double>(sampler->timestep())}, at::kFloat);
    const at::Tensor model_in = cfg ? at::cat({x, x}, 0) : x;

    synchronize(device);
    const auto dit_start = Clock::now();
    at::Tensor velocity = m.dit->forward(model_in, timestep, context, info_step);
    synchronize(device);
    const double dit_ms = ms_since(dit_start);

    if (cfg) velocity = sampling::apply_batched_guidance(velocity, p.guidance);
    x = sampler->step(velocity, x);
    synchronize(device);
    const double step_ms = ms_since(step_start);
    timings.step_ms.push_back(step_ms);
    timings.dit_step_ms.push_back(dit_ms);
    timings.dit_ms += dit_ms;
    const bool sparse_step = !step_runs_dense(p.attention, i, steps);
    timings.step_sparse.push_back(sparse_step);
    (sparse_step ? timings.sparse_steps_ms : timings.dense_steps_ms) += step_ms;

    const AttentionTimes attention_times = backend->take_times();
    measured_dense_attention_ms += attention_times.dense_ms;
    measured_sparse_attention_ms += attention_times.sparse_ms;
    if (auto snapshot = telemetry.drain(i); snapshot && ctx.events)
      ctx.events->on_telemetry(ctx.id, *snapshot);

    const int done = i + 1;
    if (ctx.events && p.preview_every > 0 && (done % p.preview_every == 0 || done == steps) && m.preview)
      ctx.events->on_preview(ctx.id, done, m.preview->render(sampler->x0(), kWanFps));
    const double elapsed_s = ms_since(denoise_start) / 1000.0;
    const double it_per_s = done / std::max(elapsed_s, 1e-9);
    emit_progress("denoise", done, steps, it_per_s, (steps - done) / it_per_s);
  }
  timings.denoise_ms = ms_since(denoise_start);
  timings.denoise_peak_memory_bytes = peak_device_memory(device);
  if (!p.dump_qkv_path.empty())
    SVG2_CHECK(backend->dumped(), "dump-qkv: step {} layer {} was never reached", p.dump_qkv_step,
               p.dump_qkv_layer);
  context = at::Tensor();  // free the text context before decoding
  ctx.check_cancel();

  // --- VAE decode ----------------------------------------------------------------------------
  emit_progress("decode", steps, steps, 0, 0);
  reset_peak_device_memory(device);
  stage_start = Clock::now();
  Video& video = result.video;
  video.frames = static_cast<int>(m.vae->video_frames(latent_frames));
  video.width = p.width;
  video.height = p.height;
  video.fps = kWanFps;
  video.rgb.assign(video.frame_bytes() * static_cast<std::size_t>(video.frames), 0);
  wan::VaeTiling tiling;
  tiling.enabled = p.tiled_vae;
  m.vae->decode(x.to(at::kFloat), tiling, [&](const at::Tensor& frames, std::int64_t first) {
    ctx.check_cancel();
    append_frames(video, frames, first);
  });
  synchronize(device);
  timings.vae_decode_ms = ms_since(stage_start);
  timings.decode_peak_memory_bytes = peak_device_memory(device);
  timings.peak_memory_bytes = std::max({timings.load_peak_memory_bytes, timings.text_peak_memory_bytes,
                                        timings.denoise_peak_memory_bytes, timings.decode_peak_memory_bytes});

  // --- statistics ----------------------------------------------------------------------------
  telemetry.finish(timings, result.density);
  if (telemetry_options.stage_times) {
    // Whole self-attention calls from the instrument; the sparse ones split into k-means,
    // selection, permutation and the block-sparse kernel by the backends' stage times.
    timings.stage_times_measured = true;
    timings.attention_ms = measured_dense_attention_ms + measured_sparse_attention_ms;
    timings.dense_attention_ms = measured_dense_attention_ms;
    if (timings.sparse_attention_ms <= 0)
      timings.sparse_attention_ms = std::max(
          0.0, measured_sparse_attention_ms - timings.kmeans_ms - timings.selection_ms - timings.permute_ms);
    timings.other_dit_ms = std::max(0.0, timings.dit_ms - timings.attention_ms);
  }
  if (p.attention.mode == AttentionMode::Dense) {
    result.density = DensityStats{};
    result.density.dense_calls = steps * m.dit->config().num_layers * static_cast<int>(branches.size());
  }
  timings.total_ms = ms_since(job_start);
  result.sidecar_json = make_sidecar(result, info).dump(2);
  log_info("rendered {} frames {}x{} in {:.1f} s (text {:.1f} s, {} steps {:.1f} s, decode {:.1f} s)",
           video.frames, video.width, video.height, timings.total_ms / 1000.0,
           timings.text_encode_ms / 1000.0, steps, timings.denoise_ms / 1000.0,
           timings.vae_decode_ms / 1000.0);
  return result;
}

}  // namespace svg2::pipeline

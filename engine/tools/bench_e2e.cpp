// svg2/bench_e2e.h: end-to-end step timings with random weights and the reference-schedule totals
// computed from them.
#include "svg2/bench_e2e.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/ops/cat.h>
#include <ATen/ops/randn.h>
#include <ATen/ops/tensor.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>

#include "attention/factory.h"
#include "attention/telemetry_recorder.h"
#include "core/check.h"
#include "core/device.h"
#include "core/log.h"
#include "pipeline/attention_instrument.h"
#include "pipeline/device_memory.h"
#include "pipeline/loaded_models.h"
#include "pipeline/prompt_encoder.h"
#include "pipeline/render_setup.h"
#include "pipeline/wan_constants.h"
#include "sampling/guidance.h"
#include "svg2/model_info.h"

namespace svg2 {

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

// One CFG denoising step's model work (DiT on the batched cond/uncond latents, guidance, an
// Euler-sized update), measured with the device synchronized before and after.
struct StepRunner {
  pipeline::LoadedModels& m;
  at::Tensor x, context;
  std::vector<int> branches;
  double guidance;
  int num_steps;
  std::uint64_t job = 1;

  double run(int step, attention::TelemetryRecorder* recorder) {
    wan::DiTStepInfo info;
    info.step = step;
    info.num_steps = num_steps;
    info.branches = branches;
    info.job_id = job;
    info.telemetry = recorder;
    const at::Tensor timestep =
        at::tensor({999.0 * (1.0 - static_cast<double>(step) / num_steps)}, at::kFloat);
    pipeline::synchronize(m.device);
    const auto start = Clock::now();
    const at::Tensor in = branches.size() == 2 ? at::cat({x, x}, 0) : x;
    at::Tensor v = m.dit->forward(in, timestep, context, info);
    if (branches.size() == 2) v = sampling::apply_batched_guidance(v, guidance);
    x = x - (1.0 / num_steps) * v;
    // Keep the latent bounded over many repeats (random weights): renormalize like fresh noise.
    x = x / x.std().clamp_min(1e-6);
    pipeline::synchronize(m.device);
    return ms_since(start);
  }
};

struct StageSplit {
  double kmeans = 0, select = 0, permute = 0, sparse_attention = 0, dense_attention = 0, total_attention = 0;
  double density_sum = 0;
  int sparse_calls = 0;
};

StageSplit split_of(const TelemetrySnapshot& s) {
  StageSplit out;
  for (const auto& c : s.calls) {
    out.kmeans += c.times.kmeans_ms;
    if (c.sparse) {
      out.select += c.times.select_ms;
      out.permute += c.times.permute_ms + c.times.inverse_ms;
      out.sparse_attention += c.times.attention_ms;
      out.density_sum += c.density;
      ++out.sparse_calls;
    } else {
      out.dense_attention += c.times.attention_ms;
    }
  }
  return out;
}

double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? 0 : s / static_cast<double>(v.size());
}

std::string gib(std::int64_t bytes) {
  return bytes > 0 ? fmt::format("{:.2f} GiB", static_cast<double>(bytes) / (1024.0 * 1024 * 1024)) : "n/a";
}

}  // namespace

BenchE2EResult run_bench_e2e(const BenchE2EOptions& o) {
  ModelInfo info = random_weights_model_info(o.arch);
  RenderParams params;
  params.random_weights = o.arch;
  params.width = o.width;
  params.height = o.height;
  params.frames = o.frames;
  params.steps = o.steps;
  params.guidance = o.guidance;
  params.device = o.device;
  params.dtype = o.dtype;
  params.seed = 0;
  params.offload_blocks = o.offload_blocks;
  params.attention = o.attention;
  if (o.density) params.attention.fixed_density = *o.density;
  if (params.attention.mode == AttentionMode::Dense) params.attention.mode = AttentionMode::Svg2;
  params = pipeline::resolve_render_params(params, info);
  SVG2_CHECK(o.dense_repeats >= 1 && o.sparse_repeats >= 1 && o.warmup_steps >= 0,
             "bench e2e: dense_repeats and sparse_repeats must be >= 1, warmup_steps >= 0");

  const c10::Device device = resolve_device(params.device);
  const c10::ScalarType dtype = resolve_dtype(params.dtype, device);
  BenchE2EResult r;
  r.arch = o.arch;
  r.device = device.str();
  r.device_name = pipeline::device_display_name(device);
  r.dtype = dtype_name(dtype);
  r.width = params.width;
  r.height = params.height;
  r.frames = params.frames;
  r.steps = params.steps;
  r.dense_steps = dense_step_count(params.attention, params.steps);
  r.dense_final_steps =
      std::min(dense_final_step_count(params.attention, params.steps), params.steps - r.dense_steps);
  r.dense_layers = params.attention.dense_layers;

  log_info("bench e2e: building {} with random weights on {} ({})", o.arch, r.device_name, r.dtype);
  auto models = pipeline::load_models(info, device, dtype, params.offload_blocks);
  auto& m = *models;
  c10::InferenceMode inference;

  // --- T5 -----------------------------------------------------------------------------------
  pipeline::PromptEncoder prompts;
  pipeline::reset_peak_device_memory(device);
  auto start = Clock::now();
  const bool cfg = params.guidance != 1.0;
  const at::Tensor cond = prompts.encode(m, o.prompt);
  const at::Tensor uncond = cfg ? prompts.encode(m, params.negative_prompt) : at::Tensor();
  pipeline::synchronize(device);
  r.text_ms = ms_since(start);
  r.text_peak_bytes = pipeline::peak_device_memory(device);
  prompts.park(m);
  pipeline::release_cached_device_memory();

  // --- latents ------------------------------------------------------------------------------
  const int latent_frames = (params.frames - 1) / pipeline::kWanVaeStrideT + 1;
  const auto sf = m.vae->config().spatial_factor();
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(0);
  StepRunner runner{
      m,
      at::randn({1, m.dit->config().in_dim, latent_frames, params.height / sf, params.width / sf}, gen,
                at::TensorOptions().dtype(at::kFloat))
          .to(device),
      {},
      {},
      params.guidance,
      params.steps};
  r.tokens =
      latent_frames * static_cast<int>(params.height / sf / 2) * static_cast<int>(params.width / sf / 2);
  if (cfg) {
    auto batch = sampling::make_guidance_batch(runner.x, cond.to(dtype), uncond.to(dtype));
    runner.context = batch.context;
    runner.branches = batch.branches;
  } else {
    runner.context = cond.to(dtype);
    runner.branches = {0};
  }

  // --- dense steps ---------------------------------------------------------------------------
  AttentionConfig dense_config = params.attention;
  dense_config.mode = AttentionMode::Dense;
  auto dense = std::make_shared<pipeline::InstrumentedBackend>(
      std::shared_ptr<attention::AttentionBackend>(attention::make_attention_backend(dense_config)),
      dense_config);
  m.dit->set_attention_backend(dense);
  for (int i = 0; i < o.warmup_steps; ++i) runner.run(0, nullptr);
  pipeline::reset_peak_device_memory(device);
  for (int i = 0; i < o.dense_repeats; ++i) r.dense_steps_measured_ms.push_back(runner.run(0, nullptr));
  r.dense_peak_bytes = pipeline::peak_device_memory(device);
  r.dense_step_ms = mean(r.dense_steps_measured_ms);

  TelemetryOptions timed;
  timed.enabled = true;
  timed.stage_times = true;
  double dense_attention_ms = 0, dense_timed_step_ms = 0;
  if (o.breakdown) {
    dense->set_timing(true);
    dense_timed_step_ms = runner.run(0, nullptr);
    dense_attention_ms = dense->take_times().dense_ms;
    dense->set_timing(false);
  }

  // --- sparse steps --------------------------------------------------------------------------
  auto sparse = std::make_shared<pipeline::InstrumentedBackend>(
      std::shared_ptr<attention::AttentionBackend>(attention::make_attention_backend(params.attention)),
      params.attention);
  sparse->reset();
  m.dit->set_attention_backend(sparse);
  // The timed sparse steps lie between the leading and the final dense steps (at least one step
  // is timed even when the schedule has no sparse step).
  const int first_sparse = std::min(r.dense_steps, params.steps - 1);
  const int last_sparse = std::max(first_sparse, params.steps - 1 - r.dense_final_steps);
  attention::TelemetryRecorder density_recorder([] {
    TelemetryOptions t;
    t.enabled = true;
    return t;
  }());
  // The timed sparse steps run without telemetry, as the dense steps do: the recorder copies each
  // call's layout to the host, which would be charged to SVG2 only. The density comes from one
  // more (warm, untimed) step with the recorder on.
  pipeline::reset_peak_device_memory(device);
  r.first_sparse_step_ms = runner.run(first_sparse, nullptr);
  for (int i = 0; i < o.sparse_repeats; ++i)
    r.sparse_steps_measured_ms.push_back(runner.run(std::min(first_sparse + 1 + i, last_sparse), nullptr));
  r.sparse_peak_bytes = pipeline::peak_device_memory(device);
  r.sparse_step_ms = mean(r.sparse_steps_measured_ms);
  runner.run(std::min(first_sparse + 1, last_sparse), &density_recorder);
  const StageSplit untimed = split_of(density_recorder.drain());
  r.density = untimed.sparse_calls > 0 ? untimed.density_sum / untimed.sparse_calls : 1.0;

  StageSplit split;
  double sparse_timed_step_ms = 0, sparse_attention_total_ms = 0;
  if (o.breakdown) {
    attention::TelemetryRecorder recorder(timed);
    sparse->set_timing(true);
    sparse_timed_step_ms = runner.run(std::min(first_sparse + 1, last_sparse), &recorder);
    const auto times = sparse->take_times();
    sparse->set_timing(false);
    split = split_of(recorder.drain());
    sparse_attention_total_ms = times.dense_ms + times.sparse_ms;
    split.dense_attention = times.dense_ms;  // whole dense calls (dense leading layers)
    split.total_attention = sparse_attention_total_ms;
  }
  m.dit->set_attention_backend(std::shared_ptr<attention::AttentionBackend>(attention::make_dense_backend()));

  // --- VAE ----------------------------------------------------------------------------------
  pipeline::release_cached_device_memory();
  pipeline::reset_peak_device_memory(device);
  start = Clock::now();
  m.vae->decode(runner.x.to(at::kFloat), {}, [](const at::Tensor&, std::int64_t) {});
  pipeline::synchronize(device);
  r.vae_ms = ms_since(start);
  r.vae_peak_bytes = pipeline::peak_device_memory(device);

  // --- reference-schedule totals ------------------------------------------------------------------
  const int sparse_steps = params.steps - r.dense_steps - r.dense_final_steps;
  const int all_dense_steps = r.dense_steps + r.dense_final_steps;
  r.dense_total_ms = r.text_ms + params.steps * r.dense_step_ms + r.vae_ms;
  r.sparse_total_ms =
      r.text_ms + all_dense_steps * r.dense_step_ms +
      (sparse_steps > 0 ? r.first_sparse_step_ms + (sparse_steps - 1) * r.sparse_step_ms : 0) + r.vae_ms;
  r.speedup = r.sparse_total_ms > 0 ? r.dense_total_ms / r.sparse_total_ms : 1;

  // Phases: dense steps as measured; sparse steps split in the proportions of the stage-timed step
  // (scaled to the untimed step time, since per-stage synchronization adds overhead); the cold
  // step's extra time goes to k-means.
  auto add_phase = [&](const std::string& name, double ms) {
    r.phases.push_back({name, ms, r.sparse_total_ms > 0 ? ms / r.sparse_total_ms : 0});
  };
  add_phase("text encoder (T5)", r.text_ms);
  add_phase("dense warm-up steps", r.dense_steps * r.dense_step_ms);
  if (r.dense_final_steps > 0) add_phase("dense final steps", r.dense_final_steps * r.dense_step_ms);
  if (sparse_steps > 0) {
    const double sparse_ms = r.first_sparse_step_ms + (sparse_steps - 1) * r.sparse_step_ms;
    if (o.breakdown && sparse_timed_step_ms > 0) {
      const double scale = r.sparse_step_ms / sparse_timed_step_ms * sparse_steps;
      const double cold_extra = std::max(0.0, r.first_sparse_step_ms - r.sparse_step_ms);
      add_phase("k-means", split.kmeans * scale + cold_extra);
      add_phase("block selection", split.select * scale);
      add_phase("permutation", split.permute * scale);
      add_phase("sparse attention", split.sparse_attention * scale);
      add_phase("dense attention (dense layers)", split.dense_attention * scale);
      const double attention =
          (split.kmeans + split.select + split.permute + split.sparse_attention + split.dense_attention) *
              scale +
          cold_extra;
      add_phase("linear layers and other DiT ops", std::max(0.0, sparse_ms - attention));
    } else {
      add_phase("sparse steps", sparse_ms);
    }
  }
  add_phase("VAE decode", r.vae_ms);

  // --- report --------------------------------------------------------------------------------
  json phases = json::array();
  for (const auto& p : r.phases) phases.push_back({{"name", p.name}, {"ms", p.ms}, {"share", p.share}});
  json j = {
      {"ok", true},
      {"arch", r.arch},
      {"weights", "random"},
      {"device", r.device},
      {"device_name", r.device_name},
      {"dtype", r.dtype},
      {"size", fmt::format("{}x{}", r.width, r.height)},
      {"frames", r.frames},
      {"tokens", r.tokens},
      {"steps", r.steps},
      {"cfg", cfg},
      {"schedule",
       {{"dense_steps", r.dense_steps},
        {"dense_final_steps", r.dense_final_steps},
        {"dense_layers", r.dense_layers},
        {"sparse_steps", sparse_steps}}},
      {"attention", json::parse(to_json(params)).at("attention")},
      {"totals_from_per_step_times", true},
      {"measured",
       {{"text_ms", r.text_ms},
        {"dense_step_ms", r.dense_step_ms},
        {"dense_steps_ms", r.dense_steps_measured_ms},
        {"first_sparse_step_ms", r.first_sparse_step_ms},
        {"sparse_step_ms", r.sparse_step_ms},
        {"sparse_steps_ms", r.sparse_steps_measured_ms},
        {"vae_ms", r.vae_ms},
        {"density", r.density},
        {"dense_attention_ms_per_dense_step", dense_attention_ms},
        {"dense_step_with_stage_times_ms", dense_timed_step_ms},
        {"sparse_step_with_stage_times_ms", sparse_timed_step_ms}}},
      {"totals", {{"dense_ms", r.dense_total_ms}, {"sparse_ms", r.sparse_total_ms}, {"speedup", r.speedup}}},
      {"peak_memory_bytes",
       {{"text", r.text_peak_bytes},
        {"dense_step", r.dense_peak_bytes},
        {"sparse_step", r.sparse_peak_bytes},
        {"vae", r.vae_peak_bytes}}},
      {"phases", phases},
  };
  r.json = j.dump(2);

  std::string t = fmt::format(
      "svg2 bench e2e: Wan {} (random weights) {}x{}x{} ({} tokens), {} steps, CFG {}, on {} ({}, {})\n",
      r.arch, r.width, r.height, r.frames, r.tokens, r.steps, cfg ? "on" : "off", r.device_name, r.device,
      r.dtype);
  t += fmt::format("attention: {}{}; {} dense steps{}, first {} layer(s) dense; measured density {:.1f}%\n",
                   to_string(params.attention.mode),
                   params.attention.fixed_density
                       ? fmt::format(" at fixed density {:.1f}%", *params.attention.fixed_density * 100)
                       : fmt::format(" top_p {}", params.attention.top_p),
                   r.dense_steps,
                   r.dense_final_steps > 0 ? fmt::format(" + {} final", r.dense_final_steps) : std::string(),
                   r.dense_layers, r.density * 100);
  t += fmt::format(
      "measured: T5 {:.0f} ms | dense step {:.1f} ms | first sparse step {:.1f} ms (cold k-means) | warm "
      "sparse step {:.1f} ms | VAE {:.0f} ms\n",
      r.text_ms, r.dense_step_ms, r.first_sparse_step_ms, r.sparse_step_ms, r.vae_ms);
  t += fmt::format(
      "totals for the whole video, computed from these per-step times (not one timed {}-step run):\n",
      r.steps);
  t += fmt::format("  all dense: {:.1f} s    {}: {:.1f} s    speedup {:.2f}x\n", r.dense_total_ms / 1000,
                   to_string(params.attention.mode), r.sparse_total_ms / 1000, r.speedup);
  t += fmt::format("peak device memory: T5 {} | dense step {} | sparse step {} | VAE {}\n",
                   gib(r.text_peak_bytes), gib(r.dense_peak_bytes), gib(r.sparse_peak_bytes),
                   gib(r.vae_peak_bytes));
  t += "breakdown of the sparse total:\n";
  for (const auto& p : r.phases)
    t += fmt::format("  {:<34} {:>10.1f} ms  {:>5.1f}%\n", p.name, p.ms, p.share * 100);
  r.text = t;
  return r;
}

}  // namespace svg2

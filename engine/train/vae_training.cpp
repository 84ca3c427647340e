// `svg2 train vae`: the demo model's Wan VAE on procedural clips. Short windows of the 33-frame
// clips (1 + 4k frames) cropped to a square, L1 reconstruction (optionally with an L1 on the spatial
// gradients, train/vae_loss.h) plus a small KL term. Afterwards
// the latent statistics (per-channel mean/std, for the DiT's normalized latent space) and the
// latent->RGB preview projection are measured on full clips and written to the manifest.
#include <ATen/Context.h>
#include <ATen/TensorOperators.h>
#include <ATen/core/Generator.h>
#include <ATen/core/grad_mode.h>
#include <ATen/ops/abs.h>
#include <ATen/ops/avg_pool3d.h>
#include <ATen/ops/cat.h>
#include <ATen/ops/eye.h>
#include <ATen/ops/linalg_solve.h>
#include <ATen/ops/ones.h>
#include <ATen/ops/randn.h>
#include <ATen/ops/stack.h>
#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <mutex>

#include "core/check.h"
#include "core/log.h"
#include "io/checkpoint.h"
#include "io/safetensors_writer.h"
#include "models/wan/vae_config.h"
#include "svg2/procedural.h"
#include "train/adamw.h"
#include "train/clip_render.h"
#include "train/resume.h"
#include "train/rng.h"
#include "train/step_prefetch.h"
#include "train/train_run.h"
#include "train/vae_batch.h"
#include "train/vae_forward.h"
#include "train/vae_loss.h"

namespace svg2 {
namespace {

using namespace svg2::train;
namespace p = svg2::procedural;

const p::ClipSize kClip{33, 256, 256};

at::Generator seeded_generator(const c10::Device& device, std::uint64_t seed) {
  at::Generator gen = at::globalContext().defaultGenerator(device).clone();
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_current_seed(seed);
  return gen;
}

// The parameters a decoder-only run trains: the post-quant conv and the decoder.
bool is_decoder_side(const std::string& name) {
  return name.rfind("decoder.", 0) == 0 || name.rfind("conv2.", 0) == 0;
}

VaeBatchSpec batch_spec(const VaeTrainOptions& o) {
  return VaeBatchSpec{o.frames, o.crop, o.object_crop, o.channel_shuffle, kClip};
}

void validate(const VaeTrainOptions& o) {
  train::validate_common(o);
  SVG2_CHECK(o.base_dim >= 4 && o.base_dim <= 256, "--base-dim must be in [4, 256], got {}", o.base_dim);
  SVG2_CHECK(o.z_dim >= 1 && o.z_dim <= 64, "--z-dim must be in [1, 64], got {}", o.z_dim);
  SVG2_CHECK(o.num_res_blocks >= 0 && o.num_res_blocks <= 4, "--res-blocks must be in [0, 4], got {}",
             o.num_res_blocks);
  SVG2_CHECK(o.batch >= 1 && o.batch <= 1024, "--batch must be in [1, 1024], got {}", o.batch);
  SVG2_CHECK(o.kl_weight >= 0, "--kl-weight must be >= 0, got {}", o.kl_weight);
  SVG2_CHECK(o.object_weight >= 0 && o.object_weight <= 100, "--object-weight must be in [0, 100], got {}",
             o.object_weight);
  SVG2_CHECK(o.edge_weight >= 0 && o.edge_weight <= 100, "--edge-weight must be in [0, 100], got {}",
             o.edge_weight);
  train::validate(batch_spec(o));  // --frames, --crop, --object-crop, --channel-shuffle
}

// The layout `svg2 train vae` builds for these sizes.
wan::WanVaeConfig trained_layout(const VaeTrainOptions& o) {
  return wan::make_wan_vae_config(o.base_dim, o.z_dim, {1, 2, 4, 4}, o.num_res_blocks, {false, true, true});
}

// A decoder-only run trains the run's own VAE, so its sizes are those of that VAE's weights, whatever
// the options say (the default --base-dim 16 on a base-24 VAE could only fail at load). Weights of a
// layout `train vae` does not build are left to the load, which names the tensor and both shapes.
VaeTrainOptions sized_like_the_run_vae(const VaeTrainOptions& o, const RunFiles& run) {
  if (!o.decoder_only || !fs::exists(run.vae())) return o;
  const wan::WanVaeConfig found =
      wan::detect_wan_vae_config(io::Checkpoint::open(run.vae(), io::ModelFamily::wan_vae));
  if (!found.encoder || wan::same_layout(trained_layout(o), found)) return o;
  VaeTrainOptions sized = o;
  sized.base_dim = static_cast<int>(found.encoder->first_channels);
  sized.z_dim = static_cast<int>(found.z_dim);
  sized.num_res_blocks = static_cast<int>(wan::residual_blocks_per_stage(*found.encoder));
  if (sized.num_res_blocks < 1 || !wan::same_layout(trained_layout(sized), found)) return o;
  log_info(
      "--decoder-only: {} has base_dim {}, z_dim {}, {} residual block(s) per stage; training it at "
      "those sizes (the options asked for {}, {}, {})",
      run.vae().string(), sized.base_dim, sized.z_dim, sized.num_res_blocks, o.base_dim, o.z_dim,
      o.num_res_blocks);
  return sized;
}

void save_weights(const RunFiles& run, wan::WanVaeImpl& vae) {
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  for (const auto& item : vae.named_parameters())
    tensors.emplace_back(item.key(), item.value().detach().to(at::kFloat).cpu());
  io::save_safetensors(run.vae(), tensors, {{"svg2", "demo-model vae"}});
}

// Per-channel latent mean/std and the preview projection, from `clips` full procedural clips.
nlohmann::json measure_latents(wan::WanVaeImpl& vae, const c10::Device& device, int clips,
                               std::uint64_t seed) {
  c10::InferenceMode guard;
  const int z = static_cast<int>(vae.config().z_dim);
  std::vector<at::Tensor> latents, colors;
  const int batch = 8;
  for (int start = 0; start < clips; start += batch) {
    std::vector<p::Scene> scenes;
    for (int i = start; i < std::min(clips, start + batch); ++i)
      scenes.push_back(
          p::sample_scene(mix_seed(seed, 0x57a7 + static_cast<std::uint64_t>(i)), {}, p::Split::Train));
    const at::Tensor video = render_batch(scenes, kClip).to(device);
    auto [mu, logvar] = vae_encode_train(vae, video);
    latents.push_back(mu.to(at::kFloat).cpu());
    // The colour each latent pixel stands for: frame 0 alone, then groups of 4 frames, 8x8 pixels.
    const at::Tensor first = at::avg_pool3d(video.slice(2, 0, 1), {1, 8, 8});
    const at::Tensor rest = at::avg_pool3d(video.slice(2, 1), {4, 8, 8});
    colors.push_back(at::cat({first, rest}, 2).to(at::kFloat).cpu());
  }
  const at::Tensor mu = at::cat(latents, 0);  // [N, z, T, h, w]
  const at::Tensor rgb = at::cat(colors, 0);  // [N, 3, T, h, w]
  const at::Tensor flat = mu.transpose(0, 1).reshape({z, -1});
  const at::Tensor mean = flat.mean(1), stdev = flat.std(1).clamp_min(1e-4);
  const at::Tensor normalized = ((flat - mean.unsqueeze(1)) / stdev.unsqueeze(1)).t();  // [P, z]
  const at::Tensor target = rgb.transpose(0, 1).reshape({3, -1}).t();                   // [P, 3]
  const at::Tensor x = at::cat({normalized, at::ones({normalized.size(0), 1})}, 1);
  const at::Tensor w = at::linalg_solve(x.t().mm(x) + 1e-3 * at::eye(z + 1), x.t().mm(target));  // [z+1, 3]
  const double fit_error = (x.mm(w) - target).abs().mean().item<double>();
  nlohmann::json factors = nlohmann::json::array();
  for (int c = 0; c < z; ++c)
    factors.push_back({w[c][0].item<double>(), w[c][1].item<double>(), w[c][2].item<double>()});
  nlohmann::json means = nlohmann::json::array(), stds = nlohmann::json::array();
  for (int c = 0; c < z; ++c) {
    means.push_back(mean[c].item<double>());
    stds.push_back(stdev[c].item<double>());
  }
  log_info("VAE latents over {} clips: preview fit mean |error| {:.3f} (RGB in [-1, 1])", clips, fit_error);
  return {{"vae", {{"latents_mean", means}, {"latents_std", stds}}},
          {"preview",
           {{"latent_rgb_factors", factors},
            {"latent_rgb_bias", {w[z][0].item<double>(), w[z][1].item<double>(), w[z][2].item<double>()}}}},
          {"preview_fit_error", fit_error}};
}

}  // namespace

TrainReport train_vae(const VaeTrainOptions& options) {
  validate(options);
  const RunFiles run = open_run(options.run_dir, /*create=*/true);
  const VaeTrainOptions o = sized_like_the_run_vae(options, run);
  const c10::Device device = training_device(o.device);
  if (o.threads > 0) at::set_num_threads(o.threads);
  at::globalContext().setAllowTF32CuBLAS(true);
  at::globalContext().setAllowTF32CuDNN(true);

  wan::WanVaeConfig config = trained_layout(o);
  config.latents_mean.assign(static_cast<std::size_t>(o.z_dim), 0.0);  // raw latents while training
  config.latents_std.assign(static_cast<std::size_t>(o.z_dim), 1.0);
  wan::WanVae vae(config, at::TensorOptions().dtype(at::kFloat).device(device));
  wan::init_random_wan_vae(*vae, o.seed);
  std::vector<NamedParam> all, params;
  for (auto& item : vae->named_parameters()) {
    const bool trained = !o.decoder_only || is_decoder_side(item.key());
    item.value().set_requires_grad(trained);
    all.push_back({item.key(), item.value(), 1.0, item.value().dim() > 1});
    if (trained) params.push_back(all.back());
  }
  if (o.decoder_only) {
    SVG2_CHECK(o.resume,
               "--decoder-only trains the decoder of the run's trained VAE; it cannot start --fresh");
    SVG2_CHECK(
        fs::exists(run.vae()),
        "--decoder-only trains the decoder of a trained VAE, but {} has none (run `svg2 train vae` first, "
        "or copy a model folder there)",
        run.dir.string());
  }
  // A decoder-only run keeps its own optimizer state: a full run's moments cover other parameters.
  const std::string stage = o.decoder_only ? "vae-decoder" : "vae";
  const ResumePlan resume =
      plan_resume(run, stage, run.vae(), o.resume, o.decoder_only ? "VAE decoder" : "VAE");
  // The encoder (and, on a state resume, everything) comes from the saved weights.
  if (resume.source != ResumeSource::scratch) load_weights_into(all, run.vae(), "");
  AdamW opt(params, AdamWOptions{}, /*ema_decay=*/0);
  if (resume.source == ResumeSource::state) opt.load_state(read_all_tensors(run.state(stage)), resume.steps);
  const int start = resume.steps;
  log_info(
      "VAE: {} parameters trained{} ({}), on {}, {} frames {}x{} crops ({:.0f}% around an object), batch {}, "
      "object L1 weight 1 + {}, edge weight {}, {:.0f}% channel-shuffled",
      [&] {
        std::int64_t n = 0;
        for (const auto& p : params) n += p.param.numel();
        return n;
      }(),
      o.decoder_only ? " (decoder only, encoder frozen)" : "", config.describe(), device.str(), o.frames,
      o.crop, o.crop, 100 * o.object_crop, o.batch, o.object_weight, o.edge_weight, 100 * o.channel_shuffle);

  StepBudget budget(o.time_budget_s, o.steps, start);
  std::vector<std::pair<int, double>> log;
  double window = 0, window_l1 = 0, window_kl = 0, window_edge = 0;
  int window_n = 0, step = start;
  // Step s's clips and noise seed come from its own Rng, so the next step's clips can be rendered on
  // a worker thread while this step runs.
  struct StepInput {
    VaeBatch batch;
    Rng rng;
  };
  const bool pin = device.is_cuda();
  p::SceneOptions scene_options;
  scene_options.two_object_fraction = o.two_object_fraction;
  StepPrefetcher<StepInput> inputs([&](int s) {
    Rng rng(mix_seed(o.seed, 0x5eed0000ull + static_cast<std::uint64_t>(s)));
    std::vector<p::Scene> scenes;
    scenes.reserve(static_cast<std::size_t>(o.batch));
    for (int i = 0; i < o.batch; ++i)
      scenes.push_back(p::sample_scene(rng.next_u64(), scene_options, p::Split::Train));
    VaeBatch batch = make_vae_batch(scenes, batch_spec(o), rng);
    if (pin) {  // page-locked, so the copies to the device below do not block the host
      batch.video = batch.video.pin_memory();
      batch.object_mask = batch.object_mask.pin_memory();
    }
    return StepInput{std::move(batch), rng};
  });
  bool more = budget.another_fits(step);
  while (more) {
    auto [batch, rng] = inputs.take(step);
    // The next step's clips render during all of this step, its kernel launches included, not only
    // during the device's tail after the optimizer step. Unused after the last step.
    inputs.prefetch(step + 1);
    const at::Tensor video = batch.video.to(device, /*non_blocking=*/true);
    // Weighted mean: 1 on background pixels, 1 + object_weight on object pixels.
    const at::Tensor weight =
        batch.object_mask.to(device, /*non_blocking=*/true).mul(o.object_weight).add(1.0);
    at::Tensor loss, l1, kl, edge;
    {
      AutocastGuard autocast(device, o.bf16);
      auto [mu, logvar] = [&] {
        at::AutoGradMode grad(!o.decoder_only);
        return vae_encode_train(*vae, video);
      }();
      at::Generator gen = seeded_generator(device, rng.next_u64());
      const at::Tensor eps = at::randn(mu.sizes(), gen, mu.options().dtype(at::kFloat));
      const at::Tensor z = mu.to(at::kFloat) + (0.5 * logvar.to(at::kFloat)).exp() * eps;
      const at::Tensor recon = vae_decode_train(*vae, z);
      const ReconstructionLoss rec = reconstruction_loss(recon, video, weight, o.edge_weight);
      l1 = rec.l1;
      edge = rec.edge;
      const at::Tensor m = mu.to(at::kFloat), lv = logvar.to(at::kFloat);
      kl = (0.5 * (m * m + lv.exp() - 1 - lv)).mean();
      loss = o.decoder_only ? rec.total
                            : rec.total + o.kl_weight * kl;  // a frozen encoder gets nothing from the KL
    }
    loss.backward();
    opt.step(learning_rate(step, budget.schedule_total(), o.warmup_steps, o.lr));
    ++step;
    more = budget.another_fits(step);
    const at::Tensor values =
        at::stack({loss.detach(), l1.detach(), kl.detach(), edge.detach()}).to(at::kDouble).cpu();
    window += values[0].item<double>();
    window_l1 += values[1].item<double>();
    window_kl += values[2].item<double>();
    window_edge += values[3].item<double>();
    ++window_n;
    if (o.log_every > 0 && (step % o.log_every == 0 || !more)) {
      const double mean = window / window_n;
      log.emplace_back(step, mean);
      append_log(run.loss_log(stage),
                 {{"step", step},
                  {"loss", mean},
                  {"l1", window_l1 / window_n},
                  {"kl", window_kl / window_n},
                  {"edge", window_edge / window_n},
                  {"lr", learning_rate(step, budget.schedule_total(), o.warmup_steps, o.lr)},
                  {"seconds", budget.elapsed()},
                  {"input_wait_seconds", inputs.waited_seconds()}});
      log_info(
          "VAE step {}/{}: loss {:.4f} (L1 {:.4f}, edge {:.4f}, KL {:.2f}) {:.1f} s ({:.1f} s waiting for "
          "clips)",
          step, budget.schedule_total(), mean, window_l1 / window_n, window_edge / window_n,
          window_kl / window_n, budget.elapsed(), inputs.waited_seconds());
      window = window_l1 = window_kl = window_edge = 0;
      window_n = 0;
    }
    if (o.checkpoint_every > 0 && step % o.checkpoint_every == 0) {
      save_weights(run, *vae);
      io::save_safetensors(run.state(stage), opt.state_tensors());
      write_json_file(run.state_json(stage), {{"steps", step}});
    }
  }
  save_weights(run, *vae);
  io::save_safetensors(run.state(stage), opt.state_tensors());
  write_json_file(
      run.state_json(stage),
      {{"steps", step}, {"base_dim", o.base_dim}, {"z_dim", o.z_dim}, {"num_res_blocks", o.num_res_blocks}});
  const double train_seconds = budget.elapsed();
  nlohmann::json details = {{"device", device.str()},
                            {"config", config.describe()},
                            {"decoder_only", o.decoder_only},
                            {"two_object_fraction", o.two_object_fraction},
                            {"resumed_from", resume_source_name(resume.source)}};
  // A frozen encoder's latents have the statistics the manifest already holds (and its DiT was
  // trained against): those stay.
  if (!o.decoder_only) {
    nlohmann::json stats = measure_latents(*vae, device, o.stats_clips, o.seed);
    details["preview_fit_error"] = stats["preview_fit_error"];
    stats.erase("preview_fit_error");
    update_manifest(run, stats);
  }
  return make_report(stage, step, step - start, train_seconds, log, std::move(details));
}

}  // namespace svg2

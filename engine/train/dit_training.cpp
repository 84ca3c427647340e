// `svg2 train dit`: the demo model's Wan DiT, trained jointly with its umT5 text encoder on a
// bank of VAE-encoded procedural clips. Flow matching as Wan samples it: x_sigma = (1 - sigma) x0
// + sigma noise, the DiT predicts v = noise - x0 at timestep sigma * 1000; sigma from a
// logit-normal, shifted like the sampler's schedule (--sigma-shift); a share of samples sees the empty prompt
// so classifier-free guidance works with an empty negative prompt. bf16 autocast on CUDA, fp32 master
// weights, AdamW, EMA weights are what gets saved as the model.
#include <ATen/Context.h>
#include <ATen/TensorOperators.h>
#include <ATen/core/Generator.h>
#include <ATen/ops/full.h>
#include <ATen/ops/rand.h>
#include <ATen/ops/randint.h>
#include <ATen/ops/randn.h>
#include <ATen/ops/sigmoid.h>
#include <ATen/ops/where.h>
#include <ATen/ops/zeros.h>
#include <c10/core/InferenceMode.h>

#include <mutex>

#include "core/check.h"
#include "core/log.h"
#include "io/checkpoint.h"
#include "io/safetensors_writer.h"
#include "models/wan/dit.h"
#include "models/wan/dit_weights.h"
#include "text/text_encoder.h"
#include "train/adamw.h"
#include "train/latent_bank.h"
#include "train/latent_bank_cache.h"
#include "train/resume.h"
#include "train/rng.h"
#include "train/train_run.h"

namespace svg2 {
namespace {

using namespace svg2::train;

at::Generator seeded_generator(const c10::Device& device, std::uint64_t seed) {
  at::Generator gen = at::globalContext().defaultGenerator(device).clone();
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_current_seed(seed);
  return gen;
}

void validate(const DitTrainOptions& o) {
  train::validate_common(o);
  SVG2_CHECK(o.dim >= 16 && o.num_heads >= 1 && o.dim % o.num_heads == 0 && (o.dim / o.num_heads) % 2 == 0,
             "--dim {} must be >= 16 and split into --heads {} of even width", o.dim, o.num_heads);
  SVG2_CHECK(o.num_layers >= 1 && o.num_layers <= 64, "--layers must be in [1, 64], got {}", o.num_layers);
  SVG2_CHECK(o.ffn_dim >= 16, "--ffn must be >= 16, got {}", o.ffn_dim);
  SVG2_CHECK(o.frames >= 1 && (o.frames - 1) % 4 == 0, "--frames must be 4n+1, got {}", o.frames);
  SVG2_CHECK(o.width % 16 == 0 && o.height % 16 == 0 && o.width >= 16 && o.height >= 16,
             "--size must be multiples of 16, got {}x{}", o.width, o.height);
  SVG2_CHECK(o.bank_clips >= 1, "--bank must be >= 1, got {}", o.bank_clips);
  SVG2_CHECK(o.text_dropout >= 0 && o.text_dropout < 1, "--text-dropout must be in [0, 1), got {}",
             o.text_dropout);
  SVG2_CHECK(o.batch >= 1 && o.batch <= 4096, "--batch must be in [1, 4096], got {}", o.batch);
  SVG2_CHECK(o.ema_decay >= 0 && o.ema_decay < 1, "--ema must be in [0, 1), got {}", o.ema_decay);
  SVG2_CHECK(o.sigma_shift >= 1 && o.sigma_shift <= 20, "--sigma-shift must be in [1, 20], got {}",
             o.sigma_shift);
}

std::vector<double> json_doubles(const nlohmann::json& j, const std::string& key, const std::string& file) {
  SVG2_CHECK(j.is_array(), "{}: '{}' is missing; run 'svg2 train vae' first", file, key);
  return j.get<std::vector<double>>();
}

// adaLN-Zero: blocks start as identity maps and the output starts at zero velocity.
void zero_init_outputs(wan::WanDiTImpl& dit) {
  at::NoGradGuard no_grad;
  for (auto& item : dit.named_parameters()) {
    const std::string& n = item.key();
    if (n.rfind("time_projection.", 0) == 0 || n.rfind("head.head.", 0) == 0) item.value().zero_();
  }
}

void save_model(const RunFiles& run, const AdamW& opt) {
  std::vector<std::pair<std::string, at::Tensor>> dit, t5;
  for (const auto& [name, w] : opt.ema_weights()) {
    const at::Tensor cpu = w.detach().to(at::kFloat).cpu();
    if (name.rfind("dit.", 0) == 0)
      dit.emplace_back(name.substr(4), cpu);
    else
      t5.emplace_back(name.substr(3), cpu);
  }
  io::save_safetensors(run.dit(), dit, {{"svg2", "demo-model dit (EMA)"}});
  if (!t5.empty()) io::save_safetensors(run.text_encoder(), t5, {{"svg2", "demo-model text encoder (EMA)"}});
}

}  // namespace

TrainReport train_dit(const DitTrainOptions& o) {
  validate(o);
  const RunFiles run = open_run(o.run_dir, /*create=*/false);
  const c10::Device device = training_device(o.device);
  if (o.threads > 0) at::set_num_threads(o.threads);
  at::globalContext().setAllowTF32CuBLAS(true);
  at::globalContext().setAllowTF32CuDNN(true);
  const nlohmann::json manifest = read_json_file(run.manifest());
  const std::string manifest_name = run.manifest().string();
  SVG2_CHECK(fs::exists(run.tokenizer()) && fs::exists(run.text_encoder()),
             "{} has no tokenizer.model / text_encoder.safetensors; run 'svg2 train text' first", o.run_dir);
  SVG2_CHECK(fs::exists(run.vae()) && manifest.contains("vae"),
             "{} has no trained VAE (vae.safetensors and the manifest's latent statistics); run 'svg2 train "
             "vae' first",
             o.run_dir);
  const int text_len = manifest.value("text_len", 32);
  const std::vector<double> mean = json_doubles(manifest["vae"].value("latents_mean", nlohmann::json()),
                                                "vae.latents_mean", manifest_name);
  const std::vector<double> stdev =
      json_doubles(manifest["vae"].value("latents_std", nlohmann::json()), "vae.latents_std", manifest_name);

  const text::Tokenizer tokenizer = text::Tokenizer::load(run.tokenizer());
  const ResumePlan resume = plan_resume(run, "dit", run.dit(), o.resume, "DiT");
  const int start_steps = resume.steps;
  // The text encoder starts from the run's text_encoder.safetensors (`train text`'s init, or the
  // EMA weights this stage saved last); on resume from the state its weights come from there.
  text::UMT5Encoder t5 = text::load_umt5_encoder(
      io::Checkpoint::open(run.text_encoder(), io::ModelFamily::wan_t5), device, at::kFloat);

  // Latent bank first (the VAE is not needed afterwards).
  LatentBank bank;
  std::int64_t z_dim = 0, cached_clips = 0;
  {
    const LatentBankKey bank_key{mean, stdev, {o.frames, o.width, o.height}};
    // Before the new clips: a cache made for another VAE or size fails here, not after encoding.
    LatentBank cached;
    if (!o.bank_cache.empty()) cached = load_latent_bank(o.bank_cache, bank_key, tokenizer, text_len, device);
    cached_clips = cached.size();
    wan::WanVae vae = wan::load_wan_vae(io::Checkpoint::open(run.vae(), io::ModelFamily::wan_vae), device,
                                        device.is_cuda() ? at::kBFloat16 : at::kFloat, mean, stdev);
    z_dim = vae->config().z_dim;
    procedural::SceneOptions scenes;
    scenes.two_object_fraction = o.two_object_fraction;
    bank = build_latent_bank(*vae, tokenizer, text_len, o.bank_clips, o.seed, bank_key.size, scenes, device,
                             o.bank_budget_s);
    if (!o.bank_cache.empty()) {
      bank = concat_latent_banks(cached, bank, tokenizer, text_len, device);
      save_latent_bank(o.bank_cache, bank, bank_key);
      log_info("latent bank cache {}: {} earlier clips + {} new = {}", o.bank_cache, cached_clips,
               bank.size() - cached_clips, bank.size());
    }
  }
  // The empty prompt (EOS, then padding) as one row as wide as the bank's token rows.
  at::Tensor empty_ids = at::full({1, bank.ids.size(1)}, tokenizer.pad_id(), bank.ids.options());
  at::Tensor empty_mask = at::zeros({1, bank.ids.size(1)}, bank.mask.options());
  empty_ids.select(1, 0).fill_(tokenizer.eos_id());
  empty_mask.select(1, 0).fill_(1);

  wan::DiTConfig config;
  config.dim = o.dim;
  config.ffn_dim = o.ffn_dim;
  config.num_heads = o.num_heads;
  config.num_layers = o.num_layers;
  config.in_dim = config.out_dim = z_dim;
  config.text_dim = t5->config().d_model;
  config.text_len = text_len;
  wan::validate(config);
  wan::WanDiT dit = wan::make_random_dit(config, device, at::kFloat, o.seed);
  zero_init_outputs(*dit);

  std::vector<NamedParam> params;
  auto no_decay = [](const std::string& n, const at::Tensor& t) {
    return t.dim() <= 1 || n.find("modulation") != std::string::npos;
  };
  for (auto& item : dit->named_parameters()) {
    item.value().set_requires_grad(true);
    params.push_back({"dit." + item.key(), item.value(), 1.0, !no_decay(item.key(), item.value())});
  }
  if (o.train_text_encoder) {
    for (auto& item : t5->named_parameters()) {
      item.value().set_requires_grad(true);
      params.push_back(
          {"t5." + item.key(), item.value(), o.text_lr_scale, !no_decay(item.key(), item.value())});
    }
  }
  // Before the optimizer, whose EMA starts from the live weights.
  if (resume.source == ResumeSource::weights) load_weights_into(params, run.dit(), "dit.");
  AdamW opt(params, AdamWOptions{}, o.ema_decay);
  if (resume.source == ResumeSource::state) opt.load_state(read_all_tensors(run.state("dit")), start_steps);
  log_info(
      "DiT: {} parameters, {} layers x {} wide ({} heads), text encoder {} ({}), bank {} clips, batch {}, on "
      "{}",
      config.parameter_count(), config.num_layers, config.dim, config.num_heads, t5->config().describe(),
      o.train_text_encoder ? "trained jointly" : "frozen", bank.size(), o.batch, device.str());

  StepBudget budget(o.time_budget_s, o.steps, start_steps);
  std::vector<std::pair<int, double>> log;
  double window = 0;
  int window_n = 0, step = start_steps;
  const std::int64_t n_bank = bank.size();
  while (budget.another_fits(step)) {
    at::Generator gen =
        seeded_generator(device, mix_seed(o.seed, 0xd17000000ull + static_cast<std::uint64_t>(step)));
    const at::Tensor index =
        at::randint(n_bank, {o.batch}, gen, at::TensorOptions().dtype(at::kLong).device(device));
    const at::Tensor x0 = bank.latents.index_select(0, index).to(at::kFloat);
    // Text dropout: those samples get the empty prompt (its EOS only).
    const at::Tensor drop = at::rand({o.batch}, gen, at::TensorOptions().device(device)) < o.text_dropout;
    at::Tensor ids = bank.ids.index_select(0, index), mask = bank.mask.index_select(0, index);
    const at::Tensor keep = drop.logical_not().unsqueeze(1);
    ids = at::where(keep, ids, empty_ids.slice(1, 0, ids.size(1)));
    mask = at::where(keep, mask, empty_mask.slice(1, 0, mask.size(1)));
    const at::Tensor unshifted =
        at::sigmoid(at::randn({o.batch}, gen, at::TensorOptions().device(device)) * o.logit_normal_std +
                    o.logit_normal_mean);
    const at::Tensor sigma = o.sigma_shift * unshifted / (1 + (o.sigma_shift - 1) * unshifted);
    const at::Tensor noise = at::randn(x0.sizes(), gen, x0.options());
    const at::Tensor s = sigma.view({-1, 1, 1, 1, 1});
    const at::Tensor xt = (1 - s) * x0 + s * noise;
    at::Tensor loss;
    {
      AutocastGuard autocast(device, o.bf16);
      at::Tensor context = t5->forward(ids, mask);
      context = context * mask.unsqueeze(-1).to(context.scalar_type());
      const at::Tensor v = dit->forward(xt, (sigma * 1000).to(at::kFloat).cpu(), context);
      loss = (v.to(at::kFloat) - (noise - x0)).pow(2).mean();
    }
    loss.backward();
    opt.step(learning_rate(step, budget.schedule_total(), o.warmup_steps, o.lr));
    ++step;
    window += loss.item<double>();
    ++window_n;
    const bool last = !budget.another_fits(step);
    if (o.log_every > 0 && (step % o.log_every == 0 || last)) {
      log.emplace_back(step, window / window_n);
      append_log(run.loss_log("dit"),
                 {{"step", step},
                  {"loss", window / window_n},
                  {"lr", learning_rate(step, budget.schedule_total(), o.warmup_steps, o.lr)},
                  {"seconds", budget.elapsed()}});
      log_info("DiT step {}/{}: loss {:.4f}, {:.1f} s", step, budget.schedule_total(), window / window_n,
               budget.elapsed());
      window = 0;
      window_n = 0;
    }
    if (o.checkpoint_every > 0 && step % o.checkpoint_every == 0 && !last) {
      save_model(run, opt);
      io::save_safetensors(run.state("dit"), opt.state_tensors());
      write_json_file(run.state_json("dit"), {{"steps", step}});
    }
  }
  const double seconds = budget.elapsed();
  save_model(run, opt);
  io::save_safetensors(run.state("dit"), opt.state_tensors());
  write_json_file(run.state_json("dit"), {{"steps", step}, {"bank_clips", bank.size()}, {"batch", o.batch}});
  update_manifest(run, {{"defaults",
                         {{"width", o.width},
                          {"height", o.height},
                          {"frames", o.frames},
                          {"steps", 20},
                          {"guidance", 4.0},
                          {"shift", 3.0},
                          {"sampler", "unipc"},
                          {"negative_prompt", ""}}},
                        {"sizes", {{o.width, o.height}}},
                        {"dit", {{"num_heads", o.num_heads}}}});
  return make_report("dit", step, step - start_steps, seconds, log,
                     {{"device", device.str()},
                      {"parameters", config.parameter_count()},
                      {"bank_clips", bank.size()},
                      {"bank_cached_clips", cached_clips},
                      {"two_object_fraction", o.two_object_fraction},
                      {"batch", o.batch},
                      {"resumed_from", resume_source_name(resume.source)}});
}

}  // namespace svg2

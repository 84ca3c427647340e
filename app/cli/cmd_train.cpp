// svg2 train text|vae|dit|export|eval: training the bundled demo model (svg2/train.h).
#include <sstream>

#include "cli/cli_context.h"
#include "svg2/train.h"

namespace svg2::cli {
namespace {

void add_common(CLI::App* cmd, TrainCommonOptions& o) {
  cmd->add_option("--run", o.run_dir, "Run folder (a model folder that grows stage by stage)")->required();
  cmd->add_option("--device", o.device, "auto, cpu, cuda or cuda:N")->capture_default_str();
  cmd->add_option("--steps", o.steps, "Planned optimizer steps in total (the LR schedule spans them)")
      ->capture_default_str();
  cmd->add_option("--batch", o.batch, "Clips per step")->capture_default_str();
  cmd->add_option("--lr", o.lr, "Peak learning rate")->capture_default_str();
  cmd->add_option("--warmup", o.warmup_steps, "Linear warm-up steps")->capture_default_str();
  cmd->add_option("--seed", o.seed, "Seed of the data and the init")->capture_default_str();
  cmd->add_option(
         "--time-budget", o.time_budget_s,
         "Stop after this many seconds (checkpoint first); the schedule shrinks to what fits (0 = none)")
      ->capture_default_str();
  cmd->add_option("--checkpoint-every", o.checkpoint_every, "Steps between checkpoints (0 = at the end only)")
      ->capture_default_str();
  cmd->add_option("--log-every", o.log_every, "Steps between loss log lines")->capture_default_str();
  cmd->add_flag("!--fresh", o.resume, "Start over instead of resuming from the run folder's state");
  cmd->add_option("--threads", o.threads, "CPU threads (0 = default)")->capture_default_str();
  cmd->add_flag("!--no-bf16", o.bf16, "Train in fp32 on CUDA too (default: bf16 autocast)");
  cmd->add_option("--two-object-fraction", o.two_object_fraction, "Share of training clips with two objects")
      ->capture_default_str();
}

std::string human_report(const TrainReport& r) {
  std::ostringstream s;
  s << "train " << r.stage << ": ";
  if (r.stage == "vae" || r.stage == "dit")
    s << r.steps_this_run << " steps this run (" << r.steps_done << " in total) in " << r.seconds
      << " s, last loss " << r.last_loss;
  else
    s << "done in " << r.seconds << " s";
  s << "\n" << r.json << "\n";
  return s.str();
}

int print_train(const CliContext& ctx, const TrainReport& r) {
  print_result(ctx, nlohmann::json::parse(r.json), human_report(r));
  return 0;
}

}  // namespace

void add_train_command(CLI::App& app, CliContext& ctx) {
  auto* cmd = app.add_subcommand("train",
                                 "Train the bundled demo model: text, vae, dit, then export; eval scores it");
  cmd->require_subcommand(1);

  auto text = std::make_shared<TextTrainOptions>();
  auto* t = cmd->add_subcommand(
      "text", "Train the SentencePiece tokenizer on the prompt templates; init the tiny umT5");
  t->add_option("--run", text->run_dir, "Run folder")->required();
  t->add_option("--vocab", text->vocab_size, "Vocabulary size (upper bound)")->capture_default_str();
  t->add_option("--corpus", text->corpus_prompts, "Training prompts in the tokenizer corpus")
      ->capture_default_str();
  t->add_option("--d-model", text->d_model, "umT5 width")->capture_default_str();
  t->add_option("--layers", text->num_layers, "umT5 layers")->capture_default_str();
  t->add_option("--heads", text->num_heads, "umT5 heads")->capture_default_str();
  t->add_option("--d-kv", text->d_kv, "umT5 head width")->capture_default_str();
  t->add_option("--d-ff", text->d_ff, "umT5 feed-forward width")->capture_default_str();
  t->add_option("--text-len", text->text_len, "Context rows the DiT sees")->capture_default_str();
  t->add_option("--seed", text->seed, "Seed")->capture_default_str();
  t->callback([&ctx, text] { ctx.action = [&ctx, text] { return print_train(ctx, train_text(*text)); }; });

  auto vae = std::make_shared<VaeTrainOptions>();
  auto* v = cmd->add_subcommand("vae", "Train the Wan VAE (L1 + small KL), then measure latent statistics");
  add_common(v, *vae);
  v->add_option("--base-dim", vae->base_dim, "VAE base channels")->capture_default_str();
  v->add_option("--z-dim", vae->z_dim, "Latent channels")->capture_default_str();
  v->add_option("--res-blocks", vae->num_res_blocks, "Residual blocks per stage")->capture_default_str();
  v->add_option("--frames", vae->frames, "Frames per training window (1 + 4k)")->capture_default_str();
  v->add_option("--crop", vae->crop, "Square crop size, pixels")->capture_default_str();
  v->add_option("--kl-weight", vae->kl_weight, "KL term weight")->capture_default_str();
  v->add_option("--object-weight", vae->object_weight,
                "Extra L1 weight on pixels where an object covers the background (0 = plain L1)")
      ->capture_default_str();
  v->add_option(
       "--edge-weight", vae->edge_weight,
       "Weight of an L1 on the spatial gradients, for sharp edges and corners, in [0, 100] (0 = off)")
      ->capture_default_str();
  v->add_option("--object-crop", vae->object_crop, "Share of crops centred on an object, in [0, 1]")
      ->capture_default_str();
  v->add_option("--channel-shuffle", vae->channel_shuffle,
                "Share of samples with permuted RGB channels, in [0, 1] (every colour seen as often)")
      ->capture_default_str();
  v->add_option("--stats-clips", vae->stats_clips, "Clips for latent statistics")->capture_default_str();
  v->add_flag(
      "--decoder-only", vae->decoder_only,
      "Train only the decoder on the run's frozen encoder: latents and their statistics stay, so its "
      "DiT stays valid (the sizes are the run's VAE's, whatever --base-dim, --z-dim, --res-blocks say)");
  v->callback([&ctx, vae] { ctx.action = [&ctx, vae] { return print_train(ctx, train_vae(*vae)); }; });

  auto dit = std::make_shared<DitTrainOptions>();
  auto* d =
      cmd->add_subcommand("dit", "Train the Wan DiT jointly with the umT5 (flow matching, text dropout)");
  add_common(d, *dit);
  d->add_option("--dim", dit->dim, "DiT width")->capture_default_str();
  d->add_option("--layers", dit->num_layers, "DiT blocks")->capture_default_str();
  d->add_option("--heads", dit->num_heads, "DiT attention heads")->capture_default_str();
  d->add_option("--ffn", dit->ffn_dim, "DiT feed-forward width")->capture_default_str();
  d->add_option("--frames", dit->frames, "Clip frames (4n+1)")->capture_default_str();
  d->add_option("--bank", dit->bank_clips, "Clips encoded into the latent bank")->capture_default_str();
  d->add_option("--bank-budget", dit->bank_budget_s, "Seconds allowed for the bank (0 = no limit)")
      ->capture_default_str();
  d->add_option("--bank-cache", dit->bank_cache,
                "Keep the latent bank in this file across calls: load its clips, add this call's new ones "
                "(give each call a new --seed), save the union before training");
  d->add_option("--text-dropout", dit->text_dropout, "Share of samples with the empty prompt")
      ->capture_default_str();
  d->add_option("--text-lr-scale", dit->text_lr_scale, "umT5 LR relative to the DiT's")
      ->capture_default_str();
  d->add_option("--ema", dit->ema_decay, "EMA decay of the saved weights")->capture_default_str();
  d->add_option("--sigma-shift", dit->sigma_shift,
                "Flow shift applied to the training sigmas (match the sampler's shift; 1 = none)")
      ->capture_default_str();
  d->add_flag("!--freeze-text", dit->train_text_encoder, "Keep the umT5 at its init");
  d->callback([&ctx, dit] { ctx.action = [&ctx, dit] { return print_train(ctx, train_dit(*dit)); }; });

  auto exp = std::make_shared<ModelExportOptions>();
  auto* e =
      cmd->add_subcommand("export", "Write the model folder: half-precision weights, tokenizer, manifest");
  e->add_option("--run", exp->run_dir, "Run folder")->required();
  e->add_option("--out", exp->out_dir, "Model folder to write (e.g. resources/models/demo)")->required();
  e->add_option("--dtype", exp->dtype, "fp16, bf16 or fp32")->capture_default_str();
  e->add_option("--manifest-patch", exp->manifest_patch, "JSON merged into svg2_model.json");
  e->callback(
      [&ctx, exp] { ctx.action = [&ctx, exp] { return print_train(ctx, export_demo_model(*exp)); }; });

  auto grow = std::make_shared<DitGrowOptions>();
  auto* g = cmd->add_subcommand(
      "grow-dit", "Deepen a trained DiT: identity copies of chosen blocks (zero output projections)");
  g->add_option("--run", grow->run_dir, "Run or model folder with the trained DiT")->required();
  g->add_option("--out", grow->out_dir, "New folder for the grown run (the input stays as is)")->required();
  g->add_option("--insert-after", grow->insert_after, "Blocks to copy, e.g. 1,3 (6 -> 8 blocks)")
      ->required()
      ->delimiter(',');
  g->callback([&ctx, grow] { ctx.action = [&ctx, grow] { return print_train(ctx, grow_dit(*grow)); }; });

  auto ev = std::make_shared<EvalOptions>();
  auto* q = cmd->add_subcommand("eval",
                                "Score a model on held-out prompts (checker; dense vs SVG2 vs block top-k)");
  q->add_option("--model", ev->model_dir, "Model folder (default: the bundled demo model)");
  q->add_option("--prompts", ev->prompts, "Held-out prompts to score")->capture_default_str();
  q->add_option("--psnr-prompts", ev->psnr_prompts, "Prompts for the PSNR comparison")->capture_default_str();
  q->add_option("--seed", ev->seed, "First held-out prompt seed")->capture_default_str();
  q->add_option("--device", ev->device, "auto, cpu, cuda or cuda:N")->capture_default_str();
  q->add_option("--steps", ev->steps, "Sampler steps (0 = model default)")->capture_default_str();
  q->add_flag("!--dense-only", ev->sparse, "Skip the SVG2 and block top-k renders");
  q->add_option("--out", ev->out_json, "Write the full report (per prompt) here");
  q->add_flag("--ceiling", ev->ceiling,
              "Also score the ground-truth clips and their VAE round trip (what a perfect DiT could reach)");
  q->callback([&ctx, ev] {
    ctx.action = [&ctx, ev] {
      const EvalReport r = evaluate_demo_model(*ev);
      std::ostringstream s;
      auto shares = [](const CheckerShares& c) {
        std::ostringstream t;
        t << "color " << c.color * 100 << "%, shape " << c.shape * 100 << "%, motion " << c.motion * 100
          << "%";
        return t.str();
      };
      s << "eval over " << r.prompts << " held-out prompts in " << r.seconds << " s\n"
        << "  dense: " << shares(r.dense) << "\n";
      if (ev->sparse)
        s << "  svg2:  " << shares(r.sparse) << "\n"
          << "  PSNR vs dense: svg2 " << r.svg2_psnr << " dB at density " << r.svg2_density
          << ", block top-k " << r.blocktopk_psnr << " dB at density " << r.blocktopk_density << "\n";
      if (ev->ceiling)
        s << "  ground truth: " << shares(r.truth) << "\n"
          << "  VAE round trip: " << shares(r.vae) << ", " << r.vae_psnr << " dB vs ground truth\n";
      for (std::size_t k = 0; k < r.by_objects.size(); ++k) {
        const EvalReport::ByObjects& b = r.by_objects[k];
        s << "  " << (k == 0 ? "one object" : "two objects") << " (" << b.prompts << " prompts): dense "
          << shares(b.dense);
        if (ev->sparse) s << "; svg2 " << shares(b.sparse);
        if (ev->ceiling) s << "; VAE round trip " << shares(b.vae);
        s << "\n";
      }
      nlohmann::json j = nlohmann::json::parse(r.json);
      j.erase("rows");
      print_result(ctx, j, s.str());
      return 0;
    };
  });
}

}  // namespace svg2::cli

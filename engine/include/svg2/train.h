#pragma once
// Training the bundled demo model (a tiny Wan 2.1 text-to-video model) on procedural clips, in
// chunks that fit a time budget, with resumable checkpoints. Every stage reads and writes one
// run folder that is always a loadable model folder (svg2_model.json + weights):
//
//   svg2 train text --run DIR   SentencePiece tokenizer on the prompt templates, tiny umT5 init
//   svg2 train vae  --run DIR   Wan VAE: L1 reconstruction + small KL; then latent statistics
//   svg2 train dit  --run DIR   Wan DiT + umT5 jointly: flow matching, text dropout for CFG
//   svg2 train export --run DIR --out resources/models/demo   half-precision weights + manifest
//   svg2 train eval --model DIR   checker scores and dense-vs-sparse PSNR on held-out prompts
//
// Plain C++ (no LibTorch): the CLI includes this header only.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "svg2/procedural.h"

namespace svg2 {

struct TrainCommonOptions {
  std::string run_dir;          // the run folder (created when missing)
  std::string device = "auto";  // "auto" (CUDA when present), "cpu", "cuda", "cuda:N"
  int steps = 1000;             // planned optimizer steps in total (the LR schedule spans them)
  int batch = 16;
  double lr = 4e-4;
  int warmup_steps = 50;
  std::uint64_t seed = 1;
  // Wall-clock budget for this invocation, seconds (0 = none). Training stops, checkpoints and
  // returns when the next step would not fit; the schedule then shrinks to the steps that fit
  // (estimated from the first steps), so a budgeted run still ends with a decayed LR.
  double time_budget_s = 0;
  int checkpoint_every = 0;  // steps between checkpoints (0 = only at the end)
  int log_every = 10;
  bool resume = true;  // continue from the run folder's training state, else its weights, when present
  int threads = 0;     // CPU threads (0 = LibTorch's default)
  bool bf16 = true;    // bf16 autocast on CUDA (ignored on the CPU, which trains in fp32)
  // Share of the training clips (VAE batches, DiT latent bank) with two objects. Fine-tuning raises
  // it: two-object prompts hold most of the demo model's misses (its MODEL_CARD, Run 10).
  double two_object_fraction = procedural::SceneOptions{}.two_object_fraction;
};

struct TextTrainOptions {
  std::string run_dir;
  int vocab_size = 256;        // upper bound; a small corpus yields fewer pieces
  int corpus_prompts = 20000;  // training-split prompts the tokenizer learns from
  int d_model = 128, num_layers = 2, num_heads = 2, d_kv = 64, d_ff = 256, num_buckets = 32;
  int text_len = 48;  // context rows the DiT sees (the longest template prompt has 39 tokens)
  std::uint64_t seed = 1;
};

struct VaeTrainOptions : TrainCommonOptions {
  int base_dim = 16;
  int z_dim = 16;
  int num_res_blocks = 1;
  int frames = 9;  // clip frames per sample (1 + 4k)
  int crop = 128;  // square crop of the 256x256 clip, pixels (multiple of 8)
  double kl_weight = 1e-4;
  // Small objects cover ~2% of a clip, so a plain L1 lets the VAE trade them for the background.
  double object_weight = 0;    // extra L1 weight on pixels where an object covers the background
  double object_crop = 0;      // share of samples whose crop is centred (with jitter) on an object
  double channel_shuffle = 0;  // share of samples with permuted RGB channels (colour balance)
  int stats_clips = 128;       // full clips encoded afterwards for the latent mean/std and preview fit
  // Weight of an L1 on the spatial gradients (recon vs clip): charges for blurred edges and rounded
  // corners, which cost the pixel L1 little (train/vae_loss.h). 0 = the pixel L1 alone.
  double edge_weight = 0;
  // Train only the decoder side (conv2 + decoder) on the frozen encoder's latents: the latent space,
  // its statistics and the preview fit stay as they are, so a DiT trained on them stays valid.
  bool decoder_only = false;
};

struct DitTrainOptions : TrainCommonOptions {
  int dim = 256, num_layers = 6, num_heads = 2, ffn_dim = 768;
  int frames = 33, width = 256, height = 256;
  int bank_clips = 8192;       // training clips encoded once into a latent bank
  double bank_budget_s = 0;    // stop filling the bank after this long (0 = no limit)
  // A file that keeps the latent bank across calls: its clips are loaded, this call's new clips
  // (bank_clips / bank_budget_s, drawn from `seed`) are added, and the union is saved back before
  // training. Empty = this call's bank alone. Give each call of a chain a new seed.
  std::string bank_cache;
  double text_dropout = 0.1;   // share of samples trained with the empty prompt (for CFG)
  double text_lr_scale = 1.0;  // umT5 learning rate relative to the DiT's
  double logit_normal_mean = 0.0, logit_normal_std = 1.0;  // training sigma distribution
  // The sampler's flow shift applied to the training sigmas too (sigma' = s*sigma / (1 + (s-1)*sigma)),
  // so training sees the high-noise steps as often as a shifted sampling schedule visits them; 1 = none.
  double sigma_shift = 3.0;
  double ema_decay = 0.998;
  bool train_text_encoder = true;  // joint training; false keeps the umT5 init frozen
};

struct ModelExportOptions {
  std::string run_dir;
  std::string out_dir;
  std::string dtype = "fp16";  // storage: "fp16", "bf16" or "fp32"
  std::string manifest_patch;  // JSON merged into the exported svg2_model.json (e.g. tuned defaults)
};

// `svg2 train grow-dit`: a deeper DiT that computes exactly what the run's DiT computes. Each block
// listed in `insert_after` gets a copy inserted right after it whose three output projections
// (self-attention, cross-attention, FFN) are zero, so the copy starts as an identity map and
// training grows it from the neighbour's features. Writes a new run folder; the input stays as is.
struct DitGrowOptions {
  std::string run_dir;
  std::string out_dir;
  std::vector<int> insert_after;  // block indices of the input DiT, each at most once
};

struct TrainReport {
  std::string stage;   // "text", "vae", "vae-decoder", "dit", "export", "grow-dit"
  int steps_done = 0;  // optimizer steps in the run folder after this invocation
  int steps_this_run = 0;
  double seconds = 0;
  double last_loss = 0;                          // mean over the last log window
  std::vector<std::pair<int, double>> loss_log;  // (step, mean loss) for this invocation
  std::string json;                              // everything above plus stage details, one JSON object
};

TrainReport train_text(const TextTrainOptions& options);
TrainReport train_vae(const VaeTrainOptions& options);
TrainReport train_dit(const DitTrainOptions& options);
TrainReport export_demo_model(const ModelExportOptions& options);
TrainReport grow_dit(const DitGrowOptions& options);

struct EvalOptions {
  std::string model_dir;      // empty = the bundled demo model
  int prompts = 100;          // held-out prompts for the checker
  int psnr_prompts = 20;      // prompts for dense vs SVG2 vs block top-k
  std::uint64_t seed = 1000;  // first prompt seed (held-out split)
  std::string device = "auto";
  int steps = 0;         // 0 = the model's default
  bool sparse = true;    // also run SVG2 and block top-k
  std::string out_json;  // optional report path
  // Also score the ground-truth clips and their round trip through the model's VAE: what the
  // checker gives when the DiT is perfect (the ceiling the VAE sets).
  bool ceiling = false;
};

// Shares in [0, 1] of the checked clips whose colour, shape and motion pass the checker.
struct CheckerShares {
  double color = 0, shape = 0, motion = 0;
};

struct EvalReport {
  int prompts = 0;
  CheckerShares dense;                               // dense renders
  CheckerShares sparse;                              // SVG2 with the model defaults
  double svg2_psnr = 0, svg2_density = 0;            // mean over psnr_prompts
  double blocktopk_psnr = 0, blocktopk_density = 0;  // at SVG2's measured density
  // With EvalOptions::ceiling: the checker on the ground-truth clips and on their VAE round trip,
  // and the round trip's PSNR against the ground truth (mean over prompts).
  CheckerShares truth, vae;
  double vae_psnr = 0;
  // The same shares over the prompts with one object ([0]) and with two ([1]): the demo model
  // misses far more often on two-object prompts, and each prompt set draws its own mix.
  struct ByObjects {
    int prompts = 0;
    CheckerShares dense, sparse, truth, vae;
  };
  std::array<ByObjects, 2> by_objects;
  double seconds = 0;
  std::string json;
};

EvalReport evaluate_demo_model(const EvalOptions& options);

}  // namespace svg2

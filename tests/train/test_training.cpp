// The training stages end to end on the CPU with tiny sizes: text -> vae -> dit -> export gives
// a model folder the engine probes and renders; training lowers the loss; runs resume; a grown
// DiT computes what the trained one computes.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include <ATen/TensorOperators.h>
#include <ATen/ops/abs.h>
#include <ATen/ops/amax.h>
#include <ATen/ops/avg_pool3d.h>
#include <ATen/ops/from_blob.h>
#include <ATen/ops/full.h>
#include <ATen/ops/masked_select.h>
#include <ATen/ops/ones.h>
#include <ATen/ops/randn.h>
#include <ATen/ops/stack.h>
#include <ATen/ops/zeros.h>
#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <map>
#include <stdexcept>
#include <string>
#include <tuple>

#include "io/checkpoint.h"
#include "io/safetensors_writer.h"
#include "models/wan/dit_weights.h"
#include "svg2/engine.h"
#include "svg2/error.h"
#include "svg2/model_info.h"
#include "svg2/train.h"
#include "text/tokenizer.h"
#include "train/clip_render.h"
#include "train/latent_bank.h"
#include "train/latent_bank_cache.h"
#include "train/step_prefetch.h"
#include "train/train_run.h"
#include "train/vae_batch.h"
#include "train/vae_loss.h"

namespace fs = std::filesystem;

namespace {

fs::path fresh_dir(const std::string& name) {
  const fs::path dir =
      fs::temp_directory_path() / ("svg2_test_train_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  return dir;
}

svg2::TextTrainOptions tiny_text(const fs::path& run) {
  svg2::TextTrainOptions t;
  t.run_dir = run.string();
  t.corpus_prompts = 500;
  t.vocab_size = 128;
  t.d_model = 32;
  t.num_layers = 1;
  t.num_heads = 2;
  t.d_kv = 16;
  t.d_ff = 64;
  t.text_len = 64;  // a small corpus gives fewer pieces, so prompts take more tokens than with 20,000
  return t;
}

svg2::VaeTrainOptions tiny_vae(const fs::path& run, int steps) {
  svg2::VaeTrainOptions v;
  v.run_dir = run.string();
  v.device = "cpu";
  v.steps = steps;
  v.batch = 2;
  v.base_dim = 4;
  v.z_dim = 4;
  v.num_res_blocks = 1;  // the Wan VAE needs at least one residual block per stage
  v.frames = 5;
  v.crop = 32;
  v.warmup_steps = 5;
  v.lr = 2e-3;
  v.log_every = 5;
  v.stats_clips = 1;
  return v;
}

svg2::DitTrainOptions tiny_dit(const fs::path& run, int steps) {
  svg2::DitTrainOptions d;
  d.run_dir = run.string();
  d.device = "cpu";
  d.steps = steps;
  d.batch = 2;
  d.dim = 32;
  d.num_heads = 2;
  d.num_layers = 1;
  d.ffn_dim = 64;
  d.frames = 5;
  d.width = 32;
  d.height = 32;
  d.bank_clips = 4;
  d.warmup_steps = 1;
  d.log_every = 1;
  return d;
}

std::map<std::string, at::Tensor> read_weights(const fs::path& file) {
  const auto tensors = svg2::train::read_all_tensors(file);
  return {tensors.begin(), tensors.end()};
}

// |a - b| largest over each tensor; the two files must hold the same names and shapes.
std::map<std::string, double> weight_changes(const fs::path& before_file, const fs::path& after_file) {
  const auto before = read_weights(before_file), after = read_weights(after_file);
  EXPECT_EQ(before.size(), after.size());
  std::map<std::string, double> changes;
  for (const auto& [name, b] : before) {
    const auto it = after.find(name);
    if (it == after.end() || it->second.sizes() != b.sizes()) {
      ADD_FAILURE() << name << " is missing or reshaped in " << after_file;
      changes[name] = 1e9;
      continue;
    }
    changes[name] = (it->second - b).abs().max().item<double>();
  }
  return changes;
}

double max_weight_change(const fs::path& before_file, const fs::path& after_file) {
  double change = 0;
  for (const auto& [name, c] : weight_changes(before_file, after_file)) change = std::max(change, c);
  return change;
}

// max_weight_change split by the side of the VAE a tensor belongs to: the decoder side is what
// `train vae --decoder-only` trains (conv2 and decoder.*), the encoder side (conv1 and encoder.*)
// fixes the latent space.
struct VaeSideChange {
  double encoder = 0, decoder = 0;
};
VaeSideChange vae_weight_change(const fs::path& before_file, const fs::path& after_file) {
  VaeSideChange change;
  for (const auto& [name, c] : weight_changes(before_file, after_file)) {
    const bool decoder_side = name.rfind("decoder.", 0) == 0 || name.rfind("conv2.", 0) == 0;
    double& side = decoder_side ? change.decoder : change.encoder;
    side = std::max(side, c);
  }
  return change;
}

// `train dit --two-object-fraction`: the latent bank holds training-split scenes with two objects
// in that share (0 and 1 are exact; the default draws both kinds).
void expect_bank_object_counts_follow_the_fraction(const fs::path& run, const nlohmann::json& manifest) {
  namespace p = svg2::procedural;
  const c10::Device cpu(c10::kCPU);
  const auto mean = manifest.at("vae").at("latents_mean").get<std::vector<double>>();
  const auto stdev = manifest.at("vae").at("latents_std").get<std::vector<double>>();
  svg2::wan::WanVae vae = svg2::wan::load_wan_vae(
      svg2::io::Checkpoint::open(run / "vae.safetensors", svg2::io::ModelFamily::wan_vae), cpu, at::kFloat,
      mean, stdev);
  const auto tokenizer = svg2::text::Tokenizer::load(run / "tokenizer.model");
  const auto two_objects = [&](double fraction) {
    p::SceneOptions scenes;
    scenes.two_object_fraction = fraction;
    const svg2::train::LatentBank bank =
        svg2::train::build_latent_bank(*vae, tokenizer, 16, 24, 7, {5, 32, 32}, scenes, cpu, 0);
    EXPECT_EQ(bank.size(), 24);
    int count = 0;
    for (const std::string& prompt : bank.prompts) count += prompt.find(" and a ") != std::string::npos;
    return count;
  };
  EXPECT_EQ(two_objects(0.0), 0);
  EXPECT_EQ(two_objects(1.0), 24);
  const int mixed = two_objects(svg2::DitTrainOptions{}.two_object_fraction);
  EXPECT_GT(mixed, 0);
  EXPECT_LT(mixed, 24);
}

std::string resumed_from(const svg2::TrainReport& r) {
  return nlohmann::json::parse(r.json).value("resumed_from", "");
}

}  // namespace

TEST(Training, StagesBuildALoadableModelFolder) {
  const fs::path run = fresh_dir("stages"), out = fresh_dir("stages_out");
  const svg2::TrainReport text = svg2::train_text(tiny_text(run));
  EXPECT_TRUE(fs::exists(run / "tokenizer.model"));
  EXPECT_TRUE(fs::exists(run / "text_encoder.safetensors"));
  EXPECT_GT(nlohmann::json::parse(text.json).at("vocab_size").get<int>(), 20);

  const svg2::TrainReport vae = svg2::train_vae(tiny_vae(run, 3));
  EXPECT_EQ(vae.steps_done, 3);
  EXPECT_TRUE(std::isfinite(vae.last_loss));
  const nlohmann::json manifest = nlohmann::json::parse(std::ifstream(run / "svg2_model.json"));
  EXPECT_EQ(manifest.at("vae").at("latents_mean").size(), 4u);
  EXPECT_EQ(manifest.at("preview").at("latent_rgb_factors").size(), 4u);
  expect_bank_object_counts_follow_the_fraction(run, manifest);

  const svg2::TrainReport dit = svg2::train_dit(tiny_dit(run, 2));
  EXPECT_EQ(dit.steps_done, 2);
  EXPECT_TRUE(std::isfinite(dit.last_loss));

  // Resuming continues the step count.
  const svg2::TrainReport more = svg2::train_dit(tiny_dit(run, 3));
  EXPECT_EQ(more.steps_done, 3);
  EXPECT_EQ(more.steps_this_run, 1);

  svg2::ModelExportOptions e;
  e.run_dir = run.string();
  e.out_dir = out.string();
  e.manifest_patch =
      R"({"defaults": {"steps": 2, "width": 32, "height": 32, "frames": 5}, "sizes": [[32, 32]]})";
  svg2::export_demo_model(e);
  const svg2::ModelInfo info = svg2::probe_model(out.string());
  EXPECT_EQ(info.size_name, "demo");
  EXPECT_EQ(info.dim, 32);
  EXPECT_EQ(info.layers, 1);
  EXPECT_EQ(info.latent_channels, 4);
  EXPECT_EQ(info.default_steps, 2);

  // The exported folder renders through the engine.
  svg2::Engine engine;
  svg2::RenderParams params;
  params.model_dir = out.string();
  params.prompt = "a red circle moving left on a blue background";
  params.device = "cpu";
  params.attention.mode = svg2::AttentionMode::Dense;
  params.preview_every = 0;
  const svg2::RenderResult r = engine.render(params);
  EXPECT_EQ(r.video.frames, 5);
  EXPECT_EQ(r.video.width, 32);
  fs::remove_all(run);
  fs::remove_all(out);
}

TEST(Training, VaeLossGoesDown) {
  const fs::path run = fresh_dir("vae_loss");
  const svg2::TrainReport r = svg2::train_vae(tiny_vae(run, 40));
  ASSERT_GE(r.loss_log.size(), 2u);
  EXPECT_LT(r.loss_log.back().second, 0.8 * r.loss_log.front().second)
      << "first " << r.loss_log.front().second << " last " << r.loss_log.back().second;
  fs::remove_all(run);
}

// The gradient term of the VAE loss charges a blurred outline but not a flat colour offset (the
// pixel L1 prices that), adds to the total with its weight, and is zero when switched off.
TEST(Training, VaeEdgeLossChargesBlurredEdgesNotFlatOffsets) {
  at::Tensor video = at::full({1, 3, 1, 16, 16}, -1.0f);  // a bright square on a dark background
  video.narrow(3, 4, 8).narrow(4, 4, 8).fill_(1.0f);
  const at::Tensor weight = at::ones({1, 1, 1, 16, 16});
  const auto same = svg2::train::reconstruction_loss(video, video, weight, 1.0);
  EXPECT_EQ(same.total.item<float>(), 0.0f);

  const auto offset = svg2::train::reconstruction_loss(video + 0.2, video, weight, 1.0);
  EXPECT_NEAR(offset.l1.item<float>(), 0.2f, 1e-5);
  EXPECT_NEAR(offset.edge.item<float>(), 0.0f, 1e-6);

  // A 3x3 box blur: the same square with soft edges and rounded corners.
  const at::Tensor blurred = at::avg_pool3d(video, {1, 3, 3}, {1, 1, 1}, {0, 1, 1}, false, false);
  const auto blur = svg2::train::reconstruction_loss(blurred, video, weight, 2.0);
  EXPECT_GT(blur.edge.item<float>(), 0.05f);
  EXPECT_NEAR(blur.total.item<float>(), blur.l1.item<float>() + 2.0f * blur.edge.item<float>(), 1e-5);

  const auto off = svg2::train::reconstruction_loss(blurred, video, weight, 0.0);
  EXPECT_EQ(off.edge.item<float>(), 0.0f);
  EXPECT_EQ(off.total.item<float>(), blur.l1.item<float>());

  // A difference weighs as the heavier of its two pixels: with weight only inside the square, the
  // outline's differences still count, the background's do not.
  at::Tensor inside = at::zeros({1, 1, 1, 16, 16});
  inside.narrow(3, 4, 8).narrow(4, 4, 8).fill_(1.0f);
  at::Tensor far_smear = video.clone();
  far_smear.narrow(3, 0, 2).narrow(4, 0, 2).fill_(0.0f);  // a change in the background corner only
  EXPECT_EQ(svg2::train::reconstruction_loss(far_smear, video, inside, 1.0).edge.item<float>(), 0.0f);
  EXPECT_GT(svg2::train::reconstruction_loss(blurred, video, inside, 1.0).edge.item<float>(), 0.05f);
}

// --edge-weight reaches the training loss and its log.
TEST(Training, VaeEdgeWeightIsTrainedAndLogged) {
  const fs::path run = fresh_dir("vae_edge");
  svg2::VaeTrainOptions v = tiny_vae(run, 2);
  v.log_every = 2;
  v.edge_weight = 1.0;
  svg2::train_vae(v);
  std::ifstream log(run / "vae_loss.jsonl");
  std::string line, last;
  while (std::getline(log, line))
    if (!line.empty()) last = line;
  ASSERT_FALSE(last.empty());
  const nlohmann::json j = nlohmann::json::parse(last);
  EXPECT_GT(j.at("edge").get<double>(), 0.0);
  // decoder and encoder both train here: loss = l1 + edge + kl_weight * kl
  EXPECT_GT(j.at("loss").get<double>(), j.at("l1").get<double>() + 0.9 * j.at("edge").get<double>());
  fs::remove_all(run);
}

// Each step gets the input made for that step, whether it was prefetched on the worker thread or
// made in line (a skipped prefetch is dropped), and a failure on the worker reaches the caller.
TEST(Training, StepPrefetcherGivesEachStepItsOwnInput) {
  std::atomic<int> made{0};
  svg2::train::StepPrefetcher<std::string> inputs([&](int step) {
    ++made;
    if (step == 13) throw std::runtime_error("clip 13 failed");
    return "input " + std::to_string(step);
  });
  EXPECT_EQ(inputs.take(0), "input 0");  // nothing prefetched: made in line
  inputs.prefetch(1);
  EXPECT_EQ(inputs.take(1), "input 1");
  inputs.prefetch(2);
  EXPECT_EQ(inputs.take(3), "input 3");  // the prefetched step 2 is not what was asked for
  EXPECT_EQ(inputs.take(2), "input 2");
  EXPECT_EQ(made.load(), 5);
  inputs.prefetch(13);
  EXPECT_THROW(inputs.take(13), std::runtime_error);
  EXPECT_EQ(inputs.take(4), "input 4");  // still usable after a failure
  EXPECT_GE(inputs.waited_seconds(), 0.0);
}

// Two runs with the same seed train to the same weights: the clips rendered on the prefetch thread
// do not depend on when the worker runs, so a run can be repeated (and compared) exactly.
TEST(Training, VaeRunsWithTheSameSeedAreIdentical) {
  const fs::path a = fresh_dir("vae_repeat_a"), b = fresh_dir("vae_repeat_b");
  svg2::train_vae(tiny_vae(a, 6));
  svg2::train_vae(tiny_vae(b, 6));
  EXPECT_EQ(max_weight_change(a / "vae.safetensors", b / "vae.safetensors"), 0.0);
  // The loss log says how long training waited for its clips.
  std::ifstream log(a / "vae_loss.jsonl");
  std::string line;
  ASSERT_TRUE(std::getline(log, line)) << "no loss log in " << a;
  EXPECT_TRUE(nlohmann::json::parse(line).contains("input_wait_seconds")) << line;

  // --two-object-fraction changes the clips it trains on (the report says which share it used).
  const fs::path c = fresh_dir("vae_repeat_two_objects");
  svg2::VaeTrainOptions two = tiny_vae(c, 6);
  two.two_object_fraction = 1.0;
  const svg2::TrainReport report = svg2::train_vae(two);
  EXPECT_EQ(nlohmann::json::parse(report.json).at("two_object_fraction").get<double>(), 1.0);
  EXPECT_GT(max_weight_change(a / "vae.safetensors", c / "vae.safetensors"), 0.0);
  fs::remove_all(a);
  fs::remove_all(b);
  fs::remove_all(c);
}

// make_vae_batch renders only each sample's crop; the batch must be exactly the crops of whole
// rendered clips, with the random choices of the whole-clip version (window start, crop, object
// centring, channel order) drawn in the same order. The reference below is that version.
TEST(Training, VaeBatchIsTheCropOfTheWholeClip) {
  namespace p = svg2::procedural;
  namespace t = svg2::train;
  auto reference = [](const std::vector<p::Scene>& scenes, const t::VaeBatchSpec& spec, t::Rng& rng) {
    auto origin = [&](float center, int extent) {
      const float jitter = rng.uniform(-0.25f, 0.25f) * static_cast<float>(spec.crop);
      const int o = static_cast<int>(std::lround((center - 0.5f * spec.crop + jitter) / 8.0f)) * 8;
      return std::clamp(o, 0, extent - spec.crop);
    };
    const int first = rng.below(spec.clip.frames - spec.frames + 1);
    const at::Tensor full = t::render_batch(scenes, spec.clip, first, spec.frames);
    std::vector<at::Tensor> videos, masks;
    for (std::size_t b = 0; b < scenes.size(); ++b) {
      int cx = 8 * rng.below((spec.clip.width - spec.crop) / 8 + 1);
      int cy = 8 * rng.below((spec.clip.height - spec.crop) / 8 + 1);
      if (rng.chance(spec.object_crop)) {
        const p::GroundTruth truth = p::ground_truth(scenes[b], spec.clip);
        const auto& object = truth.objects[static_cast<std::size_t>(rng.below(int(truth.objects.size())))];
        const p::TrackPoint& mid = object.frames[static_cast<std::size_t>(first + spec.frames / 2)];
        cx = origin(mid.cx, spec.clip.width);
        cy = origin(mid.cy, spec.clip.height);
      }
      const at::Tensor clip = full[static_cast<std::int64_t>(b)];
      std::vector<float> bg = p::render_background(scenes[b].background, spec.clip.width, spec.clip.height);
      const at::Tensor background =
          at::from_blob(bg.data(), {3, 1, spec.clip.height, spec.clip.width}).mul(2.0).sub(1.0);
      const at::Tensor object = (clip - background).abs().amax(0, true).gt(0.08f);
      at::Tensor video = clip.slice(2, cy, cy + spec.crop).slice(3, cx, cx + spec.crop);
      if (rng.chance(spec.channel_shuffle)) {
        static constexpr std::int64_t kOrders[5][3] = {{0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
        const auto& order = kOrders[rng.below(5)];
        video = at::stack({video[order[0]], video[order[1]], video[order[2]]}, 0);
      }
      videos.push_back(video);
      masks.push_back(object.slice(2, cy, cy + spec.crop).slice(3, cx, cx + spec.crop).to(at::kFloat));
    }
    return t::VaeBatch{at::stack(videos, 0).contiguous(), at::stack(masks, 0).contiguous()};
  };
  std::vector<p::Scene> scenes;
  for (int i = 0; i < 16; ++i) scenes.push_back(p::sample_scene(4000 + i, {}, p::Split::Train));
  for (const auto& [frames, crop, object_crop, shuffle] : std::vector<std::tuple<int, int, double, double>>{
           {17, 128, 0.7, 0.5}, {5, 64, 1.0, 1.0}, {1, 256, 0, 0}, {33, 96, 0.3, 0.5}, {9, 16, 0.5, 0.5}}) {
    t::VaeBatchSpec spec;
    spec.frames = frames;
    spec.crop = crop;
    spec.object_crop = object_crop;
    spec.channel_shuffle = shuffle;
    for (std::uint64_t seed : {1u, 2u, 3u}) {
      t::Rng a(seed), b(seed);
      const t::VaeBatch got = t::make_vae_batch(scenes, spec, a);
      const t::VaeBatch want = reference(scenes, spec, b);
      EXPECT_TRUE(got.video.equal(want.video)) << "frames " << frames << " crop " << crop << " seed " << seed;
      EXPECT_TRUE(got.object_mask.equal(want.object_mask)) << "frames " << frames << " crop " << crop;
      EXPECT_EQ(a.next_u64(), b.next_u64()) << "the batch drew a different number of random values";
    }
  }
}

// The object mask marks exactly where an object changes the background, and object-centred
// crops show every sample's object (random crops of a 256x256 clip often miss a small one).
TEST(Training, VaeBatchCropsAroundObjectsAndMasksThem) {
  namespace p = svg2::procedural;
  std::vector<p::Scene> scenes;
  for (int i = 0; i < 12; ++i) scenes.push_back(p::sample_scene(1000 + i, {}, p::Split::Train));
  svg2::train::VaeBatchSpec spec;
  spec.frames = 5;
  spec.crop = 64;
  spec.object_crop = 1.0;
  svg2::train::Rng rng(7);
  const svg2::train::VaeBatch batch = svg2::train::make_vae_batch(scenes, spec, rng);
  ASSERT_EQ(batch.video.sizes(), (c10::IntArrayRef{12, 3, 5, 64, 64}));
  ASSERT_EQ(batch.object_mask.sizes(), (c10::IntArrayRef{12, 1, 5, 64, 64}));
  for (int b = 0; b < 12; ++b) {
    const double covered = batch.object_mask[b].mean().item<double>();
    EXPECT_GT(covered, 0.005) << "sample " << b << " (" << scenes[b].prompt << "): no object in its crop";
    EXPECT_LT(covered, 0.9) << "sample " << b << ": the mask covers the background";
  }
  // Same rng state, same batch.
  svg2::train::Rng again(7);
  EXPECT_TRUE(svg2::train::make_vae_batch(scenes, spec, again).video.equal(batch.video));

  // Whole clips, no crop: the mask is empty where the pixels equal the static background.
  spec.crop = 256;
  spec.object_crop = 0;
  svg2::train::Rng whole(3);
  const svg2::train::VaeBatch full = svg2::train::make_vae_batch({scenes[0]}, spec, whole);
  const std::vector<float> bg = p::render_background(scenes[0].background, 256, 256);
  const at::Tensor background =
      at::from_blob(const_cast<float*>(bg.data()), {3, 1, 256, 256}).mul(2.0).sub(1.0);
  const at::Tensor off_object = full.object_mask[0].eq(0);  // [1, F, H, W]
  const at::Tensor diff = (full.video[0] - background).abs().amax(0, true);
  EXPECT_LE(diff.masked_select(off_object).max().item<double>(), 0.08 + 1e-6);
  EXPECT_GT(diff.masked_select(off_object.logical_not()).min().item<double>(), 0.08);

  // Channel shuffling permutes each sample's channels (the mask stays where the objects are).
  spec.channel_shuffle = 1.0;
  svg2::train::Rng shuffled_rng(3);
  const svg2::train::VaeBatch shuffled = svg2::train::make_vae_batch({scenes[0]}, spec, shuffled_rng);
  EXPECT_TRUE(shuffled.object_mask.equal(full.object_mask));
  EXPECT_FALSE(shuffled.video.equal(full.video));
  EXPECT_NEAR(shuffled.video.sum().item<double>(), full.video.sum().item<double>(),
              1e-2 * full.video.numel());
  for (int c = 0; c < 3; ++c) {
    bool found = false;
    for (int d = 0; d < 3; ++d) found = found || shuffled.video[0][c].equal(full.video[0][d]);
    EXPECT_TRUE(found) << "channel " << c << " is not one of the original channels";
  }

  spec.object_crop = 1.5;
  EXPECT_THROW(svg2::train::make_vae_batch(scenes, spec, whole), svg2::Error);
}

// Runs `train` and expects an svg2::Error whose message contains `named`.
template <class Train>
void expect_error_naming(Train train, const std::string& named) {
  try {
    train();
    ADD_FAILURE() << "no error naming " << named;
  } catch (const svg2::Error& e) {
    EXPECT_NE(std::string(e.what()).find(named), std::string::npos) << e.what();
  }
}

TEST(Training, BadOptionsAreNamed) {
  const fs::path run = fresh_dir("bad");
  svg2::VaeTrainOptions v = tiny_vae(run, 1);
  v.frames = 6;
  expect_error_naming([&] { svg2::train_vae(v); }, "--frames");
  v.frames = 5;
  v.edge_weight = -1;
  expect_error_naming([&] { svg2::train_vae(v); }, "--edge-weight");
  v.edge_weight = 0;
  v.two_object_fraction = -0.1;
  expect_error_naming([&] { svg2::train_vae(v); }, "--two-object-fraction");
  v.two_object_fraction = 0.35;
  // A training sigma shift below 1 would push the samples towards the clean end.
  svg2::DitTrainOptions d = tiny_dit(run, 1);
  d.sigma_shift = 0.5;
  expect_error_naming([&] { svg2::train_dit(d); }, "--sigma-shift");
  // The DiT stage needs the earlier stages.
  d.sigma_shift = 3;
  d.two_object_fraction = 1.5;
  expect_error_naming([&] { svg2::train_dit(d); }, "--two-object-fraction");
  d.two_object_fraction = 0.5;
  // The options both stages share are checked alike (train::validate_common).
  d.steps = -1;
  expect_error_naming([&] { svg2::train_dit(d); }, "--steps");
  d.steps = 1;
  d.lr = 0;
  expect_error_naming([&] { svg2::train_dit(d); }, "--lr");
  d.lr = 1e-3;
  v.lr = 1;
  expect_error_naming([&] { svg2::train_vae(v); }, "--lr");
  v.lr = 2e-3;
  fs::create_directories(run);
  expect_error_naming([&] { svg2::train_dit(d); }, "svg2 train text");
  fs::remove_all(run);
}

// Issue 9: weights whose optimizer state is missing (a copied or pruned run folder) are resumed
// from, not silently replaced by a fresh random start. `train(steps, lr, seed)` runs the stage,
// which has just done `steps_done` steps with seed 1.
template <class Train>
void expect_resume_from_weights(const fs::path& run, const std::string& stage, int steps_done, Train train) {
  const fs::path weights = run / (stage + ".safetensors"), kept = run / ("trained_" + stage + ".safetensors");
  const fs::path state = run / (stage + ".train.safetensors"), step_count = run / (stage + ".train.json");
  fs::copy_file(weights, kept);

  // The recorded step count is reached already: nothing to train, nothing lost.
  fs::remove(state);
  const svg2::TrainReport again = train(steps_done, 1e-3, 1);
  EXPECT_EQ(resumed_from(again), "weights");
  EXPECT_EQ(again.steps_done, steps_done);
  EXPECT_EQ(again.steps_this_run, 0);
  EXPECT_EQ(max_weight_change(kept, weights), 0.0);
  EXPECT_TRUE(fs::exists(state));  // written again

  // Without the step count either, training continues from the weights: a vanishing learning
  // rate keeps them where they were, while a random start (another seed) would be far away.
  fs::remove(state);
  fs::remove(step_count);
  const svg2::TrainReport continued = train(1, 1e-9, 2);
  EXPECT_EQ(resumed_from(continued), "weights");
  EXPECT_EQ(continued.steps_this_run, 1);
  EXPECT_LT(max_weight_change(kept, weights), 1e-5);
}

TEST(Training, VaeResumesFromWeightsWhenTheOptimizerStateIsMissing) {
  const fs::path run = fresh_dir("vae_no_state");
  EXPECT_EQ(resumed_from(svg2::train_vae(tiny_vae(run, 3))), "scratch");
  expect_resume_from_weights(run, "vae", 3, [&](int steps, double lr, std::uint64_t seed) {
    svg2::VaeTrainOptions v = tiny_vae(run, steps);
    v.lr = lr;
    v.seed = seed;
    return svg2::train_vae(v);
  });

  // Weights of other sizes cannot be resumed from: the error names the file and the way out.
  fs::remove(run / "vae.train.safetensors");
  svg2::VaeTrainOptions wider = tiny_vae(run, 1);
  wider.base_dim = 8;
  try {
    svg2::train_vae(wider);
    ADD_FAILURE() << "resumed from weights of another size";
  } catch (const svg2::Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("vae.safetensors"), std::string::npos) << message;
    EXPECT_NE(message.find("--fresh"), std::string::npos) << message;
  }

  // --fresh starts over on purpose.
  svg2::VaeTrainOptions fresh = tiny_vae(run, 2);
  fresh.resume = false;
  fresh.seed = 2;
  const svg2::TrainReport restarted = svg2::train_vae(fresh);
  EXPECT_EQ(resumed_from(restarted), "scratch");
  EXPECT_EQ(restarted.steps_this_run, 2);
  EXPECT_GT(max_weight_change(run / "trained_vae.safetensors", run / "vae.safetensors"), 1e-3);
  fs::remove_all(run);
}

TEST(Training, VaeDecoderOnlyKeepsTheEncoderAndTheLatentSpace) {
  // What a DiT trained on a VAE's latents relies on: a decoder-only run changes the decoder side
  // alone and leaves the manifest's latent statistics as they were.
  const fs::path run = fresh_dir("vae_decoder_only");
  svg2::VaeTrainOptions bare = tiny_vae(run, 1);
  bare.decoder_only = true;
  expect_error_naming([&] { svg2::train_vae(bare); }, "--decoder-only");  // no VAE to start from

  svg2::train_vae(tiny_vae(run, 2));
  fs::copy_file(run / "vae.safetensors", run / "encoder_trained.safetensors");
  const nlohmann::json manifest_before = svg2::train::read_json_file(run / "svg2_model.json");

  svg2::VaeTrainOptions decoder = tiny_vae(run, 3);
  decoder.decoder_only = true;
  decoder.seed = 5;
  const svg2::TrainReport report = svg2::train_vae(decoder);
  EXPECT_EQ(report.stage, "vae-decoder");
  EXPECT_EQ(report.steps_this_run, 3);
  EXPECT_EQ(resumed_from(report), "weights");

  const VaeSideChange trained =
      vae_weight_change(run / "encoder_trained.safetensors", run / "vae.safetensors");
  EXPECT_EQ(trained.encoder, 0.0);
  EXPECT_GT(trained.decoder, 1e-4);
  const nlohmann::json manifest_after = svg2::train::read_json_file(run / "svg2_model.json");
  EXPECT_EQ(manifest_after.at("vae"), manifest_before.at("vae"));
  EXPECT_EQ(manifest_after.at("preview"), manifest_before.at("preview"));

  // The run's VAE sets the sizes of a decoder-only run: options left at other sizes (the CLI's
  // defaults) train the same decoder instead of stopping at the load.
  svg2::VaeTrainOptions default_sizes = decoder;
  default_sizes.base_dim = svg2::VaeTrainOptions{}.base_dim;
  default_sizes.z_dim = svg2::VaeTrainOptions{}.z_dim;
  default_sizes.num_res_blocks = 2;
  ASSERT_NE(default_sizes.base_dim, decoder.base_dim);
  fs::copy_file(run / "vae.safetensors", run / "decoder_trained.safetensors");
  const svg2::TrainReport resized = svg2::train_vae(default_sizes);
  EXPECT_EQ(resized.steps_this_run, 0) << "the schedule of 3 steps was done by the last run";
  default_sizes.steps = 5;
  const svg2::TrainReport more = svg2::train_vae(default_sizes);
  EXPECT_EQ(more.steps_this_run, 2);
  EXPECT_GT(vae_weight_change(run / "decoder_trained.safetensors", run / "vae.safetensors").decoder, 1e-6);
  EXPECT_EQ(vae_weight_change(run / "encoder_trained.safetensors", run / "vae.safetensors").encoder, 0.0);

  svg2::VaeTrainOptions fresh = decoder;
  fresh.resume = false;
  expect_error_naming([&] { svg2::train_vae(fresh); }, "--fresh");
  fs::remove_all(run);
}

TEST(Training, DitResumesFromWeightsWhenTheOptimizerStateIsMissing) {
  const fs::path run = fresh_dir("dit_no_state");
  svg2::train_text(tiny_text(run));
  svg2::train_vae(tiny_vae(run, 1));
  EXPECT_EQ(resumed_from(svg2::train_dit(tiny_dit(run, 2))), "scratch");
  expect_resume_from_weights(run, "dit", 2, [&](int steps, double lr, std::uint64_t seed) {
    svg2::DitTrainOptions d = tiny_dit(run, steps);
    d.lr = lr;
    d.seed = seed;
    return svg2::train_dit(d);
  });
  fs::remove_all(run);
}

// `train dit --bank-cache`: a chain of calls trains on the clips of every call so far (the file grows
// by each call's new clips, earlier clips first and unchanged), and a cache made for another clip size
// or another VAE is refused by name without touching the file.
TEST(Training, DitBankCacheGrowsAcrossCallsAndRefusesAnotherBank) {
  const fs::path run = fresh_dir("dit_bank_cache");
  svg2::train_text(tiny_text(run));
  svg2::train_vae(tiny_vae(run, 1));
  const fs::path cache = run / "bank.safetensors";
  const auto call = [&](std::uint64_t seed, int frames) {
    svg2::DitTrainOptions d = tiny_dit(run, 1);
    d.resume = false;
    d.seed = seed;
    d.frames = frames;
    d.bank_cache = cache.string();
    return nlohmann::json::parse(svg2::train_dit(d).json);
  };
  const nlohmann::json first = call(1, 5);
  EXPECT_EQ(first.at("bank_clips").get<int>(), 4);
  EXPECT_EQ(first.at("bank_cached_clips").get<int>(), 0);

  const nlohmann::json manifest = nlohmann::json::parse(std::ifstream(run / "svg2_model.json"));
  const svg2::train::LatentBankKey key{manifest.at("vae").at("latents_mean").get<std::vector<double>>(),
                                       manifest.at("vae").at("latents_std").get<std::vector<double>>(),
                                       {5, 32, 32}};
  const auto tokenizer = svg2::text::Tokenizer::load(run / "tokenizer.model");
  const c10::Device cpu(c10::kCPU);
  const svg2::train::LatentBank after_first = svg2::train::load_latent_bank(cache, key, tokenizer, 16, cpu);
  ASSERT_EQ(after_first.size(), 4);

  const nlohmann::json second = call(2, 5);
  EXPECT_EQ(second.at("bank_clips").get<int>(), 8);
  EXPECT_EQ(second.at("bank_cached_clips").get<int>(), 4);
  const svg2::train::LatentBank after_second = svg2::train::load_latent_bank(cache, key, tokenizer, 16, cpu);
  ASSERT_EQ(after_second.size(), 8);
  EXPECT_TRUE(after_second.latents.slice(0, 0, 4).equal(after_first.latents));
  EXPECT_EQ(std::vector<std::string>(after_second.prompts.begin(), after_second.prompts.begin() + 4),
            after_first.prompts);
  // Seed 2 drew other scenes than seed 1.
  EXPECT_FALSE(after_second.latents.slice(0, 4, 8).equal(after_first.latents));

  const auto bytes = fs::file_size(cache);
  expect_error_naming([&] { call(3, 9); }, "9 frames");
  expect_error_naming([&] { call(3, 9); }, cache.string());
  EXPECT_EQ(fs::file_size(cache), bytes);
  svg2::train::LatentBankKey other_vae = key;
  other_vae.latents_std[0] *= 2;
  expect_error_naming([&] { svg2::train::load_latent_bank(cache, other_vae, tokenizer, 16, cpu); },
                      "another VAE");
  fs::remove_all(run);
}

// `svg2 train grow-dit`: the deeper DiT computes exactly what the trained one computes (the inserted
// copies start as identity maps), keeps the neighbour's other weights for training to start from,
// and bad requests are named without touching anything.
TEST(Training, GrownDitComputesTheSameAsTheTrainedOne) {
  const fs::path run = fresh_dir("grow_in"), grown = fresh_dir("grow_out");
  fs::create_directories(run);
  svg2::wan::DiTConfig config;  // Wan's head width 128 (2 heads), everything else small
  config.dim = 256;
  config.num_heads = 2;
  config.ffn_dim = 384;
  config.num_layers = 3;
  config.text_dim = 64;
  const c10::Device cpu(c10::kCPU);
  auto trained = svg2::wan::make_random_dit(config, cpu, c10::kFloat, 5);
  std::vector<std::pair<std::string, at::Tensor>> weights;
  for (const auto& item : trained->named_parameters())
    weights.emplace_back(item.key(), item.value().detach());
  svg2::io::save_safetensors(run / "dit.safetensors", weights);
  std::ofstream(run / "svg2_model.json") << R"({"family": "wan2.1-t2v"})";
  std::ofstream(run / "dit.train.json") << "{}";  // a stale optimizer record: must not be copied

  svg2::DitGrowOptions g;
  g.run_dir = run.string();
  g.out_dir = grown.string();
  g.insert_after = {0, 2};
  const svg2::TrainReport r = svg2::grow_dit(g);
  EXPECT_EQ(nlohmann::json::parse(r.json).value("layers", 0), 5);
  EXPECT_TRUE(fs::exists(grown / "svg2_model.json"));
  EXPECT_FALSE(fs::exists(grown / "dit.train.json"));

  const auto w = read_weights(grown / "dit.safetensors");
  // Old blocks 0, 1, 2 land at 0, 2, 3; their copies at 1 (of 0) and 4 (of 3, the old 2).
  for (const auto& [copy, from] : {std::pair{1, 0}, std::pair{4, 3}}) {
    const std::string c = "blocks." + std::to_string(copy) + ".", f = "blocks." + std::to_string(from) + ".";
    EXPECT_TRUE(w.at(c + "self_attn.q.weight").equal(w.at(f + "self_attn.q.weight"))) << copy;
    EXPECT_TRUE(w.at(c + "modulation").equal(w.at(f + "modulation"))) << copy;
    for (const char* out : {"self_attn.o.weight", "cross_attn.o.bias", "ffn.2.weight"})
      EXPECT_EQ(w.at(c + out).abs().max().item<double>(), 0.0) << c << out;
  }
  const auto before = read_weights(run / "dit.safetensors");
  EXPECT_TRUE(w.at("blocks.3.ffn.2.weight").equal(before.at("blocks.2.ffn.2.weight")));
  const auto per_block = std::count_if(before.begin(), before.end(),
                                       [](const auto& kv) { return kv.first.rfind("blocks.0.", 0) == 0; });
  EXPECT_EQ(w.size(), before.size() + 2 * static_cast<std::size_t>(per_block));

  auto deeper = svg2::wan::load_dit(svg2::io::Checkpoint::open(grown / "dit.safetensors"), {});
  EXPECT_EQ(deeper->config().num_layers, 5);
  at::manual_seed(3);
  const at::Tensor latents = at::randn({1, 16, 3, 8, 8}), context = at::randn({1, 7, 64});
  const at::Tensor t = at::full({1}, 700.0);
  c10::InferenceMode guard;
  const at::Tensor expected = trained->forward(latents, t, context);
  const at::Tensor got = deeper->forward(latents, t, context);
  EXPECT_GT(expected.abs().max().item<double>(), 1e-3) << "the random DiT must not output zeros";
  EXPECT_LE((got - expected).abs().max().item<double>(), 1e-5 * expected.abs().max().item<double>());

  // Bad requests name the option and write nothing.
  const fs::path other = fresh_dir("grow_bad");
  g.out_dir = other.string();
  g.insert_after = {3};
  EXPECT_THROW(
      {
        try {
          svg2::grow_dit(g);
        } catch (const svg2::Error& e) {
          EXPECT_NE(std::string(e.what()).find("--insert-after 3 is out of range"), std::string::npos)
              << e.what();
          throw;
        }
      },
      svg2::Error);
  g.insert_after = {1, 1};
  EXPECT_THROW(svg2::grow_dit(g), svg2::Error);
  EXPECT_FALSE(fs::exists(other / "dit.safetensors"));
  g.insert_after = {1};
  g.out_dir = grown.string();  // not empty: never overwritten
  EXPECT_THROW(svg2::grow_dit(g), svg2::Error);
  EXPECT_EQ(
      svg2::wan::load_dit(svg2::io::Checkpoint::open(grown / "dit.safetensors"), {})->config().num_layers, 5);
  fs::remove_all(run);
  fs::remove_all(grown);
  fs::remove_all(other);
}

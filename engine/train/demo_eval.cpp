// `svg2 train eval`: how good the demo model is, measured through the real engine. Held-out
// prompts (never seen in training) are rendered dense and with SVG2 at the model's default
// settings and scored by the procedural checker; on the first prompts the SVG2 render is also
// compared with the dense render of the same seed (PSNR), and position block top-k at SVG2's
// measured density gives the baseline. With --ceiling the ground-truth clips and their VAE round
// trip are scored too: the checker's result for a perfect DiT.
#include <nlohmann/json.hpp>

#include <array>
#include <chrono>
#include <cmath>
#include <optional>
#include <string>

#include "core/atomic_file.h"
#include "core/check.h"
#include "core/log.h"
#include "svg2/clip_checker.h"
#include "svg2/engine.h"
#include "svg2/media.h"
#include "svg2/model_info.h"
#include "svg2/procedural.h"
#include "svg2/train.h"
#include "train/vae_round_trip.h"

namespace svg2 {
namespace {

namespace p = svg2::procedural;

struct Tally {
  int color = 0, shape = 0, motion = 0, n = 0;
  void add(const p::CheckResult& r) {
    color += r.color_ok;
    shape += r.shape_ok;
    motion += r.motion_ok;
    ++n;
  }
  // All prompts: the one-object and the two-object tallies together.
  static Tally both(const std::array<Tally, 2>& by_objects) {
    const Tally& a = by_objects[0];
    const Tally& b = by_objects[1];
    return {a.color + b.color, a.shape + b.shape, a.motion + b.motion, a.n + b.n};
  }
  CheckerShares shares() const {
    if (n == 0) return {};
    return {static_cast<double>(color) / n, static_cast<double>(shape) / n, static_cast<double>(motion) / n};
  }
};

nlohmann::json to_json(const CheckerShares& s) {
  return {{"color", s.color}, {"shape", s.shape}, {"motion", s.motion}};
}

}  // namespace

EvalReport evaluate_demo_model(const EvalOptions& o) {
  SVG2_CHECK(o.prompts >= 1 && o.prompts <= 10000, "--prompts must be in [1, 10000], got {}", o.prompts);
  // --dense-only renders nothing to compare, so its PSNR prompt count does not matter.
  SVG2_CHECK(!o.sparse || (o.psnr_prompts >= 0 && o.psnr_prompts <= o.prompts),
             "--psnr-prompts must be in [0, --prompts], got {}", o.psnr_prompts);
  const auto start = std::chrono::steady_clock::now();
  const std::string dir = o.model_dir.empty() ? bundled_demo_model_dir() : o.model_dir;
  const ModelInfo info = probe_model(dir);
  AttentionConfig svg2 = info.has_attention_defaults ? info.attention_defaults : AttentionConfig{};
  svg2.mode = AttentionMode::Svg2;

  Engine engine;
  auto render = [&](const std::string& prompt, std::int64_t seed, const AttentionConfig& attention) {
    RenderParams params;
    params.model_dir = dir;
    params.prompt = prompt;
    params.seed = seed;
    params.device = o.device;
    params.steps = o.steps;
    params.attention = attention;
    params.preview_every = 0;
    return engine.render(params);
  };
  AttentionConfig dense = svg2;
  dense.mode = AttentionMode::Dense;

  std::optional<train::VaeRoundTrip> round_trip;
  if (o.ceiling) round_trip.emplace(dir, o.device);
  const p::ClipSize clip_size{info.default_frames, info.default_width, info.default_height};
  double vae_psnr_sum = 0;

  std::array<Tally, 2> dense_by, sparse_by, truth_by, vae_by;  // one object, two objects
  double psnr_sum = 0, density_sum = 0, block_psnr_sum = 0, block_density_sum = 0;
  int psnr_n = 0;
  nlohmann::json rows = nlohmann::json::array();
  for (int i = 0; i < o.prompts; ++i) {
    const p::Scene scene = p::sample_scene(o.seed + static_cast<std::uint64_t>(i), {}, p::Split::HeldOut);
    const std::int64_t seed = i;
    const std::size_t two = scene.objects.size() > 1 ? 1 : 0;
    const RenderResult d = render(scene.prompt, seed, dense);
    const p::CheckResult dc = p::check_clip(d.video, scene.prompt);
    dense_by[two].add(dc);
    nlohmann::json row = {{"prompt", scene.prompt},
                          {"seed", seed},
                          {"objects", scene.objects.size()},
                          {"dense", dc.summary},
                          {"dense_pass", dc.passed()}};
    if (o.sparse) {
      const RenderResult s = render(scene.prompt, seed, svg2);
      const p::CheckResult sc = p::check_clip(s.video, scene.prompt);
      sparse_by[two].add(sc);
      row["svg2"] = sc.summary;
      row["svg2_pass"] = sc.passed();
      row["svg2_density"] = s.density.mean_density;
      if (i < o.psnr_prompts) {
        const double psnr = compare_videos(d.video, s.video).mean_psnr;
        AttentionConfig block = svg2;
        block.mode = AttentionMode::BlockTopK;
        block.fixed_density = std::clamp(s.density.mean_density, 0.01, 1.0);
        const RenderResult b = render(scene.prompt, seed, block);
        const double block_psnr = compare_videos(d.video, b.video).mean_psnr;
        row["svg2_psnr"] = psnr;
        row["blocktopk_psnr"] = block_psnr;
        row["blocktopk_density"] = b.density.mean_density;
        psnr_sum += std::min(psnr, 100.0);
        density_sum += s.density.mean_density;
        block_psnr_sum += std::min(block_psnr, 100.0);
        block_density_sum += b.density.mean_density;
        ++psnr_n;
      }
    }
    if (round_trip) {
      const train::VaeRoundTrip::Clips clips = round_trip->run(scene, clip_size);
      const p::CheckResult tc = p::check_clip(clips.truth, scene.prompt);
      const p::CheckResult vc = p::check_clip(clips.round_trip, scene.prompt);
      const double vae_psnr = compare_videos(clips.truth, clips.round_trip).mean_psnr;
      truth_by[two].add(tc);
      vae_by[two].add(vc);
      vae_psnr_sum += std::min(vae_psnr, 100.0);
      row["truth"] = tc.summary;
      row["vae"] = vc.summary;
      row["vae_psnr"] = vae_psnr;
    }
    log_info("eval {}/{}: {} | dense {}{}{}", i + 1, o.prompts, scene.prompt, dc.summary,
             row.contains("svg2") ? " | svg2 " + row["svg2"].get<std::string>() : std::string(),
             row.contains("vae") ? " | vae " + row["vae"].get<std::string>() : std::string());
    rows.push_back(row);
  }

  EvalReport r;
  r.prompts = o.prompts;
  r.dense = Tally::both(dense_by).shares();
  r.sparse = Tally::both(sparse_by).shares();
  if (psnr_n > 0) {
    r.svg2_psnr = psnr_sum / psnr_n;
    r.svg2_density = density_sum / psnr_n;
    r.blocktopk_psnr = block_psnr_sum / psnr_n;
    r.blocktopk_density = block_density_sum / psnr_n;
  }
  r.truth = Tally::both(truth_by).shares();
  const Tally vae_all = Tally::both(vae_by);
  r.vae = vae_all.shares();
  r.vae_psnr = vae_all.n ? vae_psnr_sum / vae_all.n : 0.0;
  nlohmann::json by_objects;
  for (std::size_t k = 0; k < 2; ++k) {
    EvalReport::ByObjects& b = r.by_objects[k];
    b = {dense_by[k].n, dense_by[k].shares(), sparse_by[k].shares(), truth_by[k].shares(),
         vae_by[k].shares()};
    nlohmann::json& j = by_objects[std::to_string(k + 1)];
    j = {{"prompts", b.prompts}, {"dense", to_json(b.dense)}};
    if (o.sparse) j["svg2"] = to_json(b.sparse);
    if (o.ceiling) {
      j["truth"] = to_json(b.truth);
      j["vae"] = to_json(b.vae);
    }
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  nlohmann::json j = {{"model", dir},
                      {"prompts", r.prompts},
                      {"device", o.device},
                      {"steps", o.steps},
                      {"dense", to_json(r.dense)},
                      {"svg2", to_json(r.sparse)},
                      {"psnr_prompts", psnr_n},
                      {"svg2_psnr", r.svg2_psnr},
                      {"svg2_density", r.svg2_density},
                      {"blocktopk_psnr", r.blocktopk_psnr},
                      {"blocktopk_density", r.blocktopk_density},
                      {"by_objects", by_objects},
                      {"seconds", r.seconds},
                      {"rows", rows}};
  if (o.ceiling) {
    j["truth"] = to_json(r.truth);
    j["vae"] = to_json(r.vae);
    j["vae"]["psnr"] = r.vae_psnr;
  }
  r.json = j.dump();
  if (!o.out_json.empty()) write_file_atomic(o.out_json, j.dump(2) + "\n");
  return r;
}

}  // namespace svg2

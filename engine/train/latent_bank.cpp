#include "train/latent_bank.h"

#include <ATen/TensorOperators.h>
#include <ATen/ops/cat.h>
#include <ATen/ops/empty.h>
#include <c10/core/InferenceMode.h>

#include <chrono>
#include <future>

#include <fmt/ranges.h>

#include "core/check.h"
#include "core/log.h"
#include "train/clip_render.h"
#include "train/rng.h"

namespace svg2::train {

std::pair<at::Tensor, at::Tensor> tokenize_batch(const text::Tokenizer& tokenizer,
                                                 const std::vector<std::string>& prompts, int text_len,
                                                 const c10::Device& device) {
  std::vector<text::TokenizedPrompt> tokens;
  int longest = 1;
  for (const auto& p : prompts) {
    tokens.push_back(tokenizer.tokenize(p, text_len));
    longest = std::max(longest, tokens.back().length);
  }
  const auto n = static_cast<std::int64_t>(prompts.size());
  at::Tensor ids = at::empty({n, longest}, at::kLong), mask = at::empty({n, longest}, at::kLong);
  for (std::int64_t i = 0; i < n; ++i) {
    std::copy_n(tokens[static_cast<std::size_t>(i)].ids.data(), longest, ids[i].data_ptr<std::int64_t>());
    std::copy_n(tokens[static_cast<std::size_t>(i)].mask.data(), longest, mask[i].data_ptr<std::int64_t>());
  }
  return {ids.to(device), mask.to(device)};
}

LatentBank build_latent_bank(wan::WanVaeImpl& vae, const text::Tokenizer& tokenizer, int text_len, int clips,
                             std::uint64_t seed, const procedural::ClipSize& size,
                             const procedural::SceneOptions& scene_options, const c10::Device& device,
                             double budget_s) {
  SVG2_CHECK(clips >= 1, "the latent bank needs at least one clip, got {}", clips);
  const auto start = std::chrono::steady_clock::now();
  const int batch = 16;
  auto scenes_for = [&](int first) {
    std::vector<procedural::Scene> scenes;
    for (int i = first; i < std::min(clips, first + batch); ++i)
      scenes.push_back(procedural::sample_scene(mix_seed(seed, 0xba4c0000ull + static_cast<std::uint64_t>(i)),
                                                scene_options, procedural::Split::Train));
    return scenes;
  };
  LatentBank bank;
  std::vector<at::Tensor> latents;
  // Render the next batch on the CPU while the device encodes this one.
  std::vector<procedural::Scene> scenes = scenes_for(0);
  std::future<at::Tensor> next =
      std::async(std::launch::async, [&, s = scenes] { return render_batch(s, size); });
  for (int first = 0; first < clips; first += batch) {
    at::Tensor video = next.get();
    const std::vector<procedural::Scene> current = scenes;
    const bool more = first + batch < clips;
    if (more) {
      scenes = scenes_for(first + batch);
      next = std::async(std::launch::async, [&, s = scenes] { return render_batch(s, size); });
    }
    {
      c10::InferenceMode guard;
      latents.push_back(vae.encode(video.to(device)).to(at::kBFloat16));
    }
    for (const auto& s : current) bank.prompts.push_back(s.prompt);
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (budget_s > 0 && elapsed > budget_s && more) {
      log_warn("latent bank: time budget {:.0f} s reached after {} of {} clips", budget_s,
               bank.prompts.size(), clips);
      next.wait();
      break;
    }
  }
  bank.latents = at::cat(latents, 0);
  std::tie(bank.ids, bank.mask) = tokenize_batch(tokenizer, bank.prompts, text_len, device);
  log_info("latent bank: {} clips -> {} in {:.1f} s", bank.size(),
           fmt::format("[{}]", fmt::join(bank.latents.sizes(), ", ")),
           std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return bank;
}

}  // namespace svg2::train

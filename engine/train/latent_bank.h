#pragma once
// A bank of training-split procedural clips encoded once by the trained VAE (normalized
// latents, bf16 on the training device) with their tokenized prompts. Encoding a 33-frame
// 256x256 clip costs far more than a DiT step's share of it, so the DiT trains on a fixed bank.
#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <cstdint>
#include <string>
#include <vector>

#include "models/wan/wan_vae.h"
#include "svg2/procedural.h"
#include "text/tokenizer.h"

namespace svg2::train {

struct LatentBank {
  at::Tensor latents;  // [N, z, T, h, w] bf16, normalized latent space
  at::Tensor ids;      // [N, L] int64 token ids (tokens, EOS, pad), L = longest prompt
  at::Tensor mask;     // [N, L] int64, 1 on tokens and EOS
  std::vector<std::string> prompts;
  std::int64_t size() const { return latents.defined() ? latents.size(0) : 0; }
};

// Renders and encodes up to `clips` training-split clips drawn with `scenes` (seeds derived from
// `seed`), stopping early when `budget_s` (> 0) runs out; the bank is then smaller (at least one
// batch).
LatentBank build_latent_bank(wan::WanVaeImpl& vae, const text::Tokenizer& tokenizer, int text_len, int clips,
                             std::uint64_t seed, const procedural::ClipSize& size,
                             const procedural::SceneOptions& scenes, const c10::Device& device,
                             double budget_s);

// Tokenized prompts as [N, L] ids and mask (L = longest real length), on `device`.
std::pair<at::Tensor, at::Tensor> tokenize_batch(const text::Tokenizer& tokenizer,
                                                 const std::vector<std::string>& prompts, int text_len,
                                                 const c10::Device& device);

}  // namespace svg2::train

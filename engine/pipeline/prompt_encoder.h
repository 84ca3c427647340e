#pragma once
// Prompt -> text context for the DiT, with the text encoder on the device only while it encodes
// (moved to the CPU afterwards on CUDA, freeing its memory for the DiT) and a small cache of
// recent encodings (so a compare run or a re-render with the same prompts skips the encoder).
#include <ATen/core/Tensor.h>

#include <list>
#include <string>
#include <utility>

#include "pipeline/loaded_models.h"

namespace svg2::pipeline {

class PromptEncoder {
 public:
  // [1, L, text_dim] on the models' device, in the encoder's dtype. L <= text_len (trimmed to
  // the real tokens incl. EOS; the DiT zero-pads).
  at::Tensor encode(LoadedModels& models, const std::string& prompt);
  // Moves the text encoder off the accelerator (no-op on the CPU).
  void park(LoadedModels& models);
  void clear() { cache_.clear(); }
  bool last_was_cached() const { return last_cached_; }

 private:
  static constexpr std::size_t kCapacity = 8;
  std::list<std::pair<std::string, at::Tensor>> cache_;  // key -> CPU tensor, most recent first
  bool last_cached_ = false;
};

// Deterministic stand-in token ids for random-weights models (no tokenizer): a few ids per
// word of the prompt, then EOS (1), at most text_len in all.
std::vector<std::int64_t> synthetic_token_ids(const std::string& prompt, std::int64_t vocab, int text_len);

}  // namespace svg2::pipeline

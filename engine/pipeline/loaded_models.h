#pragma once
// The three networks of a Wan 2.1 T2V model, loaded for one (model, dtype, device), plus what
// the pipeline derives from them once (preview projection). Random-weights architectures are
// built here too, so benchmarks run the same code path as real checkpoints.
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <memory>
#include <optional>
#include <string>

#include "models/wan/dit.h"
#include "models/wan/wan_vae.h"
#include "pipeline/latent_preview.h"
#include "pipeline/model_files.h"
#include "svg2/model_info.h"
#include "text/text_encoder.h"
#include "text/umt5_encoder.h"

namespace svg2::pipeline {

struct LoadedModels {
  std::string key;  // cache key: model_key(...)
  ModelInfo info;
  c10::Device device{c10::kCPU};
  c10::ScalarType dtype = c10::kFloat;  // DiT matmuls and the text encoder
  // Checkpoint models have a tokenizer; random-weights ones feed synthetic token ids.
  std::optional<text::TextEncoder> text;
  text::UMT5Encoder random_text{nullptr};
  wan::WanDiT dit{nullptr};
  wan::WanVae vae{nullptr};
  std::optional<LatentPreview> preview;

  text::UMT5EncoderImpl& text_encoder() { return text ? *text->encoder() : *random_text; }
  int text_len() const { return info.text_len; }
};

// A model folder's VAE on `device` in fp32 (as the reference runs it), with the manifest's latent
// statistics when the folder has one: the VAE renders decode with.
wan::WanVae load_model_vae(const ModelFiles& files, const c10::Device& device);

// Models are reused while this key is unchanged.
std::string model_key(const ModelInfo& info, const c10::Device& device, c10::ScalarType dtype);

// Loads the model folder (or builds the random-weights architecture) on `device`: DiT and text
// encoder in `dtype`, VAE in fp32 (as the reference runs it). offload_blocks (CUDA only): the DiT's
// blocks go straight to pinned host memory with block offload on, so loading never needs the
// whole DiT on the device (the 14B model on a 24 GB card).
std::unique_ptr<LoadedModels> load_models(const ModelInfo& info, const c10::Device& device,
                                          c10::ScalarType dtype, bool offload_blocks = false);

}  // namespace svg2::pipeline

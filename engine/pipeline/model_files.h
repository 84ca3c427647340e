#pragma once
// Which files of a model folder hold what, for the three layouts in docs/models.md.
#include <optional>
#include <string>
#include <vector>

#include "pipeline/model_manifest.h"

namespace svg2::pipeline {

enum class ModelFormat { Original, Diffusers, Manifest };
std::string to_string(ModelFormat format);  // "original", "diffusers", "manifest"

struct ModelFiles {
  std::string dir;
  ModelFormat format = ModelFormat::Original;
  std::vector<std::string> dit_files;           // safetensors shards (original or diffusers names)
  std::string vae_file;                         // .pth (original) or .safetensors
  std::vector<std::string> text_encoder_files;  // .pth (original) or .safetensors shards
  std::string tokenizer_file;                   // SentencePiece model
  std::optional<int> dit_num_heads;             // from config.json / the manifest, when given
  std::optional<ModelManifest> manifest;
};

// The layout of `dir`, or nullopt when it is not a model folder (nothing checked beyond markers).
std::optional<ModelFormat> detect_model_format(const std::string& dir);

// Finds every file of the model; throws svg2::Error naming the folder, the layout and the
// missing file.
ModelFiles locate_model_files(const std::string& dir);

}  // namespace svg2::pipeline

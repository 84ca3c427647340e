#include "pipeline/model_files.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "core/check.h"

namespace svg2::pipeline {
namespace fs = std::filesystem;

std::string to_string(ModelFormat format) {
  switch (format) {
    case ModelFormat::Original:
      return "original";
    case ModelFormat::Diffusers:
      return "diffusers";
    case ModelFormat::Manifest:
      return "manifest";
  }
  return "?";
}

namespace {

nlohmann::json read_json(const fs::path& file) {
  std::ifstream in(file);
  SVG2_CHECK(in.good(), "cannot read '{}'", file.string());
  std::stringstream buffer;
  buffer << in.rdbuf();
  try {
    return nlohmann::json::parse(buffer.str());
  } catch (const nlohmann::json::parse_error& e) {
    fail("'{}' is not valid JSON: {}", file.string(), e.what());
  }
}

// Shards of a safetensors checkpoint named `stem` in `dir`: from `<stem>.safetensors.index.json`
// when present, else `<stem>.safetensors`, else every `<stem>*.safetensors` (sorted).
std::vector<std::string> find_shards(const fs::path& dir, const std::string& stem) {
  const fs::path index = dir / (stem + ".safetensors.index.json");
  if (fs::is_regular_file(index)) {
    const auto j = read_json(index);
    SVG2_CHECK(j.contains("weight_map") && j.at("weight_map").is_object(), "'{}': missing 'weight_map'",
               index.string());
    std::set<std::string> names;
    for (const auto& [key, file] : j.at("weight_map").items()) {
      SVG2_CHECK(file.is_string(), "'{}': weight_map['{}'] is not a file name", index.string(), key);
      names.insert(file.get<std::string>());
    }
    std::vector<std::string> files;
    for (const auto& n : names) {
      const fs::path p = dir / n;
      SVG2_CHECK(fs::is_regular_file(p), "'{}' lists shard '{}', which is missing", index.string(),
                 p.string());
      files.push_back(p.string());
    }
    SVG2_CHECK(!files.empty(), "'{}' lists no shards", index.string());
    return files;
  }
  const fs::path single = dir / (stem + ".safetensors");
  if (fs::is_regular_file(single)) return {single.string()};
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const auto name = e.path().filename().string();
    if (e.is_regular_file() && name.rfind(stem, 0) == 0 && name.size() > 12 &&
        name.substr(name.size() - 12) == ".safetensors")
      files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string require_file(const fs::path& p, const std::string& dir, const char* layout, const char* what) {
  SVG2_CHECK(fs::is_regular_file(p), "model folder '{}' ({} layout): missing {} '{}'", dir, layout, what,
             p.string());
  return p.string();
}

std::optional<int> optional_int(const nlohmann::json& j, const char* key) {
  if (j.is_object() && j.contains(key) && j.at(key).is_number_integer()) return j.at(key).get<int>();
  return std::nullopt;
}

}  // namespace

std::optional<ModelFormat> detect_model_format(const std::string& dir) {
  const fs::path d(dir);
  std::error_code ec;
  if (!fs::is_directory(d, ec)) return std::nullopt;
  if (fs::is_regular_file(d / kManifestFileName, ec)) return ModelFormat::Manifest;
  if (fs::is_regular_file(d / "model_index.json", ec)) return ModelFormat::Diffusers;
  if (fs::is_regular_file(d / "diffusion_pytorch_model.safetensors.index.json", ec) ||
      !find_shards(d, "diffusion_pytorch_model").empty())
    return ModelFormat::Original;
  return std::nullopt;
}

ModelFiles locate_model_files(const std::string& dir) {
  std::error_code ec;
  SVG2_CHECK(fs::is_directory(dir, ec), "model folder '{}' does not exist", dir);
  const auto format = detect_model_format(dir);
  SVG2_CHECK(
      format.has_value(),
      "'{}' is not a model folder: expected svg2_model.json (manifest layout), model_index.json (diffusers "
      "layout) or diffusion_pytorch_model*.safetensors (original Wan 2.1 layout); see docs/models.md",
      dir);
  const fs::path d(dir);
  ModelFiles f;
  f.dir = fs::absolute(d).lexically_normal().string();
  f.format = *format;
  switch (*format) {
    case ModelFormat::Manifest: {
      f.manifest = read_model_manifest(dir);
      f.dit_files = {f.manifest->dit_file};
      f.vae_file = f.manifest->vae_file;
      f.text_encoder_files = {f.manifest->text_encoder_file};
      f.tokenizer_file = f.manifest->tokenizer_file;
      f.dit_num_heads = f.manifest->dit_num_heads;
      break;
    }
    case ModelFormat::Original: {
      f.dit_files = find_shards(d, "diffusion_pytorch_model");
      SVG2_CHECK(!f.dit_files.empty(),
                 "model folder '{}' (original layout): no diffusion_pytorch_model*.safetensors", dir);
      f.vae_file = require_file(d / "Wan2.1_VAE.pth", dir, "original", "VAE");
      f.text_encoder_files = {
          require_file(d / "models_t5_umt5-xxl-enc-bf16.pth", dir, "original", "text encoder")};
      f.tokenizer_file =
          require_file(d / "google" / "umt5-xxl" / "spiece.model", dir, "original", "tokenizer");
      if (fs::is_regular_file(d / "config.json"))
        f.dit_num_heads = optional_int(read_json(d / "config.json"), "num_heads");
      break;
    }
    case ModelFormat::Diffusers: {
      const auto index = read_json(d / "model_index.json");
      SVG2_CHECK(index.is_object(), "'{}': expected a JSON object", (d / "model_index.json").string());
      f.dit_files = find_shards(d / "transformer", "diffusion_pytorch_model");
      SVG2_CHECK(!f.dit_files.empty(),
                 "model folder '{}' (diffusers layout): no transformer/diffusion_pytorch_model*.safetensors",
                 dir);
      const auto vae = find_shards(d / "vae", "diffusion_pytorch_model");
      SVG2_CHECK(!vae.empty(),
                 "model folder '{}' (diffusers layout): no vae/diffusion_pytorch_model.safetensors", dir);
      f.vae_file = vae.front();
      f.text_encoder_files = find_shards(d / "text_encoder", "model");
      SVG2_CHECK(!f.text_encoder_files.empty(),
                 "model folder '{}' (diffusers layout): no text_encoder/model*.safetensors", dir);
      f.tokenizer_file = require_file(d / "tokenizer" / "spiece.model", dir, "diffusers", "tokenizer");
      if (fs::is_regular_file(d / "transformer" / "config.json"))
        f.dit_num_heads = optional_int(read_json(d / "transformer" / "config.json"), "num_attention_heads");
      break;
    }
  }
  return f;
}

}  // namespace svg2::pipeline

#include <fstream>
#include <nlohmann/json.hpp>

#include "core/check.h"
#include "io/checkpoint.h"

namespace svg2::io {

namespace fs = std::filesystem;

namespace {

// Original Wan release file names, then looser fallbacks.
fs::path find_original(const fs::path& dir, ModelFamily family) {
  auto first_match = [&](auto pred) -> fs::path {
    std::vector<fs::path> hits;
    for (const auto& e : fs::directory_iterator(dir))
      if (e.is_regular_file() && pred(e.path().filename().string())) hits.push_back(e.path());
    std::sort(hits.begin(), hits.end());
    return hits.empty() ? fs::path() : hits.front();
  };
  switch (family) {
    case ModelFamily::wan_dit: {
      fs::path hit = first_match([](const std::string& n) {
        return n.rfind("diffusion_pytorch_model", 0) == 0 &&
               (n.size() > 12 && (n.ends_with(".safetensors") || n.ends_with(".safetensors.index.json")));
      });
      return hit.empty() ? hit : dir;  // the folder: Checkpoint::open picks the index or the shards
    }
    case ModelFamily::wan_t5:
      if (fs::exists(dir / "models_t5_umt5-xxl-enc-bf16.pth")) return dir / "models_t5_umt5-xxl-enc-bf16.pth";
      return first_match(
          [](const std::string& n) { return n.rfind("models_t5", 0) == 0 && n.ends_with(".pth"); });
    case ModelFamily::wan_vae:
      if (fs::exists(dir / "Wan2.1_VAE.pth")) return dir / "Wan2.1_VAE.pth";
      return first_match(
          [](const std::string& n) { return n.find("VAE") != std::string::npos && n.ends_with(".pth"); });
    case ModelFamily::none:
      break;
  }
  return {};
}

const char* diffusers_subfolder(ModelFamily family) {
  switch (family) {
    case ModelFamily::wan_dit:
      return "transformer";
    case ModelFamily::wan_vae:
      return "vae";
    case ModelFamily::wan_t5:
      return "text_encoder";
    case ModelFamily::none:
      break;
  }
  return "";
}

const char* manifest_key(ModelFamily family) {
  switch (family) {
    case ModelFamily::wan_dit:
      return "dit";
    case ModelFamily::wan_vae:
      return "vae";
    case ModelFamily::wan_t5:
      return "text_encoder";
    case ModelFamily::none:
      break;
  }
  return "";
}

}  // namespace

fs::path find_component(const fs::path& model_dir, ModelFamily family) {
  SVG2_CHECK(family != ModelFamily::none, "find_component needs a model family");
  std::error_code ec;
  SVG2_CHECK(fs::is_directory(model_dir, ec), "model folder '{}' does not exist or is not a folder",
             model_dir.string());

  // svg2_model.json manifest (docs/models.md): files.<dit|vae|text_encoder>, relative paths.
  const fs::path manifest = model_dir / "svg2_model.json";
  if (fs::exists(manifest)) {
    nlohmann::json doc;
    try {
      std::ifstream in(manifest);
      doc = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
      fail("'{}' is not valid JSON ({})", manifest.string(), e.what());
    }
    const char* key = manifest_key(family);
    SVG2_CHECK(doc.is_object() && doc.contains("files") && doc["files"].is_object() &&
                   doc["files"].contains(key) && doc["files"][key].is_string(),
               "'{}': files.{} (a path) is missing", manifest.string(), key);
    const fs::path file = model_dir / doc["files"][key].get<std::string>();
    SVG2_CHECK(fs::exists(file), "'{}': files.{} names '{}', which does not exist", manifest.string(), key,
               file.string());
    return file;
  }

  const fs::path sub = model_dir / diffusers_subfolder(family);
  if (fs::is_directory(sub, ec)) return sub;
  if (fs::path hit = find_original(model_dir, family); !hit.empty()) return hit;

  switch (family) {
    case ModelFamily::wan_dit:
      fail(
          "no Wan DiT weights in '{}' (looked for transformer/, "
          "diffusion_pytorch_model*.safetensors[.index.json], "
          "svg2_model.json)",
          model_dir.string());
    case ModelFamily::wan_vae:
      fail("no Wan VAE weights in '{}' (looked for vae/, Wan2.1_VAE.pth, *VAE*.pth, svg2_model.json)",
           model_dir.string());
    default:
      fail(
          "no umT5 text encoder weights in '{}' (looked for text_encoder/, models_t5_umt5-xxl-enc-bf16.pth, "
          "models_t5*.pth, svg2_model.json)",
          model_dir.string());
  }
}

}  // namespace svg2::io

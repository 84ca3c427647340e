#include "pipeline/model_manifest.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/check.h"
#include "svg2/render_params.h"

namespace svg2::pipeline {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// Typed access with messages that name the manifest and the key path.
class ManifestReader {
 public:
  explicit ManifestReader(std::string path) : path_(std::move(path)) {}

  const json& require(const json& obj, const std::string& key, const std::string& where) const {
    SVG2_CHECK(obj.is_object() && obj.contains(key), "{}: missing key '{}{}'", path_, where, key);
    return obj.at(key);
  }

  template <typename T>
  T get(const json& value, const std::string& key) const {
    try {
      return value.get<T>();
    } catch (const json::exception&) {
      fail("{}: key '{}' has the wrong type ({})", path_, key, value.type_name());
    }
  }

  template <typename T>
  T required(const json& obj, const std::string& key, const std::string& where = "") const {
    return get<T>(require(obj, key, where), where + key);
  }

  template <typename T>
  T optional(const json& obj, const std::string& key, T fallback, const std::string& where = "") const {
    if (!obj.is_object() || !obj.contains(key) || obj.at(key).is_null()) return fallback;
    return get<T>(obj.at(key), where + key);
  }

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string file_in(const ManifestReader& r, const fs::path& dir, const json& files, const char* key) {
  const auto rel = r.required<std::string>(files, key, "files.");
  SVG2_CHECK(!rel.empty(), "{}: files.{} is empty", r.path(), key);
  const fs::path p = dir / rel;
  SVG2_CHECK(fs::is_regular_file(p), "{}: files.{} names '{}', which does not exist", r.path(), key,
             p.string());
  return p.string();
}

}  // namespace

ModelManifest read_model_manifest(const std::string& dir) {
  const fs::path file = fs::path(dir) / kManifestFileName;
  std::ifstream in(file);
  SVG2_CHECK(in.good(), "cannot read model manifest '{}'", file.string());
  std::stringstream buffer;
  buffer << in.rdbuf();
  json j;
  try {
    j = json::parse(buffer.str());
  } catch (const json::parse_error& e) {
    fail("{}: invalid JSON: {}", file.string(), e.what());
  }
  ManifestReader r(file.string());
  SVG2_CHECK(j.is_object(), "{}: expected a JSON object", file.string());

  ModelManifest m;
  m.path = file.string();
  const int version = r.required<int>(j, "format_version");
  SVG2_CHECK(version == kManifestFormatVersion,
             "{}: format_version {} is not supported (this build reads version {})", m.path, version,
             kManifestFormatVersion);
  m.family = r.required<std::string>(j, "family");
  SVG2_CHECK(m.family == "wan2.1-t2v", "{}: family '{}' is not supported (allowed: wan2.1-t2v)", m.path,
             m.family);
  m.size_name = r.optional<std::string>(j, "size_name", "custom");
  m.description = r.optional<std::string>(j, "description", "");

  const json& files = r.require(j, "files", "");
  m.dit_file = file_in(r, dir, files, "dit");
  m.vae_file = file_in(r, dir, files, "vae");
  m.text_encoder_file = file_in(r, dir, files, "text_encoder");
  m.tokenizer_file = file_in(r, dir, files, "tokenizer");

  const json& d = r.require(j, "defaults", "");
  m.width = r.required<int>(d, "width", "defaults.");
  m.height = r.required<int>(d, "height", "defaults.");
  m.frames = r.required<int>(d, "frames", "defaults.");
  m.steps = r.required<int>(d, "steps", "defaults.");
  SVG2_CHECK(m.width > 0 && m.width % 16 == 0, "{}: defaults.width must be a positive multiple of 16, got {}",
             m.path, m.width);
  SVG2_CHECK(m.height > 0 && m.height % 16 == 0,
             "{}: defaults.height must be a positive multiple of 16, got {}", m.path, m.height);
  SVG2_CHECK(m.frames >= 1 && (m.frames - 1) % 4 == 0, "{}: defaults.frames must be 4n+1, got {}", m.path,
             m.frames);
  SVG2_CHECK(m.steps >= 1, "{}: defaults.steps must be >= 1, got {}", m.path, m.steps);
  m.guidance = r.optional<double>(d, "guidance", 5.0, "defaults.");
  m.shift = r.optional<double>(d, "shift", 5.0, "defaults.");
  SVG2_CHECK(m.guidance >= 1.0, "{}: defaults.guidance must be >= 1, got {}", m.path, m.guidance);
  SVG2_CHECK(m.shift > 0.0, "{}: defaults.shift must be > 0, got {}", m.path, m.shift);
  m.sampler = r.optional<std::string>(d, "sampler", "unipc", "defaults.");
  SVG2_CHECK(m.sampler == "unipc" || m.sampler == "euler",
             "{}: defaults.sampler must be 'unipc' or 'euler', got '{}'", m.path, m.sampler);
  if (d.contains("negative_prompt") && !d.at("negative_prompt").is_null())
    m.negative_prompt = r.get<std::string>(d.at("negative_prompt"), "defaults.negative_prompt");

  if (j.contains("sizes")) {
    const json& sizes = j.at("sizes");
    SVG2_CHECK(sizes.is_array(), "{}: 'sizes' must be an array of [width, height]", m.path);
    for (const auto& s : sizes) {
      SVG2_CHECK(s.is_array() && s.size() == 2 && s[0].is_number_integer() && s[1].is_number_integer(),
                 "{}: each entry of 'sizes' must be [width, height], got {}", m.path, s.dump());
      const int w = s[0].get<int>(), h = s[1].get<int>();
      SVG2_CHECK(w > 0 && h > 0 && w % 16 == 0 && h % 16 == 0,
                 "{}: size {}x{} in 'sizes' is not a positive multiple of 16", m.path, w, h);
      m.sizes.emplace_back(w, h);
    }
  }
  if (m.sizes.empty()) m.sizes.emplace_back(m.width, m.height);

  m.text_len = r.optional<int>(j, "text_len", 512);
  SVG2_CHECK(m.text_len >= 1 && m.text_len <= 4096, "{}: text_len must be in [1, 4096], got {}", m.path,
             m.text_len);
  if (j.contains("dit") && j.at("dit").contains("num_heads")) {
    m.dit_num_heads = r.get<int>(j.at("dit").at("num_heads"), "dit.num_heads");
    SVG2_CHECK(*m.dit_num_heads >= 1, "{}: dit.num_heads must be >= 1, got {}", m.path, *m.dit_num_heads);
  }

  if (j.contains("attention") && !j.at("attention").is_null()) {
    // Reuse the render-params reader so the keys are exactly the sidecar's.
    SVG2_CHECK(j.at("attention").is_object(), "{}: 'attention' must be an object", m.path);
    try {
      json wrapper = {{"attention", j.at("attention")}};
      m.attention = render_params_from_json(wrapper.dump()).attention;
      validate(*m.attention);
    } catch (const Error& e) {
      fail("{}: attention: {}", m.path, e.what());
    } catch (const json::exception& e) {
      fail("{}: attention: wrong type: {}", m.path, e.what());
    }
  }

  if (j.contains("vae")) {
    const json& v = j.at("vae");
    m.latents_mean = r.optional<std::vector<float>>(v, "latents_mean", {}, "vae.");
    m.latents_std = r.optional<std::vector<float>>(v, "latents_std", {}, "vae.");
    SVG2_CHECK(m.latents_mean.size() == m.latents_std.size(),
               "{}: vae.latents_mean has {} entries but vae.latents_std has {}", m.path,
               m.latents_mean.size(), m.latents_std.size());
    for (float s : m.latents_std)
      SVG2_CHECK(s > 0.f, "{}: vae.latents_std entries must be > 0, got {}", m.path, s);
  }
  if (j.contains("preview")) {
    const json& p = j.at("preview");
    const auto rows = r.optional<std::vector<std::vector<float>>>(p, "latent_rgb_factors", {}, "preview.");
    for (const auto& row : rows) {
      SVG2_CHECK(row.size() == 3,
                 "{}: each row of preview.latent_rgb_factors must have 3 numbers (r, g, b), got {}", m.path,
                 row.size());
      m.latent_rgb_factors.push_back({row[0], row[1], row[2]});
    }
    const auto bias = r.optional<std::vector<float>>(p, "latent_rgb_bias", {0.f, 0.f, 0.f}, "preview.");
    SVG2_CHECK(bias.size() == 3, "{}: preview.latent_rgb_bias must have 3 numbers, got {}", m.path,
               bias.size());
    m.latent_rgb_bias = {bias[0], bias[1], bias[2]};
  }
  return m;
}

}  // namespace svg2::pipeline

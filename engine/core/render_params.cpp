#include "svg2/render_params.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

#include "core/check.h"

namespace svg2 {

std::string to_string(SamplerKind kind) {
  return kind == SamplerKind::UniPC ? "unipc" : "euler";
}

SamplerKind sampler_from_string(const std::string& name) {
  if (name == "unipc") return SamplerKind::UniPC;
  if (name == "euler") return SamplerKind::Euler;
  fail("unknown sampler '{}' (allowed: unipc, euler)", name);
}

namespace {

nlohmann::json attention_to_json(const AttentionConfig& a) {
  nlohmann::json j = {
      {"mode", to_string(a.mode)},
      {"query_clusters", a.query_clusters},
      {"key_clusters", a.key_clusters},
      {"top_p", a.top_p},
      {"min_kc_ratio", a.min_kc_ratio},
      {"max_kc_ratio", a.max_kc_ratio},
      {"kmeans_iters_init", a.kmeans_iters_init},
      {"kmeans_iters_step", a.kmeans_iters_step},
      {"kmeans_init", a.kmeans_init == KMeansInit::Random ? "random" : "kmeans++"},
      {"kmeans_during_dense", a.kmeans_during_dense},
      {"fixed_density", a.fixed_density ? nlohmann::json(*a.fixed_density) : nlohmann::json(nullptr)},
      {"dense_steps", a.dense_steps},
      {"dense_final_steps", a.dense_final_steps},
      {"dense_layers", a.dense_layers},
      {"block_size", a.block_size},
      {"seed", a.seed},
  };
  return j;
}

template <typename T>
void read(const nlohmann::json& j, const char* key, T& out) {
  if (!j.contains(key) || j.at(key).is_null()) return;
  try {
    out = j.at(key).get<T>();
  } catch (const nlohmann::json::exception& e) {
    fail("render params: key '{}' has the wrong type: {}", key, e.what());
  }
}

AttentionConfig attention_from_json(const nlohmann::json& j) {
  AttentionConfig a;
  if (j.contains("mode")) a.mode = attention_mode_from_string(j.at("mode").get<std::string>());
  read(j, "query_clusters", a.query_clusters);
  read(j, "key_clusters", a.key_clusters);
  read(j, "top_p", a.top_p);
  read(j, "min_kc_ratio", a.min_kc_ratio);
  read(j, "max_kc_ratio", a.max_kc_ratio);
  read(j, "kmeans_iters_init", a.kmeans_iters_init);
  read(j, "kmeans_iters_step", a.kmeans_iters_step);
  if (j.contains("kmeans_init")) {
    const auto init = j.at("kmeans_init").get<std::string>();
    SVG2_CHECK(init == "random" || init == "kmeans++",
               "render params: kmeans_init must be 'random' or 'kmeans++', got '{}'", init);
    a.kmeans_init = init == "random" ? KMeansInit::Random : KMeansInit::KMeansPlusPlus;
  }
  read(j, "kmeans_during_dense", a.kmeans_during_dense);
  if (j.contains("fixed_density") && !j.at("fixed_density").is_null())
    a.fixed_density = j.at("fixed_density").get<double>();
  read(j, "dense_steps", a.dense_steps);
  read(j, "dense_final_steps", a.dense_final_steps);
  read(j, "dense_layers", a.dense_layers);
  read(j, "block_size", a.block_size);
  read(j, "seed", a.seed);
  return a;
}

}  // namespace

std::string to_json(const RenderParams& p) {
  nlohmann::json j = {
      {"model_dir", p.model_dir},
      {"random_weights", p.random_weights},
      {"prompt", p.prompt},
      {"negative_prompt", p.negative_prompt},
      {"use_default_negative", p.use_default_negative},
      {"width", p.width},
      {"height", p.height},
      {"frames", p.frames},
      {"steps", p.steps},
      {"guidance", p.guidance},
      {"shift", p.shift},
      {"sampler", to_string(p.sampler)},
      {"use_default_sampler", p.use_default_sampler},
      {"seed", p.seed},
      {"device", p.device},
      {"dtype", p.dtype},
      {"offload_blocks", p.offload_blocks},
      {"tiled_vae", p.tiled_vae},
      {"memory_limit_gib", p.memory_limit_gib},
      {"attention", attention_to_json(p.attention)},
      {"preview_every", p.preview_every},
  };
  if (!p.dump_qkv_path.empty())
    j["dump_qkv"] = {{"path", p.dump_qkv_path}, {"step", p.dump_qkv_step}, {"layer", p.dump_qkv_layer}};
  return j.dump(2);
}

RenderParams render_params_from_json(const std::string& text) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    fail("render params: invalid JSON: {}", e.what());
  }
  SVG2_CHECK(j.is_object(), "render params: expected a JSON object");
  RenderParams p;
  read(j, "model_dir", p.model_dir);
  read(j, "random_weights", p.random_weights);
  read(j, "prompt", p.prompt);
  read(j, "negative_prompt", p.negative_prompt);
  read(j, "use_default_negative", p.use_default_negative);
  read(j, "width", p.width);
  read(j, "height", p.height);
  read(j, "frames", p.frames);
  read(j, "steps", p.steps);
  read(j, "guidance", p.guidance);
  read(j, "shift", p.shift);
  if (j.contains("sampler")) {
    p.sampler = sampler_from_string(j.at("sampler").get<std::string>());
    p.use_default_sampler = false;  // an explicit sampler wins unless the JSON says otherwise
  }
  read(j, "use_default_sampler", p.use_default_sampler);
  read(j, "seed", p.seed);
  read(j, "device", p.device);
  read(j, "dtype", p.dtype);
  read(j, "offload_blocks", p.offload_blocks);
  read(j, "tiled_vae", p.tiled_vae);
  read(j, "memory_limit_gib", p.memory_limit_gib);
  if (j.contains("attention")) p.attention = attention_from_json(j.at("attention"));
  read(j, "preview_every", p.preview_every);
  if (j.contains("dump_qkv") && j.at("dump_qkv").is_object()) {
    const auto& d = j.at("dump_qkv");
    read(d, "path", p.dump_qkv_path);
    read(d, "step", p.dump_qkv_step);
    read(d, "layer", p.dump_qkv_layer);
  }
  return p;
}

RenderParams render_params_from_file(const std::string& path) {
  std::ifstream in(path);
  SVG2_CHECK(in.good(), "cannot read render params '{}'", path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(buffer.str());
  } catch (const nlohmann::json::parse_error& e) {
    fail("'{}' is not valid JSON: {}", path, e.what());
  }
  SVG2_CHECK(j.is_object(), "'{}': expected a JSON object (a render sidecar or render params)", path);
  try {
    return render_params_from_json(j.contains("params") ? j.at("params").dump() : j.dump());
  } catch (const Error& e) {
    fail("'{}': {}", path, e.what());
  } catch (const nlohmann::json::exception& e) {
    fail("'{}': wrong value type: {}", path, e.what());
  }
}

}  // namespace svg2

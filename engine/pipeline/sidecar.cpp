#include "pipeline/sidecar.h"

#include <torch/headeronly/version.h>

#include <chrono>
#include <ctime>

#include "svg2/build_config.h"

namespace svg2::pipeline {
using nlohmann::json;

namespace {

std::string utc_now() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

}  // namespace

json model_to_json(const ModelInfo& m) {
  json j = {{"dir", m.dir},
            {"family", m.family},
            {"size_name", m.size_name},
            {"format", m.format},
            {"dit_params", m.dit_params},
            {"dim", m.dim},
            {"ffn_dim", m.ffn_dim},
            {"layers", m.layers},
            {"heads", m.heads},
            {"head_dim", m.head_dim},
            {"latent_channels", m.latent_channels},
            {"text_len", m.text_len},
            {"description", m.description}};
  if (!m.random_weights.empty()) j["random_weights"] = m.random_weights;
  return j;
}

json timings_to_json(const RenderTimings& t) {
  json steps_sparse = json::array();
  for (bool b : t.step_sparse) steps_sparse.push_back(b);
  return {
      {"total_ms", t.total_ms},
      {"load_ms", t.load_ms},
      {"text_encode_ms", t.text_encode_ms},
      {"denoise_ms", t.denoise_ms},
      {"dit_ms", t.dit_ms},
      {"attention_ms", t.attention_ms},
      {"vae_decode_ms", t.vae_decode_ms},
      {"step_ms", t.step_ms},
      {"dit_step_ms", t.dit_step_ms},
      {"step_sparse", steps_sparse},
      {"peak_memory_bytes", t.peak_memory_bytes},
      {"load_peak_memory_bytes", t.load_peak_memory_bytes},
      {"text_peak_memory_bytes", t.text_peak_memory_bytes},
      {"denoise_peak_memory_bytes", t.denoise_peak_memory_bytes},
      {"decode_peak_memory_bytes", t.decode_peak_memory_bytes},
      {"phases",
       {{"dense_steps_ms", t.dense_steps_ms},
        {"sparse_steps_ms", t.sparse_steps_ms},
        {"kmeans_ms", t.kmeans_ms},
        {"selection_ms", t.selection_ms},
        {"permute_ms", t.permute_ms},
        {"sparse_attention_ms", t.sparse_attention_ms},
        {"dense_attention_ms", t.dense_attention_ms},
        {"other_dit_ms", t.other_dit_ms},
        {"stage_times_measured", t.stage_times_measured}}},
  };
}

json density_to_json(const DensityStats& d) {
  return {{"mean_density", d.mean_density},
          {"overall_density", d.overall_density},
          {"sparse_calls", d.sparse_calls},
          {"dense_calls", d.dense_calls}};
}

json make_sidecar(const RenderResult& r, const ModelInfo& model) {
  return {
      {"svg2_render", kSidecarVersion},
      {"created", utc_now()},
      {"params", json::parse(to_json(r.params))},
      {"model", model_to_json(model)},
      {"video",
       {{"frames", r.video.frames},
        {"width", r.video.width},
        {"height", r.video.height},
        {"fps", r.video.fps}}},
      {"timings", timings_to_json(r.timings)},
      {"density", density_to_json(r.density)},
      {"device", {{"device", r.device}, {"name", r.device_name}, {"dtype", r.dtype}}},
      {"versions", {{"svg2", SVG2_VERSION}, {"torch", TORCH_VERSION}}},
  };
}

}  // namespace svg2::pipeline

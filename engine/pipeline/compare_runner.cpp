// svg2/compare.h: dense vs sparse with the same seed and settings, metrics and speed readouts,
// and the on-disk cache of dense renders.
#include "svg2/compare.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/atomic_file.h"
#include "core/check.h"
#include "core/log.h"
#include "pipeline/model_files.h"
#include "pipeline/render_setup.h"
#include "pipeline/sidecar.h"
#include "svg2/logging.h"

namespace svg2 {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::uint64_t fnv1a(std::string_view text, std::uint64_t h = 1469598103934665603ull) {
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ull;
  return h;
}

// The parameters that decide the dense render's pixels, canonicalized.
json dense_identity(const RenderParams& resolved) {
  RenderParams p = resolved;
  p.attention = AttentionConfig{};
  p.attention.mode = AttentionMode::Dense;
  p.preview_every = 0;
  p.dump_qkv_path.clear();
  p.dump_qkv_step = p.dump_qkv_layer = -1;
  json j = json::parse(to_json(p));
  // The model's files (size and modification time), so a retrained model misses the cache.
  if (p.random_weights.empty()) {
    const auto files = pipeline::locate_model_files(p.model_dir);
    json stamps = json::array();
    std::vector<std::string> all = files.dit_files;
    all.push_back(files.vae_file);
    all.insert(all.end(), files.text_encoder_files.begin(), files.text_encoder_files.end());
    all.push_back(files.tokenizer_file);
    for (const auto& f : all) {
      std::error_code ec;
      const auto size = fs::file_size(f, ec);
      const auto time = fs::last_write_time(f, ec).time_since_epoch().count();
      stamps.push_back({fs::path(f).filename().string(), size, time});
    }
    j["model_files"] = stamps;
  }
  return j;
}

std::string hex(std::uint64_t v) {
  char buffer[17];
  std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(v));
  return buffer;
}

RenderParams resolved(const RenderParams& params) {
  return pipeline::resolve_render_params(params, pipeline::model_info_for(params));
}

std::string cache_dir_for(const CompareOptions& o) {
  return o.cache_dir.empty() ? (fs::path(user_data_dir()) / "cache" / "dense").string() : o.cache_dir;
}

bool load_cached(const fs::path& dir, const std::string& key, RenderResult& out) {
  const fs::path meta = dir / (key + ".json"), pixels = dir / (key + ".rgb");
  std::error_code ec;
  if (!fs::is_regular_file(meta, ec) || !fs::is_regular_file(pixels, ec)) return false;
  try {
    std::ifstream in(meta);
    const json j = json::parse(in);
    RenderResult r;
    r.sidecar_json = j.at("sidecar").dump(2);
    const json& sidecar = j.at("sidecar");
    r.params = render_params_from_json(sidecar.at("params").dump());
    r.video.frames = j.at("frames").get<int>();
    r.video.width = j.at("width").get<int>();
    r.video.height = j.at("height").get<int>();
    r.video.fps = j.at("fps").get<double>();
    const json& t = sidecar.at("timings");
    r.timings.total_ms = t.at("total_ms").get<double>();
    r.timings.load_ms = t.at("load_ms").get<double>();
    r.timings.text_encode_ms = t.at("text_encode_ms").get<double>();
    r.timings.denoise_ms = t.at("denoise_ms").get<double>();
    r.timings.dit_ms = t.at("dit_ms").get<double>();
    r.timings.attention_ms = t.at("attention_ms").get<double>();
    r.timings.vae_decode_ms = t.at("vae_decode_ms").get<double>();
    r.timings.step_ms = t.at("step_ms").get<std::vector<double>>();
    r.timings.dit_step_ms = t.at("dit_step_ms").get<std::vector<double>>();
    r.timings.peak_memory_bytes = t.at("peak_memory_bytes").get<std::int64_t>();
    r.timings.dense_attention_ms = t.at("phases").at("dense_attention_ms").get<double>();
    r.timings.stage_times_measured = t.at("phases").at("stage_times_measured").get<bool>();
    r.device = sidecar.at("device").at("device").get<std::string>();
    r.device_name = sidecar.at("device").at("name").get<std::string>();
    r.dtype = sidecar.at("device").at("dtype").get<std::string>();
    r.density.dense_calls = sidecar.at("density").at("dense_calls").get<int>();
    const auto bytes = r.video.frame_bytes() * static_cast<std::size_t>(r.video.frames);
    if (fs::file_size(pixels) != bytes) return false;
    r.video.rgb.resize(bytes);
    std::ifstream px(pixels, std::ios::binary);
    px.read(reinterpret_cast<char*>(r.video.rgb.data()), static_cast<std::streamsize>(bytes));
    if (!px) return false;
    out = std::move(r);
    return true;
  } catch (const std::exception& e) {
    log_warn("ignoring unreadable dense cache entry '{}': {}", meta.string(), e.what());
    return false;
  }
}

void store_cached(const fs::path& dir, const std::string& key, const RenderResult& r) {
  try {
    fs::create_directories(dir);
    write_file_atomic(
        dir / (key + ".rgb"),
        std::string_view(reinterpret_cast<const char*>(r.video.rgb.data()), r.video.rgb.size()));
    const json j = {{"frames", r.video.frames},
                    {"width", r.video.width},
                    {"height", r.video.height},
                    {"fps", r.video.fps},
                    {"sidecar", json::parse(r.sidecar_json)}};
    write_file_atomic(dir / (key + ".json"), j.dump());
  } catch (const std::exception& e) {
    log_warn("could not store the dense render in the cache '{}': {}", dir.string(), e.what());
  }
}

SpeedReadout speed_of(const RenderResult& r) {
  SpeedReadout s;
  const auto& t = r.timings;
  s.denoise_ms = t.denoise_ms;
  s.total_ms = t.text_encode_ms + t.denoise_ms + t.vae_decode_ms;
  s.dit_ms = t.dit_ms;
  s.attention_ms = t.stage_times_measured ? t.attention_ms : 0;
  s.per_step_ms = t.step_ms.empty() ? 0 : t.denoise_ms / static_cast<double>(t.step_ms.size());
  s.peak_memory_bytes = static_cast<double>(t.peak_memory_bytes);
  return s;
}

json speed_json(const SpeedReadout& s) {
  return {{"total_ms", s.total_ms},       {"denoise_ms", s.denoise_ms},
          {"dit_ms", s.dit_ms},           {"attention_ms", s.attention_ms},
          {"per_step_ms", s.per_step_ms}, {"peak_memory_bytes", s.peak_memory_bytes}};
}

double ratio(double a, double b) {
  return b > 0 ? a / b : 0;
}

// JSON has no infinity: identical frames (PSNR = inf) are written as null.
json finite_or_null(double v) {
  return std::isfinite(v) ? json(v) : json(nullptr);
}

}  // namespace

std::string dense_cache_key(const RenderParams& params) {
  return hex(fnv1a(dense_identity(resolved(params)).dump()));
}

CompareResult run_compare(Engine& engine, const CompareOptions& options, JobEvents* events) {
  auto phase = [&](const char* name) {
    if (options.on_phase) options.on_phase(name);
  };
  CompareResult result;
  // Resolve once so both renders share the seed (a random seed is drawn here).
  RenderParams base = resolved(options.params);
  RenderParams sparse = base;
  if (sparse.attention.mode == AttentionMode::Dense) {
    sparse.attention = AttentionConfig{};
    log_info("compare: the sparse side uses SVG2 with the engine's default settings");
  }
  RenderParams dense = base;
  dense.attention.mode = AttentionMode::Dense;
  dense.dump_qkv_path.clear();

  // Attention stage times for the readouts, for these two renders only.
  const TelemetryOptions saved_telemetry = engine.telemetry_options();
  struct RestoreTelemetry {
    Engine& engine;
    TelemetryOptions options;
    ~RestoreTelemetry() { engine.set_telemetry(options); }
  } restore{engine, saved_telemetry};
  if (options.stage_times) {
    TelemetryOptions t = saved_telemetry;
    t.stage_times = true;
    engine.set_telemetry(t);
  }

  const std::string key = hex(fnv1a(dense_identity(dense).dump()));
  const fs::path cache = cache_dir_for(options);
  if (options.use_cache && load_cached(cache, key, result.dense)) {
    result.dense_from_cache = true;
    phase("dense-cached");
    log_info("compare: dense render {} from the cache", key);
  } else {
    phase("dense");
    result.dense = engine.render(dense, events);
    if (options.use_cache) store_cached(cache, key, result.dense);
  }
  phase("sparse");
  result.sparse = engine.render(sparse, events);

  phase("metrics");
  result.quality = compare_videos(result.dense.video, result.sparse.video);
  result.dense_speed = speed_of(result.dense);
  result.sparse_speed = speed_of(result.sparse);
  result.speedup_total = ratio(result.dense_speed.total_ms, result.sparse_speed.total_ms);
  result.speedup_dit = ratio(result.dense_speed.dit_ms, result.sparse_speed.dit_ms);
  result.speedup_attention = ratio(result.dense_speed.attention_ms, result.sparse_speed.attention_ms);
  result.density = result.sparse.density.mean_density;
  if (result.dense.device != result.sparse.device)
    log_warn(
        "compare: the cached dense render ran on {} but the sparse one on {}; speedups compare different "
        "devices",
        result.dense.device, result.sparse.device);

  if (!options.output_dir.empty()) {
    phase("writing");
    const fs::path dir(options.output_dir);
    result.dense_video =
        save_render(result.dense, (dir / ("dense" + options.video_extension)).string()).video_path;
    result.sparse_video =
        save_render(result.sparse, (dir / ("sparse" + options.video_extension)).string()).video_path;
    if (options.write_side_by_side) {
      const std::string sparse_label =
          to_string(sparse.attention.mode) == "svg2" ? "SVG2" : to_string(sparse.attention.mode);
      const Video combined = side_by_side(
          {{&result.dense.video, "Dense", speed_caption(result.dense_speed.dit_ms / 1000.0)},
           {&result.sparse.video, sparse_label,
            speed_caption(result.sparse_speed.dit_ms / 1000.0, result.speedup_dit, result.density)}});
      ExportOptions export_options;
      export_options.format =
          video_format_for_path((dir / ("side_by_side" + options.video_extension)).string());
      result.side_by_side_video =
          export_video(combined, (dir / ("side_by_side" + options.video_extension)).string(), export_options)
              .path;
    }
  }

  json frames = json::array();
  for (std::size_t i = 0; i < result.quality.psnr.size(); ++i)
    frames.push_back(
        {{"frame", i}, {"psnr", finite_or_null(result.quality.psnr[i])}, {"ssim", result.quality.ssim[i]}});
  json j = {
      {"ok", true},
      {"seed", base.seed},
      {"dense_from_cache", result.dense_from_cache},
      {"dense_cache_key", key},
      {"quality",
       {{"mean_psnr", finite_or_null(result.quality.mean_psnr)},
        {"mean_ssim", result.quality.mean_ssim},
        {"mean_mse", result.quality.mean_mse},
        {"frames", frames}}},
      {"speed",
       {{"dense", speed_json(result.dense_speed)},
        {"sparse", speed_json(result.sparse_speed)},
        {"speedup_total", result.speedup_total},
        {"speedup_dit", result.speedup_dit},
        {"speedup_attention", result.speedup_attention}}},
      {"density", result.density},
      {"sparse_density", pipeline::density_to_json(result.sparse.density)},
      {"dense_params", json::parse(to_json(result.dense.params))},
      {"sparse_params", json::parse(to_json(result.sparse.params))},
      {"device", result.sparse.device},
  };
  if (!options.output_dir.empty())
    j["files"] = {{"dense", result.dense_video},
                  {"sparse", result.sparse_video},
                  {"side_by_side", result.side_by_side_video}};
  result.json = j.dump(2);
  return result;
}

}  // namespace svg2

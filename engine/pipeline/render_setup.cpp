#include "pipeline/render_setup.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <random>

#include "core/check.h"
#include "core/device.h"
#include "core/log.h"

namespace svg2::pipeline {
namespace fs = std::filesystem;

namespace {
constexpr int kMaxSide = 4096;
constexpr int kMaxFrames = 1001;
constexpr int kMaxSteps = 1000;
}  // namespace

std::string nearest_valid_frames(int frames) {
  if (frames < 1) return "1";
  const int below = ((frames - 1) / 4) * 4 + 1;
  const int above = below + 4;
  if (below == frames) return std::to_string(frames);
  if (frames - below < above - frames) return std::to_string(below);
  if (frames - below > above - frames) return std::to_string(above);
  return fmt::format("{} or {}", below, above);
}

std::string nearest_multiple_of_16(int value) {
  if (value < 16) return "16";
  const int below = (value / 16) * 16;
  const int above = below + 16;
  if (below == value) return std::to_string(value);
  if (value - below < above - value) return std::to_string(below);
  if (value - below > above - value) return std::to_string(above);
  return fmt::format("{} or {}", below, above);
}

std::string resolve_model_dir(const RenderParams& params) {
  if (!params.model_dir.empty()) {
    std::error_code ec;
    SVG2_CHECK(fs::is_directory(params.model_dir, ec), "model folder '{}' does not exist", params.model_dir);
    return params.model_dir;
  }
  std::string demo;
  try {
    demo = bundled_demo_model_dir();
  } catch (const Error& e) {
    fail("no --model given and the bundled demo model was not found: {}", e.what());
  }
  std::error_code ec;
  SVG2_CHECK(
      fs::is_directory(demo, ec),
      "no --model given and the bundled demo model is not installed (expected it in '{}'); pass --model DIR "
      "with a Wan 2.1 model folder (docs/models.md) or --random-weights wan-1.3b",
      demo);
  return demo;
}

ModelInfo model_info_for(const RenderParams& params) {
  if (!params.random_weights.empty()) return random_weights_model_info(params.random_weights);
  return probe_model(resolve_model_dir(params));
}

void validate_render_params(const RenderParams& p) {
  SVG2_CHECK(p.width > 0 && p.width <= kMaxSide && p.width % 16 == 0,
             "width must be a multiple of 16 between 16 and {} (got {}; nearest valid: {})", kMaxSide,
             p.width, nearest_multiple_of_16(std::clamp(p.width, 16, kMaxSide)));
  SVG2_CHECK(p.height > 0 && p.height <= kMaxSide && p.height % 16 == 0,
             "height must be a multiple of 16 between 16 and {} (got {}; nearest valid: {})", kMaxSide,
             p.height, nearest_multiple_of_16(std::clamp(p.height, 16, kMaxSide)));
  SVG2_CHECK(p.frames >= 1 && p.frames <= kMaxFrames && (p.frames - 1) % 4 == 0,
             "frames must be 4n+1 between 1 and {} (got {}; nearest valid: {})", kMaxFrames, p.frames,
             nearest_valid_frames(std::clamp(p.frames, 1, kMaxFrames)));
  SVG2_CHECK(p.steps >= 1 && p.steps <= kMaxSteps, "steps must be between 1 and {} (got {})", kMaxSteps,
             p.steps);
  SVG2_CHECK(std::isfinite(p.guidance) && p.guidance >= 1.0 && p.guidance <= 50.0,
             "guidance must be between 1 (no CFG) and 50 (got {})", p.guidance);
  SVG2_CHECK(std::isfinite(p.shift) && p.shift > 0.0 && p.shift <= 100.0,
             "shift must be > 0 and <= 100 (got {})", p.shift);
  SVG2_CHECK(p.preview_every >= 0, "preview_every must be >= 0 (0 = no previews), got {}", p.preview_every);
  SVG2_CHECK(p.seed >= 0, "seed must be >= 0 after resolution (got {})", p.seed);
  const auto device = resolve_device(p.device);
  resolve_dtype(p.dtype, device);
  SVG2_CHECK(!p.offload_blocks || device.is_cuda(),
             "offload_blocks (--offload) needs a CUDA device (device is '{}')", p.device);
  SVG2_CHECK(std::isfinite(p.memory_limit_gib) && p.memory_limit_gib >= 0,
             "memory_limit_gib (--memory-limit) must be >= 0 GiB (0 = no limit), got {}", p.memory_limit_gib);
  SVG2_CHECK(p.memory_limit_gib == 0 || device.is_cuda(),
             "memory_limit_gib (--memory-limit) needs a CUDA device (device is '{}')", p.device);
  validate(p.attention);
  if (!p.dump_qkv_path.empty()) {
    SVG2_CHECK(p.dump_qkv_step >= 0 && p.dump_qkv_step < p.steps,
               "dump-qkv: step must be in [0, {}] (0-based, steps = {}), got {}", p.steps - 1, p.steps,
               p.dump_qkv_step);
    SVG2_CHECK(p.dump_qkv_layer >= 0, "dump-qkv: layer must be >= 0, got {}", p.dump_qkv_layer);
  }
}

RenderParams resolve_render_params(const RenderParams& in, const ModelInfo& model) {
  RenderParams p = in;
  if (p.random_weights.empty()) {
    p.model_dir = model.dir;
  } else {
    p.model_dir.clear();
  }
  SVG2_CHECK((p.width == 0) == (p.height == 0),
             "give both width and height (got {}x{}); 0x0 means the model's default {}x{}", p.width, p.height,
             model.default_width, model.default_height);
  if (p.width == 0) {
    p.width = model.default_width;
    p.height = model.default_height;
  }
  if (p.frames == 0) p.frames = model.default_frames;
  if (p.steps == 0) p.steps = model.default_steps;
  if (p.guidance < 0) p.guidance = model.default_guidance;
  if (p.shift < 0) p.shift = model.default_shift;
  if (p.use_default_sampler) {
    p.sampler = sampler_from_string(model.default_sampler);
    p.use_default_sampler = false;
  }
  if (p.use_default_negative && p.negative_prompt.empty()) {
    p.negative_prompt = model.default_negative_prompt;
  }
  p.use_default_negative = false;
  if (p.seed < 0) {
    std::random_device rd;
    p.seed = static_cast<std::int64_t>((static_cast<std::uint64_t>(rd()) << 20 ^ rd()) & ((1ull << 48) - 1));
    log_info("seed: {} (random)", p.seed);
  }
  if (p.prompt.empty()) log_warn("the prompt is empty; rendering unconditioned");
  validate_render_params(p);
  SVG2_CHECK(model.family == "wan2.1-t2v",
             "model '{}' is a {} model; only text-to-video (wan2.1-t2v) is supported", model.dir,
             model.family);
  return p;
}

}  // namespace svg2::pipeline

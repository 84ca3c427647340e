#pragma once
// The render options shared by `svg2 render` and `svg2 compare`: model, prompt, size, sampler,
// attention and device flags, applied on top of a base RenderParams (the model's defaults, or a
// sidecar given with --params). Only options the user actually gave override the base.
#include <CLI/CLI.hpp>

#include <optional>
#include <string>

#include "svg2/model_info.h"
#include "svg2/render_params.h"

namespace svg2::cli {

struct RenderOptions {
  std::string params_file;
  std::string model, random_weights, prompt, negative, size, sampler, attention, kmeans_init;
  std::string device, dtype, dump_qkv;
  int frames = 0, steps = 0, qc = 0, kc = 0, kmeans_iters_init = 0, kmeans_iters_step = 0, dense_layers = 0;
  int preview_every = 0;
  long long seed = 0;
  double guidance = 0, shift = 0, top_p = 0, min_kc = 0, max_kc = 0, dense_steps = 0, dense_final_steps = 0,
         fixed_density = 0;
  bool offload = false, tiled_vae = false, kmeans_during_dense = false, no_offload = false;
  double memory_limit_gib = 0;

  // Registered options, to ask which ones were given.
  CLI::App* cmd = nullptr;
  bool given(const std::string& name) const;
};

// Adds the options to `cmd`.
void add_render_options(CLI::App& cmd, RenderOptions& o);

// The params to render: from --params (a sidecar or params JSON) or from scratch with the model's
// attention defaults, then the given options on top. Throws svg2::Error naming a bad option.
RenderParams build_render_params(const RenderOptions& o);

// Which model `params` would use (probing headers only).
ModelInfo model_for(const RenderParams& params);

}  // namespace svg2::cli

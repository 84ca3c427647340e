#pragma once
// The JSON sidecar written next to every clip: every parameter (resolved), the model, per-stage
// timings and memory, density statistics, device and versions. `--params clip.json` re-runs it
// (render_params_from_file reads its "params").
#include <nlohmann/json.hpp>

#include <string>

#include "svg2/engine.h"
#include "svg2/model_info.h"

namespace svg2::pipeline {

inline constexpr int kSidecarVersion = 1;

nlohmann::json model_to_json(const ModelInfo& model);
nlohmann::json timings_to_json(const RenderTimings& timings);
nlohmann::json density_to_json(const DensityStats& density);

// The whole sidecar for a finished render (no "output" section: save_render adds it).
nlohmann::json make_sidecar(const RenderResult& result, const ModelInfo& model);

}  // namespace svg2::pipeline

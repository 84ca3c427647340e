#pragma once
// From what the user asked for to what the pipeline runs: which model, every parameter resolved
// against the model's defaults, and validation with messages that name the parameter, the value
// and the nearest valid values.
#include <string>

#include "svg2/model_info.h"
#include "svg2/render_params.h"

namespace svg2::pipeline {

// The model folder a render reads: `model_dir`, else the bundled demo model. Throws svg2::Error
// when neither exists (the demo message says how to get one).
std::string resolve_model_dir(const RenderParams& params);

// ModelInfo for the render: the random-weights architecture, or the probed folder.
ModelInfo model_info_for(const RenderParams& params);

// Fills every "use the model's default" field (size, frames, steps, guidance, shift, sampler,
// negative prompt; model_dir; seed < 0 becomes a fresh random seed) so the result reproduces the
// render on its own. Then validates; throws svg2::Error naming the parameter.
RenderParams resolve_render_params(const RenderParams& params, const ModelInfo& model);

// Checks a resolved parameter set (also used on its own by the UI to validate input early).
void validate_render_params(const RenderParams& params);

// "frames must be 4n+1 ..." helpers, exposed for tests and the CLI.
std::string nearest_valid_frames(int frames);   // "29 or 33"
std::string nearest_multiple_of_16(int value);  // "832" or "816 or 832"

}  // namespace svg2::pipeline

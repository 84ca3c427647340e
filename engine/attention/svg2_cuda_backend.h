#pragma once
// The CUDA kernels (kernels/) wrapped as an SVG2 attention backend. Used automatically for SVG2
// on CUDA devices; the LibTorch reference path (svg2 backend) stays for the CPU and for tests.
#include <memory>

#include "attention/backend.h"
#include "svg2/attention_config.h"

namespace svg2::attention {

// True when this build has the CUDA backend (SVG2_CUDA_BACKEND) and a CUDA device is present.
bool svg2_cuda_backend_available();

// The CUDA SVG2 backend for `config`, or nullptr when the kernels cannot serve it (no CUDA build,
// unsupported head dim); callers then fall back to the reference backend.
std::unique_ptr<AttentionBackend> make_svg2_cuda_backend(const AttentionConfig& config);

}  // namespace svg2::attention

#pragma once
// Construction options of the CUDA SVG2 backend beyond the AttentionConfig: which attention
// kernel to use, and (for parity tests) running every stage through the LibTorch stage functions
// instead of the kernels, with the same policy, seeds and centroid cache.
#include <cstddef>
#include <memory>

#include "attention/backend.h"
#include "attention/cuda/svg2_cuda_pipeline.h"
#include "attention/svg2_cuda_backend_arena.h"
#include "svg2/attention_config.h"

namespace svg2::attention {

struct Svg2CudaBackendOptions {
  cuda::AttentionKernelChoice kernel = cuda::AttentionKernelChoice::Auto;
  bool reference_stages = false;
  // Device bytes the pipeline arena may take: calls whose arena would be larger run in chunks of
  // whole batch elements or head ranges (attention/svg2_cuda_backend_arena.h).
  std::size_t arena_budget_bytes = kDefaultSvg2ArenaBudgetBytes;
};

// nullptr when config.mode is not SVG2 or no CUDA device is present.
std::unique_ptr<AttentionBackend> make_svg2_cuda_backend(const AttentionConfig& config,
                                                         const Svg2CudaBackendOptions& options);

}  // namespace svg2::attention

#pragma once
// The CUDA half of `svg2 bench attention` (engine/tools/bench_attention.cpp calls it when the
// build has the CUDA backend): dense cuDNN attention and each SVG2 stage on one shape, timed with
// CUDA events on the current stream. Plain C++ interface.
#include <string>
#include <vector>

#include "svg2/bench_attention.h"

namespace svg2::attention::cuda {

// "NVIDIA H100 80GB HBM3 (sm_90, 132 SMs)"; throws svg2::Error when no CUDA device is present.
std::string bench_device_description();

// One row per options.densities entry, the dense baseline measured once in the same run.
std::vector<BenchAttentionRow> bench_shape_cuda(const BenchAttentionShape& shape,
                                                const BenchAttentionOptions& options,
                                                std::string* dense_backend);

}  // namespace svg2::attention::cuda

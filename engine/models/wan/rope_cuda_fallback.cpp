// Builds without the CUDA backend: the fused RoPE is never available (apply_rope runs the
// composite). The CUDA build compiles engine/models/wan/cuda/rope_cuda.cpp instead.
#include "svg2/build_config.h"

#if !SVG2_CUDA_BACKEND
#include "models/wan/rope_cuda.h"

namespace svg2::wan {

std::optional<at::Tensor> apply_rope_cuda(const at::Tensor&, const RopeTables&) {
  return std::nullopt;
}

}  // namespace svg2::wan
#endif

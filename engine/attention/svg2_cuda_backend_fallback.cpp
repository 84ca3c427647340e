// Builds without the CUDA backend: no CUDA SVG2 backend (callers use the reference path).
// The CUDA build compiles engine/attention/cuda/ instead, which defines these functions.
#include "svg2/build_config.h"

#if !SVG2_CUDA_BACKEND
#include "attention/svg2_cuda_backend.h"

namespace svg2::attention {

bool svg2_cuda_backend_available() { return false; }
std::unique_ptr<AttentionBackend> make_svg2_cuda_backend(const AttentionConfig&) { return nullptr; }

}  // namespace svg2::attention
#endif

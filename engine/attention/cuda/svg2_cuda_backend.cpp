// CUDA SVG2 backend over kernels/ (compiled only with SVG2_CUDA_BACKEND).
// Until the kernels land, it declines every config so callers use the reference path.
#include "attention/svg2_cuda_backend.h"

#include "svg2k/status.h"

namespace svg2::attention {

bool svg2_cuda_backend_available() { return svg2k::device_count() > 0; }

std::unique_ptr<AttentionBackend> make_svg2_cuda_backend(const AttentionConfig&) { return nullptr; }

}  // namespace svg2::attention

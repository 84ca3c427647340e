#include "models/wan/rope_cuda.h"

#include <ATen/ops/empty.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>

#include "core/check.h"
#include "svg2k/rope.h"

namespace svg2::wan {

std::optional<at::Tensor> apply_rope_cuda(const at::Tensor& x, const RopeTables& tables) {
  if (!x.is_cuda() || x.dim() != 4 || x.stride(3) != 1 || !tables.cos.is_cuda() ||
      tables.cos.device() != x.device() || !tables.cos.is_contiguous() || !tables.sin.is_contiguous())
    return std::nullopt;
  svg2k::ElementType type;
  switch (x.scalar_type()) {
    case at::kBFloat16:
      type = svg2k::ElementType::bf16;
      break;
    case at::kHalf:
      type = svg2k::ElementType::fp16;
      break;
    case at::kFloat:
      type = svg2k::ElementType::fp32;
      break;
    default:
      return std::nullopt;
  }
  if (x.stride(0) % 2 != 0 || x.stride(1) % 2 != 0 || x.stride(2) % 2 != 0 || x.storage_offset() % 2 != 0)
    return std::nullopt;
  const c10::cuda::CUDAGuard guard(x.device());
  at::Tensor out = at::empty(x.sizes(), x.options().memory_format(at::MemoryFormat::Contiguous));
  svg2k::RopeArgs a;
  a.x = x.data_ptr();
  a.out = out.data_ptr();
  a.type = type;
  a.batch = x.size(0);
  a.tokens = x.size(1);
  a.heads = x.size(2);
  a.dim = x.size(3);
  a.batch_stride = x.stride(0);
  a.token_stride = x.stride(1);
  a.head_stride = x.stride(2);
  a.cos = tables.cos.data_ptr<float>();
  a.sin = tables.sin.data_ptr<float>();
  const svg2k::Status st = svg2k::apply_rope(a, c10::cuda::getCurrentCUDAStream(x.get_device()).stream());
  SVG2_CHECK(st.ok(), "RoPE (CUDA): {} ({})", st.what, cudaGetErrorString(st.code));
  return out;
}

}  // namespace svg2::wan

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include "launch_check.cuh"
#include "svg2k/rope.h"

namespace svg2k {
namespace {

template <class T>
struct Pair;
template <>
struct Pair<__nv_bfloat16> {
  using Vec = __nv_bfloat162;
  __device__ static float2 load(const void* p) { return __bfloat1622float2(*static_cast<const Vec*>(p)); }
  __device__ static void store(void* p, float2 v) { *static_cast<Vec*>(p) = __float22bfloat162_rn(v); }
};
template <>
struct Pair<__half> {
  using Vec = __half2;
  __device__ static float2 load(const void* p) { return __half22float2(*static_cast<const Vec*>(p)); }
  __device__ static void store(void* p, float2 v) { *static_cast<Vec*>(p) = __float22half2_rn(v); }
};
template <>
struct Pair<float> {
  __device__ static float2 load(const void* p) { return *static_cast<const float2*>(p); }
  __device__ static void store(void* p, float2 v) { *static_cast<float2*>(p) = v; }
};

// One thread per (x[2j], x[2j+1]) pair; consecutive threads take consecutive pairs of a row, so
// loads and stores coalesce. The tables are small ([tokens, dim] fp32) and stay in L2.
template <class T>
__global__ void rope_kernel(RopeArgs a, std::int64_t pairs) {
  const std::int64_t p = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (p >= pairs) return;
  const std::int64_t half = a.dim / 2;
  const std::int64_t j = p % half;
  std::int64_t row = p / half;  // (b, s, h) flattened, h fastest
  const std::int64_t h = row % a.heads;
  row /= a.heads;
  const std::int64_t s = row % a.tokens;
  const std::int64_t b = row / a.tokens;
  const T* x =
      static_cast<const T*>(a.x) + b * a.batch_stride + s * a.token_stride + h * a.head_stride + 2 * j;
  T* out = static_cast<T*>(a.out) + ((b * a.tokens + s) * a.heads + h) * a.dim + 2 * j;
  const float2 v = Pair<T>::load(x);
  const float2 c = *reinterpret_cast<const float2*>(a.cos + s * a.dim + 2 * j);
  const float2 sn = *reinterpret_cast<const float2*>(a.sin + s * a.dim + 2 * j);
  Pair<T>::store(out, make_float2(v.x * c.x + v.y * sn.x, v.y * c.y + v.x * sn.y));
}

template <class T>
Status launch(const RopeArgs& a, cudaStream_t stream) {
  const std::int64_t pairs = a.batch * a.tokens * a.heads * (a.dim / 2);
  if (pairs == 0) return {};
  constexpr int kThreads = 256;
  const std::int64_t blocks = (pairs + kThreads - 1) / kThreads;
  if (blocks > 0x7fffffffLL) return invalid_argument("apply_rope: tensor too large");
  rope_kernel<T><<<static_cast<unsigned>(blocks), kThreads, 0, stream>>>(a, pairs);
  return detail::launch_status("apply_rope: kernel launch");
}

}  // namespace

Status apply_rope(const RopeArgs& a, cudaStream_t stream) {
  if (a.x == nullptr || a.out == nullptr || a.cos == nullptr || a.sin == nullptr)
    return invalid_argument("apply_rope: null pointer");
  if (a.batch < 0 || a.tokens < 0 || a.heads < 1 || a.dim < 2 || a.dim % 2 != 0)
    return invalid_argument("apply_rope: sizes must be non-negative with heads >= 1 and an even dim");
  // Pairs are loaded as one vector: the row starts must keep pair alignment.
  if (a.batch_stride % 2 != 0 || a.token_stride % 2 != 0 || a.head_stride % 2 != 0)
    return invalid_argument("apply_rope: strides must be even (pair-aligned)");
  const std::size_t elem = a.type == ElementType::fp32 ? 4 : 2;
  if (reinterpret_cast<std::uintptr_t>(a.x) % (2 * elem) != 0 ||
      reinterpret_cast<std::uintptr_t>(a.out) % (2 * elem) != 0 ||
      reinterpret_cast<std::uintptr_t>(a.cos) % 8 != 0 || reinterpret_cast<std::uintptr_t>(a.sin) % 8 != 0)
    return invalid_argument("apply_rope: pointers must be pair-aligned");
  switch (a.type) {
    case ElementType::bf16:
      return launch<__nv_bfloat16>(a, stream);
    case ElementType::fp16:
      return launch<__half>(a, stream);
    case ElementType::fp32:
      return launch<float>(a, stream);
  }
  return invalid_argument("apply_rope: unknown element type");
}

}  // namespace svg2k

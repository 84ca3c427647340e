#pragma once
// Device helpers shared by the SVG2 kernels: async copies, ldmatrix, mma.sync, the swizzled tile
// layout, and token-row addressing. Everything here works on sm_80 and later.
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <cstdint>

#include "svg2k/tokens.h"

namespace svg2k::detail {

__device__ __forceinline__ std::uint32_t smem_addr(const void* p) {
  return static_cast<std::uint32_t>(__cvta_generic_to_shared(p));
}

// 16-byte global -> shared copy; when !valid nothing is read and the destination is zero-filled.
__device__ __forceinline__ void cp_async_16(std::uint32_t dst, const void* src, bool valid) {
  const int bytes = valid ? 16 : 0;
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(dst), "l"(src), "r"(bytes) : "memory");
}
__device__ __forceinline__ void cp_async_commit() {
  asm volatile("cp.async.commit_group;\n" ::: "memory");
}
template <int Pending>
__device__ __forceinline__ void cp_async_wait() {
  asm volatile("cp.async.wait_group %0;\n" ::"n"(Pending) : "memory");
}

__device__ __forceinline__ void ldmatrix_x4(std::uint32_t (&r)[4], std::uint32_t addr) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(addr));
}
__device__ __forceinline__ void ldmatrix_x4_trans(std::uint32_t (&r)[4], std::uint32_t addr) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0, %1, %2, %3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(addr));
}

// D += A * B for one m16n8k16 bf16 tile with fp32 accumulation.
__device__ __forceinline__ void mma_bf16_16816(float (&d)[4], const std::uint32_t (&a)[4], std::uint32_t b0,
                                               std::uint32_t b1) {
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
      "{%0, %1, %2, %3};\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

// 16 bytes from shared memory at a shared-window address (asm volatile: ordered with the asm
// stores and barriers around it, as in every caller).
__device__ __forceinline__ uint4 ld_shared_uint4(std::uint32_t addr) {
  uint4 v;
  asm volatile("ld.shared.v4.u32 {%0, %1, %2, %3}, [%4];\n"
               : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
               : "r"(addr));
  return v;
}

__device__ __forceinline__ std::uint32_t pack_bf16x2(float lo, float hi) {
  __nv_bfloat162 v = __floats2bfloat162_rn(lo, hi);
  return *reinterpret_cast<std::uint32_t*>(&v);
}

// Tiles of `Rows` tokens x `Dim` bf16 features in shared memory use the 128-byte swizzle that
// wgmma's SWIZZLE_128B descriptors expect (and that makes ldmatrix conflict-free): the features are
// split into column panels of 64 (128 bytes per row); panel p holds Rows rows of 128 bytes, and
// 16-byte chunk c of row r sits at chunk position c ^ (r % 8). Tiles start 1024-byte aligned.
template <int Rows>
__device__ __forceinline__ std::uint32_t swizzled_offset(int row, int chunk) {
  return static_cast<std::uint32_t>((chunk >> 3) * (Rows * 128) + row * 128 +
                                    (((chunk & 7) ^ (row & 7)) << 4));
}

// Address of token s of problem n.
__device__ __forceinline__ const __nv_bfloat16* token_row(const TokenView& t, int n, long long s) {
  const long long b = n / t.heads, h = n % t.heads;
  return static_cast<const __nv_bfloat16*>(t.data) + b * t.batch_stride + h * t.head_stride +
         s * t.token_stride;
}
__device__ __forceinline__ __nv_bfloat16* token_row(const MutableTokenView& t, int n, long long s) {
  const long long b = n / t.heads, h = n % t.heads;
  return static_cast<__nv_bfloat16*>(t.data) + b * t.batch_stride + h * t.head_stride + s * t.token_stride;
}

__host__ __device__ __forceinline__ int ceil_div(int a, int b) {
  return (a + b - 1) / b;
}

// Largest i in [0, n) with a[i] <= value, for a non-decreasing a with a[0] <= value.
__device__ __forceinline__ int upper_bound_index(const int* a, int n, int value) {
  int lo = 0, hi = n - 1;
  while (lo < hi) {
    const int mid = (lo + hi + 1) >> 1;
    if (a[mid] <= value) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  return lo;
}

}  // namespace svg2k::detail

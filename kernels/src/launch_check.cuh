#pragma once
// Host-side argument checks and launch-error capture shared by the entry points.
#include <cuda_runtime.h>

#include <cstdint>
#include <map>
#include <mutex>
#include <utility>

#include "svg2k/status.h"
#include "svg2k/tokens.h"

namespace svg2k::detail {

inline bool aligned16(const void* p) {
  return (reinterpret_cast<std::uintptr_t>(p) & 15) == 0;
}

template <class View>
inline bool token_view_ok(const View& t) {
  return t.data != nullptr && aligned16(t.data) && t.heads >= 1 && t.batch_stride % 8 == 0 &&
         t.head_stride % 8 == 0 && t.token_stride % 8 == 0;
}

// The status of the last launch (configuration errors show up here, not in the launch itself).
inline Status launch_status(const char* what) {
  const cudaError_t err = cudaGetLastError();
  return err == cudaSuccess ? Status{} : Status{err, what};
}

inline Status call_status(cudaError_t err, const char* what) {
  return err == cudaSuccess ? Status{} : Status{err, what};
}

// Raises a kernel's dynamic shared-memory limit once per (kernel, device) and size, so steady-state
// calls (and CUDA graph captures) make no attribute calls.
template <class Kernel>
inline Status ensure_dynamic_smem(Kernel kernel, int bytes, const char* what) {
  static std::mutex mutex;
  static std::map<std::pair<const void*, int>, int> configured;
  int device = 0;
  cudaError_t err = cudaGetDevice(&device);
  if (err != cudaSuccess) return Status{err, what};
  const std::pair<const void*, int> key{reinterpret_cast<const void*>(kernel), device};
  const std::lock_guard<std::mutex> lock(mutex);
  auto it = configured.find(key);
  if (it != configured.end() && it->second >= bytes) return {};
  err = cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, bytes);
  if (err != cudaSuccess) return Status{err, what};
  configured[key] = bytes;
  return {};
}

#define SVG2K_RETURN_IF_ERROR(expr)     \
  do {                                  \
    const ::svg2k::Status _st = (expr); \
    if (!_st.ok()) return _st;          \
  } while (0)

}  // namespace svg2k::detail

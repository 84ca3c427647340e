#pragma once
// What every GPU test file needs: the device, the skip-with-a-reason guard, and a fresh printed
// seed per test (SVG2_TEST_SEED reproduces a failure).
#include <ATen/core/TensorBody.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>

#include "svg2k/status.h"

namespace svg2::gpu_test {

inline const at::Device kCuda(at::kCUDA, 0);

#define SKIP_WITHOUT_GPU()                                                                                 \
  do {                                                                                                     \
    if (svg2k::device_count() == 0) GTEST_SKIP() << "no CUDA device visible: GPU tests need one";          \
    if (svg2k::current_device_arch() < 80)                                                                 \
      GTEST_SKIP() << "CUDA device is sm_" << svg2k::current_device_arch() << ": the kernels need sm_80+"; \
  } while (0)

inline std::uint64_t fresh_seed(const char* test) {
  std::uint64_t seed = std::random_device{}();
  if (const char* env = std::getenv("SVG2_TEST_SEED")) seed = std::strtoull(env, nullptr, 10);
  std::printf("[%s] seed %llu\n", test, static_cast<unsigned long long>(seed));
  return seed;
}

}  // namespace svg2::gpu_test

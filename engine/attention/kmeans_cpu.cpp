// Vectorisation of the column-min loop needs the loop vectoriser with a real cost model, which
// -O2 (GCC 12) does not run; the avx2 clone is picked at load time on CPUs that have it.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("tree-vectorize", "vect-cost-model=dynamic")
#endif

#include "attention/kmeans_cpu.h"

#include <ATen/Parallel.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/from_blob.h>
#include <ATen/ops/mm.h>
#include <ATen/ops/zeros.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

#include "attention/single_threaded_blas.h"

namespace svg2::attention {
namespace {

constexpr std::int64_t kRowsPerTask = 512;

// For each token column r of dots [C, R] (= -2 c.x), best[r] = min_j dots[j][r] + c_norm[j] and
// idx[r] = the first j reaching it. Branch-free so the inner loop vectorises.
#if defined(__GNUC__) && defined(__x86_64__)
__attribute__((target_clones("avx2", "default")))
#endif
void column_argmin(const float* __restrict dots, const float* __restrict c_norm, float* __restrict best,
                   std::int32_t* __restrict idx, std::int64_t clusters, std::int64_t rows) {
  for (std::int64_t r = 0; r < rows; ++r) {
    best[r] = std::numeric_limits<float>::infinity();
    idx[r] = 0;
  }
  for (std::int64_t j = 0; j < clusters; ++j) {
    const float* row = dots + j * rows;
    const float add = c_norm[j];
    const std::int32_t jj = static_cast<std::int32_t>(j);
    for (std::int64_t r = 0; r < rows; ++r) {
      const float v = row[r] + add;
      const float b = best[r];
      const std::int32_t m = -static_cast<std::int32_t>(v < b);
      best[r] = v < b ? v : b;
      idx[r] = (idx[r] & ~m) | (jj & m);
    }
  }
}

#if defined(__GNUC__) && defined(__x86_64__)
__attribute__((target_clones("avx2", "default")))
#endif
void accumulate_rows(const float* __restrict x, const std::int64_t* __restrict labels, float* __restrict sums,
                     std::int64_t* __restrict counts, std::int64_t tokens, std::int64_t d) {
  for (std::int64_t t = 0; t < tokens; ++t) {
    float* __restrict dst = sums + labels[t] * d;
    const float* __restrict src = x + t * d;
    for (std::int64_t j = 0; j < d; ++j) dst[j] += src[j];
    ++counts[labels[t]];
  }
}

}  // namespace

std::pair<at::Tensor, at::Tensor> cluster_sums_cpu(const at::Tensor& x, const at::Tensor& labels,
                                                   std::int64_t clusters) {
  const std::int64_t n = x.size(0), s = x.size(1), d = x.size(2);
  at::Tensor sums = at::zeros({n, clusters, d}, x.options());
  at::Tensor counts = at::zeros({n, clusters}, labels.options());
  at::parallel_for(0, n, 1, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t p = begin; p < end; ++p) {
      accumulate_rows(x.data_ptr<float>() + p * s * d, labels.data_ptr<std::int64_t>() + p * s,
                      sums.data_ptr<float>() + p * clusters * d,
                      counts.data_ptr<std::int64_t>() + p * clusters, s, d);
    }
  });
  return {sums, counts};
}

at::Tensor nearest_centroid_cpu(const at::Tensor& x, const at::Tensor& centroids) {
  const std::int64_t n = x.size(0), s = x.size(1), k = centroids.size(1);
  const at::Tensor scaled = centroids.mul(-2.0).contiguous();       // [N, C, D]
  const at::Tensor c_norm = centroids.pow(2).sum(-1).contiguous();  // [N, C]
  at::Tensor labels = at::empty({n, s}, x.options().dtype(at::kLong));
  const std::int64_t chunks = (s + kRowsPerTask - 1) / kRowsPerTask;
  const float* cn = c_norm.data_ptr<float>();
  std::int64_t* out = labels.data_ptr<std::int64_t>();
  at::parallel_for(0, n * chunks, 1, [&](std::int64_t begin, std::int64_t end) {
    const SingleThreadedBlas one_thread;
    // Per-thread buffers kept across calls (a fresh large allocation would be page-faulted again).
    thread_local std::vector<float> dots, best;
    thread_local std::vector<std::int32_t> idx;
    dots.resize(static_cast<std::size_t>(std::max<std::size_t>(dots.size(), k * kRowsPerTask)));
    best.resize(kRowsPerTask);
    idx.resize(kRowsPerTask);
    for (std::int64_t t = begin; t < end; ++t) {
      const std::int64_t p = t / chunks, r0 = (t % chunks) * kRowsPerTask, r = std::min(kRowsPerTask, s - r0);
      at::Tensor view = at::from_blob(dots.data(), {k, r}, at::TensorOptions().dtype(at::kFloat));
      at::mm_out(view, scaled[p], x[p].narrow(0, r0, r).t());
      column_argmin(dots.data(), cn + p * k, best.data(), idx.data(), k, r);
      std::copy(idx.begin(), idx.begin() + r, out + p * s + r0);
    }
  });
  return labels;
}

}  // namespace svg2::attention

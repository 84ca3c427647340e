// The fast CPU block-sparse attention: per (problem, query cluster), gather the selected key/value
// rows into a chunk buffer and fold each chunk into an online softmax (running max, rescaled sum and
// accumulator), so only selected blocks are ever computed and memory stays bounded.
#include <ATen/Parallel.h>
#include <ATen/ops/addmm.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/from_blob.h>
#include <ATen/ops/full.h>
#include <ATen/ops/max.h>
#include <ATen/ops/maximum.h>
#include <ATen/ops/mm.h>
#include <ATen/ops/sum.h>
#include <ATen/ops/zeros.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "attention/block_sparse_attention.h"
#include "attention/block_sparse_checks.h"
#include "attention/permutation.h"
#include "core/check.h"

namespace svg2::attention {
namespace {

// Score-buffer budget per worker (floats): chunks hold up to budget / |Q_i| keys.
constexpr std::int64_t kScoreBudget = std::int64_t{4} << 20;
constexpr std::int64_t kMinKeyChunk = 256;

at::Tensor view_of(float* data, std::int64_t rows, std::int64_t cols) {
  return at::from_blob(data, {rows, cols}, at::TensorOptions().dtype(at::kFloat));
}

// One worker's state for one query cluster: online softmax over chunks of gathered keys.
class QueryBlock {
 public:
  QueryBlock(std::int64_t d, std::int64_t max_rows, std::int64_t capacity)
      : d_(d),
        capacity_(capacity),
        keys_(at::empty({capacity, d}, at::kFloat)),
        values_(at::empty({capacity, d}, at::kFloat)),
        scores_(at::empty({max_rows * capacity}, at::kFloat)),
        row_max_(at::empty({max_rows}, at::kFloat)),
        row_sum_(at::empty({max_rows}, at::kFloat)) {}

  // Starts a query cluster: q (pre-scaled) and the output rows it accumulates into.
  void begin(float* q, float* out, std::int64_t rows) {
    q_ = view_of(q, rows, d_);
    acc_ = view_of(out, rows, d_);
    acc_.zero_();
    max_ = row_max_.narrow(0, 0, rows).fill_(-std::numeric_limits<float>::infinity());
    sum_ = row_sum_.narrow(0, 0, rows).zero_();
    filled_ = 0;
    rows_ = rows;
  }

  // Appends key/value rows [first, first + count) of the permuted K/V, flushing full chunks.
  void add(const float* k, const float* v, std::int64_t first, std::int64_t count) {
    while (count > 0) {
      const std::int64_t take = std::min(count, capacity_ - filled_);
      const std::size_t bytes = static_cast<std::size_t>(take * d_) * sizeof(float);
      std::memcpy(keys_.data_ptr<float>() + filled_ * d_, k + first * d_, bytes);
      std::memcpy(values_.data_ptr<float>() + filled_ * d_, v + first * d_, bytes);
      filled_ += take;
      first += take;
      count -= take;
      if (filled_ == capacity_) flush();
    }
  }

  // Flushes the last chunk and normalises; rows that saw no key stay zero.
  void finish() {
    if (filled_ > 0) flush();
    acc_.div_(sum_.clamp_min(std::numeric_limits<float>::min()).unsqueeze(1));
  }

 private:
  void flush() {
    const at::Tensor k = keys_.narrow(0, 0, filled_);
    const at::Tensor v = values_.narrow(0, 0, filled_);
    at::Tensor s = view_of(scores_.data_ptr<float>(), rows_, filled_);
    at::mm_out(s, q_, k.t());
    const at::Tensor new_max = at::maximum(max_, std::get<0>(s.max(1)));
    const at::Tensor correction = (max_ - new_max).exp_();  // exp(-inf) = 0 on the first chunk
    s.sub_(new_max.unsqueeze(1)).exp_();
    sum_.mul_(correction).add_(s.sum(1));
    acc_.mul_(correction.unsqueeze(1)).addmm_(s, v);
    max_.copy_(new_max);
    filled_ = 0;
  }

  std::int64_t d_, capacity_;
  at::Tensor keys_, values_, scores_, row_max_, row_sum_;
  at::Tensor q_, acc_, max_, sum_;
  std::int64_t filled_ = 0, rows_ = 0;
};

void check_offsets(const at::Tensor& off, std::int64_t s, const char* what) {
  const std::int64_t* o = off.data_ptr<std::int64_t>();
  const std::int64_t c = off.size(1) - 1;
  for (std::int64_t n = 0; n < off.size(0); ++n) {
    for (std::int64_t i = 0; i < c; ++i) {
      SVG2_CHECK(o[n * (c + 1) + i + 1] >= o[n * (c + 1) + i],
                 "block_sparse_attention_cpu: {} has a negative size", what);
    }
    SVG2_CHECK(o[n * (c + 1) + c] == s,
               "block_sparse_attention_cpu: {} of problem {} sum to {}, expected S = {}", what, n,
               o[n * (c + 1) + c], s);
  }
}

}  // namespace

at::Tensor block_sparse_attention_cpu(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                      const at::Tensor& mask, const at::Tensor& q_sizes,
                                      const at::Tensor& k_sizes, std::optional<double> scale,
                                      std::int64_t key_chunk) {
  check_block_sparse_inputs(q, k, v, mask, q_sizes, k_sizes, "block_sparse_attention_cpu");
  SVG2_CHECK(q.device().is_cpu() && k.device().is_cpu() && v.device().is_cpu() && mask.device().is_cpu(),
             "block_sparse_attention_cpu: tensors must be on the CPU, got q on {}", q.device().str());
  const std::int64_t n = q.size(0), s = q.size(1), d = q.size(2), qc = mask.size(1), kc = mask.size(2);
  const double sc = scale.value_or(1.0 / std::sqrt(static_cast<double>(d)));
  const at::Tensor qs = q.to(at::kFloat).mul(sc).contiguous();  // scale folded into Q once
  const at::Tensor kf = k.to(at::kFloat).contiguous();
  const at::Tensor vf = v.to(at::kFloat).contiguous();
  const at::Tensor m = mask.to(at::kBool).contiguous();
  const at::Tensor q_off = cluster_offsets(q_sizes.cpu()).contiguous();
  const at::Tensor k_off = cluster_offsets(k_sizes.cpu()).contiguous();
  check_offsets(q_off, s, "q_sizes");
  check_offsets(k_off, s, "k_sizes");

  at::Tensor out = at::zeros({n, s, d}, qs.options());
  const std::int64_t* qo = q_off.data_ptr<std::int64_t>();
  const std::int64_t* ko = k_off.data_ptr<std::int64_t>();
  const bool* mp = m.data_ptr<bool>();
  std::int64_t max_rows = 1;
  for (std::int64_t t = 0; t < n * qc; ++t) {
    const std::int64_t p = t / qc, i = t % qc;
    max_rows = std::max(max_rows, qo[p * (qc + 1) + i + 1] - qo[p * (qc + 1) + i]);
  }
  const std::int64_t capacity =
      key_chunk > 0 ? key_chunk
                    : std::clamp(kScoreBudget / max_rows, kMinKeyChunk, std::max<std::int64_t>(s, 1));

  float* qp = qs.data_ptr<float>();
  const float* kp = kf.data_ptr<float>();
  const float* vp = vf.data_ptr<float>();
  float* op = out.data_ptr<float>();
  at::parallel_for(0, n * qc, 1, [&](std::int64_t begin, std::int64_t end) {
    QueryBlock block(d, max_rows, capacity);
    for (std::int64_t t = begin; t < end; ++t) {
      const std::int64_t p = t / qc, i = t % qc;
      const std::int64_t row0 = qo[p * (qc + 1) + i], rows = qo[p * (qc + 1) + i + 1] - row0;
      if (rows == 0) continue;
      block.begin(qp + (p * s + row0) * d, op + (p * s + row0) * d, rows);
      const bool* selected = mp + (p * qc + i) * kc;
      const float* kbase = kp + p * s * d;
      const float* vbase = vp + p * s * d;
      for (std::int64_t j = 0; j < kc; ++j) {
        if (!selected[j]) continue;
        const std::int64_t first = ko[p * (kc + 1) + j], count = ko[p * (kc + 1) + j + 1] - first;
        if (count > 0) block.add(kbase, vbase, first, count);
      }
      block.finish();
    }
  });
  return out.to(q.scalar_type());
}

}  // namespace svg2::attention

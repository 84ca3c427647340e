// The fast CPU block-sparse attention: per (problem, query cluster), gather the selected key/value
// rows into chunk buffers and compute only those blocks (see QueryBlock). The permuting variant
// reads tokens through the permutations and writes outputs back to their original positions, so
// the permuted copies of Q/K/V and the inverse permutation never materialise.
#include <ATen/Parallel.h>
#include <ATen/TensorOperators.h>
#include <ATen/ops/addmm.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/from_blob.h>
#include <ATen/ops/max.h>
#include <ATen/ops/maximum.h>
#include <ATen/ops/mm.h>
#include <ATen/ops/softmax.h>
#include <ATen/ops/sum.h>
#include <ATen/ops/zeros.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <vector>

#include "attention/block_sparse_attention.h"
#include "attention/block_sparse_checks.h"
#include "attention/permutation.h"
#include "attention/shape_text.h"
#include "attention/single_threaded_blas.h"
#include "core/check.h"

namespace svg2::attention {
namespace {

// Score-buffer budget per worker (floats): chunks hold up to budget / |Q_i| keys.
constexpr std::int64_t kScoreBudget = std::int64_t{4} << 20;
constexpr std::int64_t kMinKeyChunk = 256;

at::Tensor view_of(float* data, std::int64_t rows, std::int64_t cols) {
  return at::from_blob(data, {rows, cols}, at::TensorOptions().dtype(at::kFloat));
}

// One problem's tokens: fp32 rows of D, optionally read through a permutation (nullptr = the
// rows are already in cluster order).
struct Rows {
  const float* data = nullptr;
  const std::int64_t* perm = nullptr;
  std::int64_t d = 0;
  const float* row(std::int64_t i) const { return data + (perm ? perm[i] : i) * d; }
  // Copies rows [first, first + count) (cluster order) to dst.
  void copy(std::int64_t first, std::int64_t count, float* dst) const {
    if (perm == nullptr) {
      std::memcpy(dst, data + first * d, static_cast<std::size_t>(count * d) * sizeof(float));
      return;
    }
    for (std::int64_t i = 0; i < count; ++i) std::memcpy(dst + i * d, row(first + i), d * sizeof(float));
  }
};

// One worker's state for one query cluster. The selected key/value rows are gathered into
// contiguous buffers; when they fit in one chunk (the common case) the block is a plain stable
// softmax, otherwise chunks are folded into an online softmax (running max, rescaled sum and
// accumulator), so memory stays bounded for any sequence length.
class QueryBlock {
 public:
  QueryBlock(std::int64_t d, std::int64_t max_rows, std::int64_t capacity, double scale)
      : d_(d), capacity_(capacity), scale_(scale) {
    // Per-thread buffers kept across calls: a fresh multi-megabyte allocation per call would be
    // mmap'd and page-faulted again every time.
    thread_local Workspace ws;
    queries_ = ws.get(0, max_rows * d).view({max_rows, d});
    outputs_ = ws.get(1, max_rows * d).view({max_rows, d});
    keys_ = ws.get(2, capacity * d).view({capacity, d});
    values_ = ws.get(3, capacity * d).view({capacity, d});
    scores_ = ws.get(4, max_rows * capacity);
    probs_ = ws.get(5, max_rows * capacity);
    row_max_ = ws.get(6, max_rows);
    row_sum_ = ws.get(7, max_rows);
  }

  // Starts query cluster rows [first, first + rows) of `q`, which will see `total_keys` keys.
  void begin(const Rows& q, std::int64_t first, std::int64_t rows, std::int64_t total_keys) {
    if (q.perm == nullptr) {
      q_ = view_of(const_cast<float*>(q.row(first)), rows, d_);
    } else {
      q.copy(first, rows, queries_.data_ptr<float>());
      q_ = queries_.narrow(0, 0, rows);
    }
    out_ = outputs_.narrow(0, 0, rows);
    rows_ = rows;
    filled_ = 0;
    single_chunk_ = total_keys <= capacity_;
    if (!single_chunk_) {
      out_.zero_();
      max_ = row_max_.narrow(0, 0, rows).fill_(-std::numeric_limits<float>::infinity());
      sum_ = row_sum_.narrow(0, 0, rows).zero_();
    }
  }

  // Appends key/value rows [first, first + count) (cluster order), flushing full chunks.
  void add(const Rows& k, const Rows& v, std::int64_t first, std::int64_t count) {
    while (count > 0) {
      const std::int64_t take = std::min(count, capacity_ - filled_);
      k.copy(first, take, keys_.data_ptr<float>() + filled_ * d_);
      v.copy(first, take, values_.data_ptr<float>() + filled_ * d_);
      filled_ += take;
      first += take;
      count -= take;
      if (filled_ == capacity_ && !single_chunk_) fold_chunk();
    }
  }

  // The normalised output rows (valid until the next begin); rows that saw no key are zero.
  const at::Tensor& finish() {
    if (single_chunk_) {
      if (filled_ == 0) return out_.zero_();
      // One stable softmax over all selected keys (ATen's single-pass vectorised kernel).
      at::Tensor s = scores(filled_);
      at::Tensor p = view_of(probs_.data_ptr<float>(), rows_, filled_);
      at::addmm_out(s, s, q_, keys_.narrow(0, 0, filled_).t(), /*beta=*/0, /*alpha=*/scale_);
      at::softmax_out(p, s, 1);
      return at::mm_out(out_, p, values_.narrow(0, 0, filled_));
    }
    if (filled_ > 0) fold_chunk();
    return out_.div_(sum_.unsqueeze(1));
  }

 private:
  // Grow-only flat fp32 buffers, one set per worker thread.
  struct Workspace {
    at::Tensor buffers[8];
    at::Tensor get(int i, std::int64_t numel) {
      if (!buffers[i].defined() || buffers[i].numel() < numel)
        buffers[i] = at::empty({std::max<std::int64_t>(numel, 1)}, at::kFloat);
      return buffers[i].narrow(0, 0, numel);
    }
  };

  at::Tensor scores(std::int64_t cols) { return view_of(scores_.data_ptr<float>(), rows_, cols); }

  void fold_chunk() {
    const at::Tensor k = keys_.narrow(0, 0, filled_);
    const at::Tensor v = values_.narrow(0, 0, filled_);
    at::Tensor s = scores(filled_);
    at::addmm_out(s, s, q_, k.t(), /*beta=*/0, /*alpha=*/scale_);
    const at::Tensor new_max = at::maximum(max_, std::get<0>(s.max(1)));
    const at::Tensor correction = (max_ - new_max).exp_();  // exp(-inf) = 0 on the first chunk
    s.sub_(new_max.unsqueeze(1)).exp_();
    sum_.mul_(correction).add_(s.sum(1));
    out_.mul_(correction.unsqueeze(1)).addmm_(s, v);
    max_.copy_(new_max);
    filled_ = 0;
  }

  std::int64_t d_, capacity_;
  double scale_;
  at::Tensor queries_, outputs_, keys_, values_, scores_, probs_, row_max_, row_sum_;
  at::Tensor q_, out_, max_, sum_;
  std::int64_t filled_ = 0, rows_ = 0;
  bool single_chunk_ = true;
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

// Shared body: q_perm / k_perm undefined = inputs already in cluster order (output too).
at::Tensor run_cpu(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& q_perm,
                   const at::Tensor& k_perm, const at::Tensor& mask, const at::Tensor& q_sizes,
                   const at::Tensor& k_sizes, std::optional<double> scale, std::int64_t key_chunk,
                   const char* fn) {
  check_block_sparse_inputs(q, k, v, mask, q_sizes, k_sizes, fn);
  SVG2_CHECK(q.device().is_cpu() && k.device().is_cpu() && v.device().is_cpu() && mask.device().is_cpu(),
             "{}: tensors must be on the CPU, got q on {}", fn, q.device().str());
  const std::int64_t n = q.size(0), s = q.size(1), d = q.size(2), qc = mask.size(1), kc = mask.size(2);
  const double sc = scale.value_or(1.0 / std::sqrt(static_cast<double>(d)));
  const at::Tensor qf = q.to(at::kFloat).contiguous();
  const at::Tensor kf = k.to(at::kFloat).contiguous();
  const at::Tensor vf = v.to(at::kFloat).contiguous();
  const at::Tensor m = mask.to(at::kBool).contiguous();
  const at::Tensor q_off = cluster_offsets(q_sizes.cpu()).contiguous();
  const at::Tensor k_off = cluster_offsets(k_sizes.cpu()).contiguous();
  check_offsets(q_off, s, "q_sizes");
  check_offsets(k_off, s, "k_sizes");
  const at::Tensor qp = q_perm.defined() ? q_perm.to(at::kLong).contiguous() : at::Tensor();
  const at::Tensor kp = k_perm.defined() ? k_perm.to(at::kLong).contiguous() : at::Tensor();

  at::Tensor out = at::empty({n, s, d}, qf.options());
  const std::int64_t* qo = q_off.data_ptr<std::int64_t>();
  const std::int64_t* ko = k_off.data_ptr<std::int64_t>();
  const bool* mp = m.data_ptr<bool>();
  const std::int64_t tasks = n * qc;
  // Each (problem, query cluster) block's selected key count and its cost (rows x keys).
  std::vector<std::int64_t> keys_of(static_cast<std::size_t>(tasks)), order(static_cast<std::size_t>(tasks));
  std::vector<double> cost(static_cast<std::size_t>(tasks));
  std::int64_t max_rows = 1;
  for (std::int64_t t = 0; t < tasks; ++t) {
    const std::int64_t p = t / qc, i = t % qc;
    const std::int64_t rows = qo[p * (qc + 1) + i + 1] - qo[p * (qc + 1) + i];
    const bool* selected = mp + t * kc;
    const std::int64_t* off = ko + p * (kc + 1);
    std::int64_t total = 0;
    for (std::int64_t j = 0; j < kc; ++j) total += selected[j] ? off[j + 1] - off[j] : 0;
    keys_of[static_cast<std::size_t>(t)] = total;
    cost[static_cast<std::size_t>(t)] = static_cast<double>(rows) * static_cast<double>(total + 1);
    max_rows = std::max(max_rows, rows);
  }
  // Keys per chunk: the whole sequence when the score buffer allows (one plain softmax per block).
  const std::int64_t capacity =
      key_chunk > 0 ? key_chunk : std::min(std::max(kScoreBudget / max_rows, kMinKeyChunk), s);

  // Blocks differ in cost by orders of magnitude (cluster sizes, per-head density), so rather than a
  // fixed range each, workers take the next block from a shared counter, most expensive first.
  std::iota(order.begin(), order.end(), std::int64_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) {
    return cost[static_cast<std::size_t>(a)] > cost[static_cast<std::size_t>(b)];
  });
  std::atomic<std::int64_t> next{0};
  const std::int64_t workers =
      std::max<std::int64_t>(1, std::min<std::int64_t>(at::get_num_threads(), tasks));
  at::parallel_for(0, workers, 1, [&](std::int64_t, std::int64_t) {
    const SingleThreadedBlas one_thread;
    QueryBlock block(d, max_rows, capacity, sc);
    for (std::int64_t k = next.fetch_add(1); k < tasks; k = next.fetch_add(1)) {
      const std::int64_t t = order[static_cast<std::size_t>(k)];
      const std::int64_t p = t / qc, i = t % qc;
      const std::int64_t row0 = qo[p * (qc + 1) + i], rows = qo[p * (qc + 1) + i + 1] - row0;
      if (rows == 0) continue;
      const auto problem = [&](const at::Tensor& x, const at::Tensor& perm) {
        return Rows{x.data_ptr<float>() + p * s * d,
                    perm.defined() ? perm.data_ptr<std::int64_t>() + p * s : nullptr, d};
      };
      const Rows qr = problem(qf, qp), kr = problem(kf, kp), vr = problem(vf, kp);
      const bool* selected = mp + t * kc;
      const std::int64_t* off = ko + p * (kc + 1);
      block.begin(qr, row0, rows, keys_of[static_cast<std::size_t>(t)]);
      for (std::int64_t j = 0; j < kc; ++j) {
        if (selected[j] && off[j + 1] > off[j]) block.add(kr, vr, off[j], off[j + 1] - off[j]);
      }
      const at::Tensor& o = block.finish();
      const float* src = o.data_ptr<float>();
      float* dst = out.data_ptr<float>() + p * s * d;
      // Back to the token order of q (the inverse permutation), or straight into cluster order.
      for (std::int64_t r = 0; r < rows; ++r) {
        const std::int64_t token = qr.perm ? qr.perm[row0 + r] : row0 + r;
        std::memcpy(dst + token * d, src + r * d, d * sizeof(float));
      }
    }
  });
  return out.to(q.scalar_type());
}

}  // namespace

at::Tensor block_sparse_attention_cpu(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                      const at::Tensor& mask, const at::Tensor& q_sizes,
                                      const at::Tensor& k_sizes, std::optional<double> scale,
                                      std::int64_t key_chunk) {
  return run_cpu(q, k, v, at::Tensor(), at::Tensor(), mask, q_sizes, k_sizes, scale, key_chunk,
                 "block_sparse_attention_cpu");
}

at::Tensor block_sparse_attention_cpu_permuting(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                                const at::Tensor& q_perm, const at::Tensor& k_perm,
                                                const at::Tensor& mask, const at::Tensor& q_sizes,
                                                const at::Tensor& k_sizes, std::optional<double> scale,
                                                std::int64_t key_chunk) {
  const char* fn = "block_sparse_attention_cpu_permuting";
  for (const at::Tensor* perm : {&q_perm, &k_perm}) {
    SVG2_CHECK(perm->defined() && perm->dim() == 2 && perm->size(0) == q.size(0) &&
                   perm->size(1) == q.size(1) && perm->scalar_type() == at::kLong,
               "{}: permutations must be [N={}, S={}] int64, got {}", fn, q.dim() > 0 ? q.size(0) : 0,
               q.dim() > 1 ? q.size(1) : 0, shape_text(*perm));
  }
  return run_cpu(q, k, v, q_perm, k_perm, mask, q_sizes, k_sizes, scale, key_chunk, fn);
}

}  // namespace svg2::attention

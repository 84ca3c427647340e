#include "attention/block_sparse_checks.h"

#include "attention/shape_text.h"
#include "core/check.h"

namespace svg2::attention {
void check_block_sparse_inputs(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                               const at::Tensor& mask, const at::Tensor& q_sizes, const at::Tensor& k_sizes,
                               const char* fn) {
  SVG2_CHECK(q.defined() && q.dim() == 3, "{}: q must be [N, S, D], got {}", fn, shape_text(q));
  SVG2_CHECK(k.defined() && v.defined() && k.sizes() == q.sizes() && v.sizes() == q.sizes(),
             "{}: q, k, v must have the same shape, got q {} k {} v {}", fn, shape_text(q), shape_text(k),
             shape_text(v));
  SVG2_CHECK(at::isFloatingType(q.scalar_type()) && k.scalar_type() == q.scalar_type() &&
                 v.scalar_type() == q.scalar_type(),
             "{}: q, k, v must share one floating dtype, got {} {} {}", fn, c10::toString(q.scalar_type()),
             c10::toString(k.scalar_type()), c10::toString(v.scalar_type()));
  const std::int64_t n = q.size(0);
  SVG2_CHECK(mask.defined() && mask.dim() == 3 && mask.size(0) == n,
             "{}: mask must be [N={}, QC, KC], got {}", fn, n, shape_text(mask));
  SVG2_CHECK(
      q_sizes.defined() && q_sizes.dim() == 2 && q_sizes.size(0) == n && q_sizes.size(1) == mask.size(1),
      "{}: q_sizes must be [N={}, QC={}], got {}", fn, n, mask.size(1), shape_text(q_sizes));
  SVG2_CHECK(
      k_sizes.defined() && k_sizes.dim() == 2 && k_sizes.size(0) == n && k_sizes.size(1) == mask.size(2),
      "{}: k_sizes must be [N={}, KC={}], got {}", fn, n, mask.size(2), shape_text(k_sizes));
}

}  // namespace svg2::attention

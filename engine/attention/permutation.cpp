#include "attention/permutation.h"

#include <ATen/ops/cat.h>
#include <ATen/ops/empty_like.h>
#include <ATen/ops/sort.h>
#include <ATen/ops/zeros.h>

#include "attention/shape_text.h"
#include "core/check.h"

namespace svg2::attention {
namespace {

void check_tokens_and_perm(const at::Tensor& x, const at::Tensor& perm, const char* fn) {
  SVG2_CHECK(x.defined() && x.dim() == 3, "{}: tokens must be [N, S, D], got {} dims", fn,
             x.defined() ? x.dim() : 0);
  SVG2_CHECK(perm.defined() && perm.dim() == 2 && perm.size(0) == x.size(0) && perm.size(1) == x.size(1),
             "{}: permutation must be [N={}, S={}], got {}", fn, x.size(0), x.size(1), shape_text(perm));
  SVG2_CHECK(perm.scalar_type() == at::kLong, "{}: permutation must be int64, got {}", fn,
             c10::toString(perm.scalar_type()));
}

at::Tensor expand_index(const at::Tensor& perm, std::int64_t d) {
  return perm.unsqueeze(-1).expand({perm.size(0), perm.size(1), d});
}

}  // namespace

at::Tensor cluster_permutation(const at::Tensor& labels) {
  SVG2_CHECK(labels.defined() && labels.dim() == 2 && labels.scalar_type() == at::kLong,
             "cluster_permutation: labels must be [N, S] int64");
  return std::get<1>(at::sort(labels, /*stable=*/true, /*dim=*/1, /*descending=*/false));
}

at::Tensor cluster_offsets(const at::Tensor& sizes) {
  SVG2_CHECK(sizes.defined() && sizes.dim() == 2, "cluster_offsets: sizes must be [N, C]");
  const at::Tensor s = sizes.to(at::kLong);
  return at::cat({at::zeros({s.size(0), 1}, s.options()), s.cumsum(1)}, 1);
}

at::Tensor permute_tokens(const at::Tensor& x, const at::Tensor& perm) {
  check_tokens_and_perm(x, perm, "permute_tokens");
  return x.gather(1, expand_index(perm, x.size(2)));
}

at::Tensor inverse_permute_tokens(const at::Tensor& y, const at::Tensor& perm) {
  check_tokens_and_perm(y, perm, "inverse_permute_tokens");
  return at::empty_like(y, at::MemoryFormat::Contiguous).scatter_(1, expand_index(perm, y.size(2)), y);
}

}  // namespace svg2::attention

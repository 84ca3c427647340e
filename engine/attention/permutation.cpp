#include "attention/permutation.h"

#include <ATen/ops/arange.h>
#include <ATen/ops/cat.h>
#include <ATen/ops/empty.h>
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

// perm [N, S] -> row indices into the flattened [N*S, D] tokens.
at::Tensor flat_rows(const at::Tensor& perm, std::int64_t s) {
  return (perm + at::arange(perm.size(0), perm.options()).unsqueeze(1) * s).reshape({-1});
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
  const std::int64_t n = x.size(0), s = x.size(1), d = x.size(2);
  // Row gathers on the flattened [N*S, D] view: much faster than gather with an expanded index.
  return x.reshape({n * s, d}).index_select(0, flat_rows(perm, s)).view({n, s, d});
}

at::Tensor inverse_permute_tokens(const at::Tensor& y, const at::Tensor& perm) {
  check_tokens_and_perm(y, perm, "inverse_permute_tokens");
  const std::int64_t n = y.size(0), s = y.size(1), d = y.size(2);
  at::Tensor out = at::empty({n * s, d}, y.options());
  return out.index_copy_(0, flat_rows(perm, s), y.reshape({n * s, d})).view({n, s, d});
}

}  // namespace svg2::attention

#pragma once
// Comparing a tensor with a reference one, for parity tests.
#include <ATen/TensorOperators.h>
#include <ATen/core/Tensor.h>
#include <ATen/ops/abs.h>

namespace svg2::test {

// max |a - b| / max |b|: the error relative to the reference's scale (absolute when the
// reference is all zeros).
inline double max_relative_error(const at::Tensor& actual, const at::Tensor& reference) {
  const auto a = actual.to(at::kDouble);
  const auto r = reference.to(at::kDouble);
  const double scale = r.abs().max().item<double>();
  return (a - r).abs().max().item<double>() / (scale > 0 ? scale : 1.0);
}

}  // namespace svg2::test

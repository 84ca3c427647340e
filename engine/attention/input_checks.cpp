#include "attention/input_checks.h"

#include <ATen/ops/isfinite.h>
#include <ATen/ops/sum.h>

#include <cmath>

#include <cmath>

#include "attention/shape_text.h"
#include "core/check.h"

namespace svg2::attention {
namespace {

// A sum is non-finite whenever an element is (one cheap vectorised pass); only then run the exact
// element check, so huge-but-finite values that overflow the sum are not rejected.
bool all_finite(const at::Tensor& t) {
  if (std::isfinite(t.sum().item<double>())) return true;
  return at::isfinite(t).all().item<bool>();
}

}  // namespace

void check_attention_inputs(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                            const char* backend) {
  SVG2_CHECK(q.defined() && k.defined() && v.defined(), "attention ({}): q, k and v must all be given",
             backend);
  SVG2_CHECK(q.dim() == 4, "attention ({}): q must be [B, H, S, D], got {}", backend, shape_text(q));
  SVG2_CHECK(k.sizes() == q.sizes() && v.sizes() == q.sizes(),
             "attention ({}): q, k, v must have the same shape [B, H, S, D], got q {} k {} v {}", backend,
             shape_text(q), shape_text(k), shape_text(v));
  SVG2_CHECK(q.size(2) >= 1 && q.size(3) >= 1, "attention ({}): need S >= 1 and D >= 1, got {}", backend,
             shape_text(q));
  SVG2_CHECK(at::isFloatingType(q.scalar_type()) && k.scalar_type() == q.scalar_type() &&
                 v.scalar_type() == q.scalar_type(),
             "attention ({}): q, k, v must share one floating dtype, got {} {} {}", backend,
             c10::toString(q.scalar_type()), c10::toString(k.scalar_type()), c10::toString(v.scalar_type()));
  SVG2_CHECK(k.device() == q.device() && v.device() == q.device(),
             "attention ({}): q, k, v must be on one device, got {} {} {}", backend, q.device().str(),
             k.device().str(), v.device().str());
  if (q.device().is_cpu()) {
    SVG2_CHECK(all_finite(q), "attention ({}): q contains NaN or infinite values", backend);
    SVG2_CHECK(all_finite(k), "attention ({}): k contains NaN or infinite values", backend);
    SVG2_CHECK(all_finite(v), "attention ({}): v contains NaN or infinite values", backend);
  }
}

}  // namespace svg2::attention

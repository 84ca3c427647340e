#include "text/linear_no_bias.h"

#include <ATen/ops/empty.h>
#include <ATen/ops/linear.h>

namespace svg2::text {

LinearNoBiasImpl::LinearNoBiasImpl(int64_t in_features, int64_t out_features,
                                   const at::TensorOptions& options) {
  weight =
      register_parameter("weight", at::empty({out_features, in_features}, options), /*requires_grad=*/false);
}

at::Tensor LinearNoBiasImpl::forward(const at::Tensor& x) {
  return at::linear(x, weight);
}

}  // namespace svg2::text

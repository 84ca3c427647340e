#include <ATen/ops/scaled_dot_product_attention.h>

#include "attention/backend.h"

namespace svg2::attention {
namespace {

class DenseBackend final : public AttentionBackend {
 public:
  at::Tensor forward(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                     const AttentionContext&) override {
    return at::scaled_dot_product_attention(q, k, v);
  }
  std::string name() const override { return "dense"; }
};

}  // namespace

std::unique_ptr<AttentionBackend> make_dense_backend() { return std::make_unique<DenseBackend>(); }

}  // namespace svg2::attention

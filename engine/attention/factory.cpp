#include "attention/factory.h"

#include <mutex>

#include "attention/baselines.h"
#include "attention/policy.h"
#include "attention/svg2_backend.h"
#include "attention/svg2_cuda_backend.h"

namespace svg2::attention {
namespace {

// SVG2 by device: the CUDA kernels for CUDA tensors when they serve this config, else the
// reference backend. Each keeps its own centroid cache.
class Svg2DeviceDispatch final : public AttentionBackend {
 public:
  explicit Svg2DeviceDispatch(const AttentionConfig& config)
      : config_(config), reference_(std::make_unique<Svg2Backend>(config)) {}

  at::Tensor forward(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                     const AttentionContext& ctx) override {
    return pick(q).forward(q, k, v, ctx);
  }
  void warm_up(const at::Tensor& q, const at::Tensor& k, const AttentionContext& ctx) override {
    pick(q).warm_up(q, k, ctx);
  }
  void reset() override {
    reference_->reset();
    std::lock_guard lock(mutex_);
    if (cuda_) cuda_->reset();
  }
  std::string name() const override { return "svg2"; }

 private:
  AttentionBackend& pick(const at::Tensor& q) {
    if (!q.defined() || !q.is_cuda()) return *reference_;
    std::lock_guard lock(mutex_);
    if (!cuda_tried_) {
      cuda_ = make_svg2_cuda_backend(config_);
      cuda_tried_ = true;
    }
    return cuda_ ? *cuda_ : *reference_;
  }

  AttentionConfig config_;
  std::unique_ptr<AttentionBackend> reference_;
  std::mutex mutex_;
  bool cuda_tried_ = false;
  std::unique_ptr<AttentionBackend> cuda_;
};

}  // namespace

std::unique_ptr<AttentionBackend> make_sparse_backend(const AttentionConfig& config) {
  validate(config);
  switch (config.mode) {
    case AttentionMode::Dense:
      return nullptr;
    case AttentionMode::Svg2:
      return std::make_unique<Svg2DeviceDispatch>(config);
    case AttentionMode::BlockTopK:
      return std::make_unique<BlockTopKBackend>(config);
    case AttentionMode::Svg1:
      return std::make_unique<Svg1Backend>(config);
  }
  return nullptr;
}

std::unique_ptr<AttentionBackend> make_attention_backend(const AttentionConfig& config) {
  return std::make_unique<PolicyBackend>(config, make_sparse_backend(config));
}

}  // namespace svg2::attention

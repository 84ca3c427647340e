#include "train/vae_round_trip.h"

#include <c10/core/InferenceMode.h>

#include "core/device.h"
#include "pipeline/loaded_models.h"
#include "train/clip_render.h"

namespace svg2::train {

struct VaeRoundTrip::Impl {
  c10::Device device{c10::kCPU};
  wan::WanVae vae{nullptr};
};

VaeRoundTrip::VaeRoundTrip(const std::string& model_dir, const std::string& device)
    : impl_(std::make_unique<Impl>()) {
  impl_->device = resolve_device(device);
  // The VAE exactly as renders load it, so the round trip is what a render's decode would give.
  impl_->vae = pipeline::load_model_vae(pipeline::locate_model_files(model_dir), impl_->device);
}

VaeRoundTrip::~VaeRoundTrip() = default;

VaeRoundTrip::Clips VaeRoundTrip::run(const procedural::Scene& scene,
                                      const procedural::ClipSize& size) const {
  const at::Tensor truth = render_batch({scene}, size);  // [1, 3, F, H, W] in [-1, 1]
  at::Tensor decoded;
  {
    c10::InferenceMode guard;
    decoded = impl_->vae->decode(impl_->vae->encode(truth.to(impl_->device)));
  }
  return {tensor_to_video(truth[0]), tensor_to_video(decoded[0])};
}

}  // namespace svg2::train

#include "train/vae_round_trip.h"

#include <c10/core/InferenceMode.h>

#include "core/check.h"
#include "core/device.h"
#include "io/checkpoint.h"
#include "models/wan/wan_vae.h"
#include "pipeline/model_files.h"
#include "train/clip_render.h"

namespace svg2::train {

struct VaeRoundTrip::Impl {
  c10::Device device{c10::kCPU};
  wan::WanVae vae{nullptr};
};

VaeRoundTrip::VaeRoundTrip(const std::string& model_dir, const std::string& device)
    : impl_(std::make_unique<Impl>()) {
  const pipeline::ModelFiles files = pipeline::locate_model_files(model_dir);
  SVG2_CHECK(!files.vae_file.empty(), "{}: no VAE weights found", model_dir);
  std::vector<double> mean, stdev;
  if (files.manifest) {
    mean.assign(files.manifest->latents_mean.begin(), files.manifest->latents_mean.end());
    stdev.assign(files.manifest->latents_std.begin(), files.manifest->latents_std.end());
  }
  impl_->device = resolve_device(device);
  // fp32 like the renders (LoadedModels), so the round trip is what a render's decode would give.
  impl_->vae = wan::load_wan_vae(io::Checkpoint::open(files.vae_file, io::ModelFamily::wan_vae),
                                 impl_->device, c10::kFloat, mean, stdev);
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

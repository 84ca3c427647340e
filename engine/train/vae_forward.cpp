#include "train/vae_forward.h"

#include <ATen/ops/cat.h>

#include <vector>

#include "core/check.h"

namespace svg2::train {

std::pair<at::Tensor, at::Tensor> vae_encode_train(wan::WanVaeImpl& vae, const at::Tensor& video) {
  const int64_t tf = vae.config().temporal_factor();
  const int64_t frames = video.size(2);
  SVG2_CHECK(frames >= 1 && (frames - 1) % tf == 0, "VAE training clips need 1 + {}k frames, got {}", tf,
             frames);
  wan::VaeCausalCache cache;
  std::vector<at::Tensor> chunks;
  for (int64_t start = 0; start < frames;) {
    const int64_t end = start == 0 ? 1 : start + tf;
    cache.start_chunk();
    chunks.push_back(vae.encoder->forward(video.slice(2, start, end), cache));
    start = end;
  }
  const at::Tensor h = vae.conv1->forward(at::cat(chunks, 2));
  const int64_t z = vae.config().z_dim;
  return {h.slice(1, 0, z), h.slice(1, z, 2 * z).clamp(-30.0, 20.0)};
}

at::Tensor vae_decode_train(wan::WanVaeImpl& vae, const at::Tensor& latents) {
  const at::Tensor x = vae.conv2->forward(latents);
  wan::VaeCausalCache cache;
  std::vector<at::Tensor> chunks;
  for (int64_t i = 0; i < x.size(2); ++i) chunks.push_back(vae.decode_frame(x.slice(2, i, i + 1), cache));
  return at::cat(chunks, 2);
}

}  // namespace svg2::train

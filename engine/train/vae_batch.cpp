#include "train/vae_batch.h"

#include <ATen/TensorOperators.h>
#include <ATen/ops/abs.h>
#include <ATen/ops/amax.h>
#include <ATen/ops/from_blob.h>
#include <ATen/ops/stack.h>

#include <algorithm>
#include <cmath>

#include "core/check.h"
#include "train/clip_render.h"

namespace svg2::train {

namespace p = svg2::procedural;

namespace {

// A pixel differs from the background by more than this (in [-1, 1] units, about 10/255) where an
// object covers it; anti-aliased edges count from about a quarter coverage.
constexpr float kObjectThreshold = 0.08f;

int crop_origin(float center, int crop, int extent, Rng& rng) {
  const float jitter = rng.uniform(-0.25f, 0.25f) * static_cast<float>(crop);
  const int origin =
      static_cast<int>(std::lround((center - 0.5f * static_cast<float>(crop) + jitter) / 8.0f)) * 8;
  return std::clamp(origin, 0, extent - crop);
}

}  // namespace

void validate(const VaeBatchSpec& spec) {
  SVG2_CHECK(spec.frames >= 1 && (spec.frames - 1) % 4 == 0 && spec.frames <= spec.clip.frames,
             "--frames must be 1 + 4k and at most {}, got {}", spec.clip.frames, spec.frames);
  SVG2_CHECK(
      spec.crop >= 16 && spec.crop <= std::min(spec.clip.width, spec.clip.height) && spec.crop % 8 == 0,
      "--crop must be a multiple of 8 in [16, {}], got {}", std::min(spec.clip.width, spec.clip.height),
      spec.crop);
  SVG2_CHECK(spec.object_crop >= 0 && spec.object_crop <= 1, "--object-crop must be in [0, 1], got {}",
             spec.object_crop);
  SVG2_CHECK(spec.channel_shuffle >= 0 && spec.channel_shuffle <= 1,
             "--channel-shuffle must be in [0, 1], got {}", spec.channel_shuffle);
}

VaeBatch make_vae_batch(const std::vector<p::Scene>& scenes, const VaeBatchSpec& spec, Rng& rng) {
  SVG2_CHECK(!scenes.empty(), "a VAE batch needs at least one scene");
  validate(spec);
  const int first = rng.below(spec.clip.frames - spec.frames + 1);
  const at::Tensor full = render_batch(scenes, spec.clip, first, spec.frames);  // [B, 3, F, H, W]
  std::vector<at::Tensor> videos, masks;
  for (std::size_t b = 0; b < scenes.size(); ++b) {
    int cx = 8 * rng.below((spec.clip.width - spec.crop) / 8 + 1);
    int cy = 8 * rng.below((spec.clip.height - spec.crop) / 8 + 1);
    if (rng.chance(spec.object_crop)) {
      const p::GroundTruth truth = p::ground_truth(scenes[b], spec.clip);
      const auto& object =
          truth.objects[static_cast<std::size_t>(rng.below(static_cast<int>(truth.objects.size())))];
      const p::TrackPoint& at_middle = object.frames[static_cast<std::size_t>(first + spec.frames / 2)];
      cx = crop_origin(at_middle.cx, spec.crop, spec.clip.width, rng);
      cy = crop_origin(at_middle.cy, spec.crop, spec.clip.height, rng);
    }
    const at::Tensor clip = full[static_cast<std::int64_t>(b)];  // [3, F, H, W]
    std::vector<float> bg = p::render_background(scenes[b].background, spec.clip.width, spec.clip.height);
    const at::Tensor background =
        at::from_blob(bg.data(), {3, 1, spec.clip.height, spec.clip.width}).mul(2.0).sub(1.0);  // owns a copy
    const at::Tensor object = (clip - background).abs().amax(0, /*keepdim=*/true).gt(kObjectThreshold);
    at::Tensor video = clip.slice(2, cy, cy + spec.crop).slice(3, cx, cx + spec.crop);
    if (rng.chance(spec.channel_shuffle)) {
      static constexpr std::int64_t kOrders[5][3] = {{0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
      const auto& order = kOrders[rng.below(5)];
      video = at::stack({video[order[0]], video[order[1]], video[order[2]]}, 0);
    }
    videos.push_back(video);
    masks.push_back(object.slice(2, cy, cy + spec.crop).slice(3, cx, cx + spec.crop).to(at::kFloat));
  }
  return {at::stack(videos, 0).contiguous(), at::stack(masks, 0).contiguous()};
}

}  // namespace svg2::train

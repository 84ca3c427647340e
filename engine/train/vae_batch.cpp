#include "train/vae_batch.h"

#include <ATen/Parallel.h>
#include <ATen/ops/empty.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

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
  // First every random choice, in a fixed order (window start, then per sample: crop, channel
  // order), so the batch depends only on the rng state; then only the crops are rendered, in
  // parallel.
  struct Sample {
    PixelWindow crop;
    std::array<int, 3> channels{0, 1, 2};  // output channel c shows rendered channel channels[c]
  };
  const int first = rng.below(spec.clip.frames - spec.frames + 1);
  std::vector<Sample> samples(scenes.size());
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
    samples[b].crop = PixelWindow{cx, cy, spec.crop, spec.crop};
    if (rng.chance(spec.channel_shuffle)) {
      static constexpr std::array<std::array<int, 3>, 5> kOrders{
          {{0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}}};
      samples[b].channels = kOrders[static_cast<std::size_t>(rng.below(5))];
    }
  }

  const auto batch = static_cast<std::int64_t>(scenes.size());
  at::Tensor video = at::empty({batch, 3, spec.frames, spec.crop, spec.crop});
  at::Tensor mask = at::empty({batch, 1, spec.frames, spec.crop, spec.crop});
  const std::size_t plane = static_cast<std::size_t>(spec.crop) * spec.crop;
  const std::size_t clip_floats = plane * 3 * static_cast<std::size_t>(spec.frames);
  float* video_out = video.data_ptr<float>();
  float* mask_out = mask.data_ptr<float>();
  at::parallel_for(0, batch, 1, [&](std::int64_t begin, std::int64_t end) {
    std::vector<float> frames(clip_floats), background(3 * plane);  // [F][3][crop][crop], [3][crop][crop]
    for (std::int64_t b = begin; b < end; ++b) {
      const Sample& sample = samples[static_cast<std::size_t>(b)];
      const p::Scene& scene = scenes[static_cast<std::size_t>(b)];
      render_background(scene, spec.clip, sample.crop, background.data());
      render_frames(scene, spec.clip, first, spec.frames, sample.crop, frames.data(), background.data());
      float* v = video_out + clip_floats * static_cast<std::size_t>(b);  // [3][F][crop][crop]
      float* m = mask_out + plane * spec.frames * static_cast<std::size_t>(b);
      for (int f = 0; f < spec.frames; ++f) {
        const float* frame = frames.data() + static_cast<std::size_t>(f) * 3 * plane;
        for (int c = 0; c < 3; ++c) {
          const float* src =
              frame + static_cast<std::size_t>(sample.channels[static_cast<std::size_t>(c)]) * plane;
          float* dst = v + (static_cast<std::size_t>(c) * spec.frames + f) * plane;
          for (std::size_t i = 0; i < plane; ++i) dst[i] = src[i] * 2 - 1;  // [-1, 1], the VAE's range
        }
        // An object covers a pixel where some channel differs from the background by more than the
        // threshold (compared in [-1, 1] units).
        float* mf = m + static_cast<std::size_t>(f) * plane;
        for (std::size_t i = 0; i < plane; ++i) {
          float diff = 0;
          for (int c = 0; c < 3; ++c) {
            const std::size_t k = static_cast<std::size_t>(c) * plane + i;
            diff = std::max(diff, std::abs((frame[k] * 2 - 1) - (background[k] * 2 - 1)));
          }
          mf[i] = diff > kObjectThreshold ? 1.0f : 0.0f;
        }
      }
    }
  });
  return {video, mask};
}

}  // namespace svg2::train

#pragma once
// One training batch for the VAE: windows of procedural clips, each sample cropped on its own
// (optionally around its first object, so small objects are seen often), plus a mask of the pixels
// where an object covers the static background (for an object-weighted reconstruction loss).
#include <ATen/core/Tensor.h>

#include <vector>

#include "svg2/procedural.h"
#include "train/rng.h"

namespace svg2::train {

struct VaeBatchSpec {
  int frames = 9;          // window length (1 + 4k), at most clip.frames
  int crop = 128;          // square crop, multiple of 8
  double object_crop = 0;  // share of samples whose crop is centred (with jitter) on an object
  // Share of samples whose RGB channels are permuted (one of the 5 other orders): the scenes' palette
  // is mostly dark and blue, so without it a saturated red or green is rare for the decoder.
  double channel_shuffle = 0;
  procedural::ClipSize clip{33, 256, 256};
};

struct VaeBatch {
  at::Tensor video;        // [B, 3, frames, crop, crop] float in [-1, 1], CPU
  at::Tensor object_mask;  // [B, 1, frames, crop, crop] float, 1 where an object is drawn
};

// svg2::Error naming the option (--frames, --crop, --object-crop, --channel-shuffle) when `spec` is
// out of range.
void validate(const VaeBatchSpec& spec);

// Deterministic for (scenes, rng state). The window start is shared by the batch.
VaeBatch make_vae_batch(const std::vector<procedural::Scene>& scenes, const VaeBatchSpec& spec, Rng& rng);

}  // namespace svg2::train

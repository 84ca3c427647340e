#pragma once
// Anti-aliased rendering of procedural scenes into float buffers and tensors (for training) and
// into svg2::Video (svg2/procedural.h's render_clip).
#include <ATen/core/Tensor.h>

#include <vector>

#include "svg2/procedural.h"

namespace svg2::train {

// A rectangle of the frame, in pixels (x0, y0: its top-left corner).
struct PixelWindow {
  int x0 = 0, y0 = 0, width = 0, height = 0;
};

// Frames [first, first + count) of a clip whose timeline spans size.frames frames, written
// planar as [count][3][height][width] floats in [0, 1].
void render_frames(const procedural::Scene& scene, const procedural::ClipSize& size, int first, int count,
                   float* out);
// The same frames cut to `window` (inside the frame), written planar as
// [count][3][window.height][window.width]: the same values as those pixels of the whole frame,
// for a fraction of the work (training crops). `background`, when given, is the window's
// render_background, which a caller that needs it too renders only once.
void render_frames(const procedural::Scene& scene, const procedural::ClipSize& size, int first, int count,
                   const PixelWindow& window, float* out, const float* background = nullptr);
// The static background under `window`, planar [3][window.height][window.width] in [0, 1].
void render_background(const procedural::Scene& scene, const procedural::ClipSize& size,
                       const PixelWindow& window, float* out);

// A batch of clips as one float tensor [B, 3, count, height, width] in [-1, 1] (the VAE's input
// range), rendered in parallel on the CPU. count = 0 means all size.frames frames.
at::Tensor render_batch(const std::vector<procedural::Scene>& scenes, const procedural::ClipSize& size,
                        int first = 0, int count = 0);

// A float clip [3, F, H, W] in [-1, 1] (or [F, 3, H, W] with frames_first) to 8-bit video.
Video tensor_to_video(const at::Tensor& clip, bool frames_first = false, double fps = 16.0);
// 8-bit video to [3, F, H, W] floats in [-1, 1].
at::Tensor video_to_tensor(const Video& video);

}  // namespace svg2::train

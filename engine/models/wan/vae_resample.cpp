#include "models/wan/vae_resample.h"

#include <ATen/ops/_upsample_nearest_exact2d.h>
#include <ATen/ops/cat.h>
#include <ATen/ops/constant_pad_nd.h>
#include <ATen/ops/stack.h>
#include <ATen/ops/zeros_like.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/linear.h>

namespace svg2::wan {

const char* to_string(ResampleMode mode) {
  switch (mode) {
    case ResampleMode::down2d:
      return "downsample2d";
    case ResampleMode::down3d:
      return "downsample3d";
    case ResampleMode::up2d:
      return "upsample2d";
    case ResampleMode::up3d:
      return "upsample3d";
  }
  return "?";
}

VaeResampleImpl::VaeResampleImpl(ResampleMode mode, int64_t c, int64_t out, const at::TensorOptions& options)
    : mode_(mode) {
  const bool up = mode == ResampleMode::up2d || mode == ResampleMode::up3d;
  conv = up ? VaeConv2d(c, out, 3, 1, 1, options) : VaeConv2d(c, c, 3, 2, 0, options);
  torch::nn::ModuleList resample;  // index 0 is the weightless Upsample / ZeroPad2d
  resample->push_back(torch::nn::Identity());
  resample->push_back(conv);
  register_module("resample", resample);
  if (mode == ResampleMode::up3d) {
    time_conv = register_module(
        "time_conv", CausalConv3d(c, 2 * c, Dims3{3, 1, 1}, Dims3{1, 1, 1}, Dims3{1, 0, 0}, options));
  } else if (mode == ResampleMode::down3d) {
    time_conv = register_module("time_conv",
                                CausalConv3d(c, c, Dims3{3, 1, 1}, Dims3{2, 1, 1}, Dims3{0, 0, 0}, options));
  }
}

at::Tensor VaeResampleImpl::spatial(const at::Tensor& x) {
  const int64_t b = x.size(0), c = x.size(1), t = x.size(2);
  at::Tensor frames = x.permute({0, 2, 1, 3, 4}).reshape({b * t, c, x.size(3), x.size(4)});
  if (mode_ == ResampleMode::up2d || mode_ == ResampleMode::up3d) {
    // The reference upsamples in fp32 (its bf16 workaround), then casts back.
    frames = at::_upsample_nearest_exact2d(frames.to(at::kFloat), {2 * x.size(3), 2 * x.size(4)}, 2.0, 2.0)
                 .to(x.scalar_type());
  } else {
    frames = at::constant_pad_nd(frames, {0, 1, 0, 1}, 0.0);
  }
  frames = conv->forward(frames);
  return frames.view({b, t, frames.size(1), frames.size(2), frames.size(3)}).permute({0, 2, 1, 3, 4});
}

at::Tensor VaeResampleImpl::forward(const at::Tensor& input, VaeCausalCache& cache) {
  at::Tensor x = input;
  if (mode_ == ResampleMode::up3d) {
    VaeCausalCache::Slot& slot = cache.next();
    if (!slot.frames.defined() && !slot.rep) {
      slot.rep = true;  // first chunk: one frame stays one frame
    } else {
      const int64_t b = x.size(0), c = x.size(1), t = x.size(2), h = x.size(3), w = x.size(4);
      at::Tensor keep = x.slice(2, std::max<int64_t>(0, t - 2)).clone();
      if (keep.size(2) < 2) {
        keep = slot.rep ? at::cat({at::zeros_like(keep), keep}, 2)
                        : at::cat({slot.frames.slice(2, slot.frames.size(2) - 1), keep}, 2);
      }
      // After "Rep" the time conv starts from zero padding, later from the cached frames.
      x = slot.rep ? time_conv->forward(x) : time_conv->forward(x, slot.frames);
      slot.frames = keep;
      slot.rep = false;
      // Channel halves [0, C) and [C, 2C) become frames 2t and 2t+1.
      x = x.reshape({b, 2, c, t, h, w});
      x = at::stack({x.select(1, 0), x.select(1, 1)}, 3).reshape({b, c, 2 * t, h, w});
    }
  }
  x = spatial(x);
  if (mode_ == ResampleMode::down3d) {
    VaeCausalCache::Slot& slot = cache.next();
    if (!slot.frames.defined()) {
      slot.frames = x.clone();  // first chunk: kept at full time resolution
    } else {
      at::Tensor keep = x.slice(2, x.size(2) - 1).clone();
      x = time_conv->forward(at::cat({slot.frames.slice(2, slot.frames.size(2) - 1), x}, 2));
      slot.frames = keep;
    }
  }
  return x;
}

}  // namespace svg2::wan

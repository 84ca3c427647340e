#include "models/wan/causal_conv3d.h"

#include <ATen/ops/cat.h>
#include <ATen/ops/conv2d.h>
#include <ATen/ops/conv3d.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/zeros.h>

#include <algorithm>

namespace svg2::wan {

CausalConv3dImpl::CausalConv3dImpl(int64_t in_channels, int64_t out_channels, std::array<int64_t, 3> kernel,
                                   std::array<int64_t, 3> stride, std::array<int64_t, 3> padding,
                                   const at::TensorOptions& options)
    : stride_(stride), padding_(padding) {
  weight = register_parameter(
      "weight", at::empty({out_channels, in_channels, kernel[0], kernel[1], kernel[2]}, options),
      /*requires_grad=*/false);
  bias = register_parameter("bias", at::empty({out_channels}, options), /*requires_grad=*/false);
}

at::Tensor CausalConv3dImpl::forward(const at::Tensor& x, const at::Tensor& cache_frames) {
  int64_t front = 2 * padding_[0];
  at::Tensor input = x;
  if (front > 0) {
    std::vector<at::Tensor> parts;
    const int64_t cached = cache_frames.defined() ? std::min(front, cache_frames.size(2)) : 0;
    if (front - cached > 0) {
      auto shape = x.sizes().vec();
      shape[2] = front - cached;
      parts.push_back(at::zeros(shape, x.options()));
    }
    if (cached > 0)
      parts.push_back(cache_frames.slice(2, cache_frames.size(2) - cached).to(x.device(), x.scalar_type()));
    parts.push_back(x);
    input = at::cat(parts, 2);
  }
  // oneDNN runs a 3-D convolution ~1.7x faster channels-last on the CPU (base-24 decoder: the
  // full-resolution stages dominate a CPU render's decode); the output stays channels-last, so a
  // chain of convolutions converts once. Other devices get the tensors as they are.
  const bool cpu = input.is_cpu();
  const at::Tensor in = cpu ? input.contiguous(at::MemoryFormat::ChannelsLast3d) : input;
  const at::Tensor w = cpu ? weight.contiguous(at::MemoryFormat::ChannelsLast3d) : weight;
  // Spatial zero padding is symmetric, so the convolution's own padding does it without a copy.
  return at::conv3d(in, w, bias, {stride_[0], stride_[1], stride_[2]}, {0, padding_[1], padding_[2]});
}

at::Tensor CausalConv3dImpl::forward_cached(const at::Tensor& x, VaeCausalCache& cache) {
  VaeCausalCache::Slot& slot = cache.next();
  // Keep this chunk's last 2 input frames (with one from the previous chunk if it had only 1).
  at::Tensor keep = x.slice(2, std::max<int64_t>(0, x.size(2) - 2)).clone();
  if (keep.size(2) < 2 && slot.frames.defined()) {
    keep = at::cat({slot.frames.slice(2, slot.frames.size(2) - 1), keep}, 2);
  }
  at::Tensor out = forward(x, slot.frames);
  slot.frames = keep;
  return out;
}

VaeConv2dImpl::VaeConv2dImpl(int64_t in_channels, int64_t out_channels, int64_t kernel, int64_t stride,
                             int64_t padding, const at::TensorOptions& options)
    : stride_(stride), padding_(padding) {
  weight = register_parameter("weight", at::empty({out_channels, in_channels, kernel, kernel}, options),
                              /*requires_grad=*/false);
  bias = register_parameter("bias", at::empty({out_channels}, options), /*requires_grad=*/false);
}

at::Tensor VaeConv2dImpl::forward(const at::Tensor& x) {
  // Channels-last for oneDNN on the CPU, as in CausalConv3d.
  const bool cpu = x.is_cpu();
  const at::Tensor in = cpu ? x.contiguous(at::MemoryFormat::ChannelsLast) : x;
  const at::Tensor w = cpu ? weight.contiguous(at::MemoryFormat::ChannelsLast) : weight;
  return at::conv2d(in, w, bias, {stride_, stride_}, {padding_, padding_});
}

}  // namespace svg2::wan

#pragma once
// The Wan VAE's per-convolution feature cache, which lets the encoder and decoder run one time
// chunk at a time (decode: one latent frame per call; encode: 1 frame, then 4 at a time) and
// still produce exactly the whole-video result.
//
// Every cached layer takes the next slot in a fixed call order (start_chunk() rewinds the
// cursor). A slot keeps the last <= 2 input frames of its convolution from the previous chunk;
// upsample3d layers also use the "Rep" marker of the reference: set on the first chunk, whose
// frame is not doubled in time.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

namespace svg2::wan {

class VaeCausalCache {
 public:
  struct Slot {
    at::Tensor frames;  // undefined: nothing cached yet
    bool rep = false;   // upsample3d: first chunk seen, time_conv not run yet
  };

  Slot& next();
  void start_chunk() { cursor_ = 0; }
  void clear();
  int64_t bytes() const;
  std::size_t size() const { return slots_.size(); }

 private:
  std::vector<Slot> slots_;
  std::size_t cursor_ = 0;
};

}  // namespace svg2::wan

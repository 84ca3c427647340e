#pragma once
// Block-wise CPU offload for the Wan DiT: block weights live in pinned host memory; block i is
// copied to the device right before it runs while block i+1 is prefetched on a side stream, and
// its device copy is dropped after it ran. Peak device memory for weights: the non-block parts
// plus two blocks. Uses only device-generic stream/event APIs (no CUDA headers).
#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <c10/core/Event.h>
#include <c10/core/Stream.h>

#include <cstdint>
#include <memory>
#include <vector>

namespace svg2::wan {

class WanDiTImpl;

class BlockOffloader {
 public:
  // Moves every block's parameters to pinned host memory. The model must be on a CUDA device.
  explicit BlockOffloader(WanDiTImpl& model);
  ~BlockOffloader();
  BlockOffloader(const BlockOffloader&) = delete;
  BlockOffloader& operator=(const BlockOffloader&) = delete;

  void before_block(std::int64_t index);  // block `index` is on the device once this returns
  void after_block(std::int64_t index);   // drops its device copy
  void restore_to_device();               // every block back on the device for good

 private:
  struct Slot {
    std::vector<at::Tensor> params;  // the module's parameter handles
    std::vector<at::Tensor> host;    // pinned host copies
    std::vector<at::Tensor> staged;  // device copies in flight or in use
    std::unique_ptr<c10::Event> ready;
  };
  void stage(std::int64_t index);

  c10::Device device_;
  c10::Stream copy_stream_;
  std::vector<Slot> slots_;
};

}  // namespace svg2::wan

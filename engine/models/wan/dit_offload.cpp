#include "models/wan/dit_offload.h"

#include <ATen/core/grad_mode.h>
#include <c10/core/StreamGuard.h>
#include <c10/core/impl/VirtualGuardImpl.h>

#include "core/check.h"
#include "models/wan/dit.h"

namespace svg2::wan {

BlockOffloader::BlockOffloader(WanDiTImpl& model)
    : device_(model.device()),
      copy_stream_(
          c10::impl::VirtualGuardImpl(model.device().type()).getStreamFromGlobalPool(model.device())) {
  SVG2_CHECK(device_.is_cuda(), "block offload needs the model on a CUDA device (it is on {})",
             device_.str());
  at::NoGradGuard no_grad;
  const auto n = model.config().num_layers;
  slots_.resize(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    Slot& slot = slots_[static_cast<std::size_t>(i)];
    for (auto& p : model.blocks[i]->parameters()) {
      slot.params.push_back(p);
      slot.host.push_back(p.to(c10::kCPU).pin_memory());
      p.set_data(slot.host.back());
    }
  }
}

BlockOffloader::~BlockOffloader() = default;

void BlockOffloader::stage(std::int64_t index) {
  Slot& slot = slots_[static_cast<std::size_t>(index)];
  if (slot.ready) return;  // already in flight or resident
  c10::StreamGuard guard(copy_stream_);
  slot.staged.clear();
  for (const auto& h : slot.host) slot.staged.push_back(h.to(device_, /*non_blocking=*/true));
  slot.ready = std::make_unique<c10::Event>(device_.type());
  slot.ready->record(copy_stream_);
}

void BlockOffloader::before_block(std::int64_t index) {
  at::NoGradGuard no_grad;
  stage(index);
  Slot& slot = slots_[static_cast<std::size_t>(index)];
  c10::impl::VirtualGuardImpl impl(device_.type());
  const c10::Stream compute = impl.getStream(device_);
  slot.ready->block(compute);
  for (std::size_t j = 0; j < slot.params.size(); ++j) {
    // The copy was allocated on the side stream; tell the allocator the compute stream uses it.
    impl.recordDataPtrOnStream(slot.staged[j].storage().data_ptr(), compute);
    slot.params[j].set_data(slot.staged[j]);
  }
  // Prefetch the next block (after the last one: block 0 of the next forward).
  stage((index + 1) % static_cast<std::int64_t>(slots_.size()));
}

void BlockOffloader::after_block(std::int64_t index) {
  at::NoGradGuard no_grad;
  Slot& slot = slots_[static_cast<std::size_t>(index)];
  if (slots_.size() == 1) return;  // a single block stays resident
  for (std::size_t j = 0; j < slot.params.size(); ++j) slot.params[j].set_data(slot.host[j]);
  slot.staged.clear();
  slot.ready.reset();
}

void BlockOffloader::restore_to_device() {
  at::NoGradGuard no_grad;
  for (Slot& slot : slots_) {
    for (std::size_t j = 0; j < slot.params.size(); ++j) slot.params[j].set_data(slot.host[j].to(device_));
    slot.staged.clear();
    slot.ready.reset();
  }
}

}  // namespace svg2::wan

#include "models/wan/vae_causal_cache.h"

namespace svg2::wan {

VaeCausalCache::Slot& VaeCausalCache::next() {
  if (cursor_ == slots_.size()) slots_.emplace_back();
  return slots_[cursor_++];
}

void VaeCausalCache::clear() {
  slots_.clear();
  cursor_ = 0;
}

int64_t VaeCausalCache::bytes() const {
  int64_t total = 0;
  for (const auto& s : slots_) {
    if (s.frames.defined()) total += static_cast<int64_t>(s.frames.nbytes());
  }
  return total;
}

}  // namespace svg2::wan

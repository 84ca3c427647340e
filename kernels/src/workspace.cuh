#pragma once
// Carves typed buffers out of one caller-owned workspace. With a null base it only measures.
#include <cstddef>
#include <cstdint>

namespace svg2k::detail {

class WorkspaceCarver {
 public:
  explicit WorkspaceCarver(void* base) : base_(static_cast<char*>(base)) {}

  template <class T>
  T* take(std::size_t count) {
    offset_ = (offset_ + kAlign - 1) / kAlign * kAlign;
    T* p = base_ ? reinterpret_cast<T*>(base_ + offset_) : nullptr;
    offset_ += count * sizeof(T);
    return p;
  }
  void* take_bytes(std::size_t bytes) { return take<char>(bytes); }
  std::size_t size() const { return (offset_ + kAlign - 1) / kAlign * kAlign; }

 private:
  static constexpr std::size_t kAlign = 256;
  char* base_;
  std::size_t offset_ = 0;
};

}  // namespace svg2k::detail

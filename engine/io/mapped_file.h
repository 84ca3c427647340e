#pragma once
// A read-only memory mapping of a whole file. Tensors that wrap mapped bytes hold a
// shared_ptr<const MappedFile>, so the mapping lives as long as any of them.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>

namespace svg2::io {

class MappedFile {
 public:
  // Throws svg2::Error naming the file when it cannot be opened or mapped. An empty file maps to
  // a null pointer with size 0.
  static std::shared_ptr<const MappedFile> open(const std::filesystem::path& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  std::size_t size() const { return size_; }
  const std::filesystem::path& path() const { return path_; }
  // Asks the kernel to read [offset, offset + length) ahead (MADV_WILLNEED), so copying a large
  // tensor out of the mapping takes few, cheap page faults. Best effort: errors are ignored.
  void prefetch(uint64_t offset, uint64_t length) const;

 private:
  MappedFile() = default;
  const uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
  std::filesystem::path path_;
};

}  // namespace svg2::io

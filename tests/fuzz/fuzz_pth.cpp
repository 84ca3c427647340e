// libFuzzer target: the .pth reader (zip directory + allow-listed unpickler + tensor/storage
// checks) on arbitrary bytes. Any input must either yield tensors whose every element lies inside
// a storage inside the file, or throw svg2::Error.
#include <cstdint>
#include <cstdlib>

#include "io/pth_index.h"
#include "svg2/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const svg2::io::PthIndex index = svg2::io::read_pth_index(data, size, "fuzz.pth");
    for (const auto& t : index.tensors) {
      const svg2::io::PthStorage& s = index.storages.at(t.storage);
      if (s.file_offset + s.nbytes > size) std::abort();
      int64_t numel = 1, last = t.storage_offset;
      for (size_t d = 0; d < t.shape.size(); ++d) {
        numel *= t.shape[d];
        last += (t.shape[d] - 1) * t.stride[d];
      }
      if (numel == 0) continue;
      const uint64_t elem = svg2::io::element_size(t.dtype);
      const uint64_t end = static_cast<uint64_t>(last + 1) * elem;
      if (end > s.nbytes) std::abort();
      volatile uint8_t first = data[s.file_offset + t.storage_offset * elem];
      volatile uint8_t final_byte = data[s.file_offset + end - 1];
      (void)first;
      (void)final_byte;
    }
  } catch (const svg2::Error&) {
  }
  return 0;
}

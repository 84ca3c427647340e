// libFuzzer target: the safetensors header parser on arbitrary bytes. Any input must either parse
// into a header whose tensors all lie inside the data buffer, or throw svg2::Error.
#include <cstdint>
#include <cstdlib>

#include "io/safetensors_header.h"
#include "svg2/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const svg2::io::SafetensorsHeader h = svg2::io::parse_safetensors_header(data, size, "fuzz.safetensors");
    for (const auto& t : h.tensors) {
      // Touch the first and last byte of every tensor: ASan reports any out-of-range offset.
      if (t.end > t.begin) {
        volatile uint8_t first = data[h.data_start + t.begin];
        volatile uint8_t last = data[h.data_start + t.end - 1];
        (void)first;
        (void)last;
      }
      if (h.data_start + t.end > size) std::abort();
    }
  } catch (const svg2::Error&) {
  }
  return 0;
}

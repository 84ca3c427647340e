#include "media/zlib_stream.h"

#include <array>

#include "core/check.h"

// miniz's plain C entry points, exported by libtorch_cpu (PyTorch serializes with miniz).
// mz_ulong is `unsigned long` in miniz; the status codes match zlib's.
extern "C" {
int mz_compress2(unsigned char* dest, unsigned long* dest_len, const unsigned char* source,
                 unsigned long source_len, int level);
unsigned long mz_compressBound(unsigned long source_len);
int mz_uncompress2(unsigned char* dest, unsigned long* dest_len, const unsigned char* source,
                   unsigned long* source_len);
}

namespace svg2::media {
namespace {
constexpr int kOk = 0;
constexpr int kBufferError = -5;
}  // namespace

std::string zlib_compress(std::string_view bytes, int level) {
  SVG2_CHECK(level >= 0 && level <= 9, "compression level {} is out of range [0, 9]", level);
  unsigned long capacity = mz_compressBound(static_cast<unsigned long>(bytes.size()));
  std::string out(capacity, '\0');
  int status = mz_compress2(reinterpret_cast<unsigned char*>(out.data()), &capacity,
                            reinterpret_cast<const unsigned char*>(bytes.data()),
                            static_cast<unsigned long>(bytes.size()), level);
  SVG2_CHECK(status == kOk, "deflate failed (status {}) on {} bytes", status, bytes.size());
  out.resize(capacity);
  return out;
}

std::string zlib_uncompress(std::string_view stream, std::size_t expected_size, std::string_view what) {
  // One spare byte: a stream that inflates to more than expected fills it and is reported.
  std::string out(expected_size + 1, '\0');
  unsigned long out_len = static_cast<unsigned long>(out.size());
  unsigned long in_len = static_cast<unsigned long>(stream.size());
  int status = mz_uncompress2(reinterpret_cast<unsigned char*>(out.data()), &out_len,
                              reinterpret_cast<const unsigned char*>(stream.data()), &in_len);
  if (status == kBufferError && out_len == out.size()) {
    fail("{}: compressed image data expands to more than the expected {} bytes", what, expected_size);
  }
  SVG2_CHECK(status == kOk, "{}: compressed image data is corrupt or truncated (inflate status {})", what,
             status);
  SVG2_CHECK(out_len == expected_size, "{}: compressed image data holds {} bytes, expected {}", what, out_len,
             expected_size);
  out.resize(expected_size);
  return out;
}

std::uint32_t crc32(std::uint32_t crc, const std::uint8_t* data, std::size_t size) {
  static const std::array<std::uint32_t, 256> table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t n = 0; n < 256; ++n) {
      std::uint32_t c = n;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[n] = c;
    }
    return t;
  }();
  crc = ~crc;
  for (std::size_t i = 0; i < size; ++i) crc = table[(crc ^ data[i]) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

}  // namespace svg2::media

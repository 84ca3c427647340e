#pragma once
// zlib-format (RFC 1950) compression for PNG, through the miniz copy that LibTorch's own
// library carries (libtorch_cpu exports mz_compress2/mz_uncompress2), so PNG works in every
// build of the engine — with or without FFmpeg or a system zlib — and adds no dependency.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace svg2::media {

// Compresses `bytes` into a zlib stream. level: 0 (store) .. 9 (smallest).
std::string zlib_compress(std::string_view bytes, int level);

// Inflates a zlib stream that must expand to exactly `expected_size` bytes; `what` names the
// source (file) in the error message when the stream is corrupt or the size differs.
std::string zlib_uncompress(std::string_view stream, std::size_t expected_size, std::string_view what);

// CRC-32 (ISO 3309, as PNG chunks use), continuing from `crc` (0 to start).
std::uint32_t crc32(std::uint32_t crc, const std::uint8_t* data, std::size_t size);

}  // namespace svg2::media

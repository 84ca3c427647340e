#pragma once
// The safetensors container without LibTorch: parse and validate a file's header (fuzzed by
// tests/fuzz/fuzz_safetensors.cpp), and serialize one for the writer.
//
// Layout: u64 little-endian N, N bytes of UTF-8 JSON {"name": {"dtype", "shape",
// "data_offsets": [begin, end]}, ..., "__metadata__": {str: str}}, then the data buffer;
// offsets are relative to the start of the buffer (byte 8 + N).
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "io/stored_dtype.h"

namespace svg2::io {

struct SafetensorsEntry {
  std::string name;
  StoredDType dtype = StoredDType::f32;
  std::vector<int64_t> shape;
  uint64_t begin = 0;  // relative to the data buffer
  uint64_t end = 0;    // exclusive
};

struct SafetensorsHeader {
  uint64_t data_start = 0;                // 8 + N: file offset of the data buffer
  std::vector<SafetensorsEntry> tensors;  // sorted by name
  std::map<std::string, std::string> metadata;
};

// Largest header accepted (the reference implementation's limit).
inline constexpr uint64_t kMaxSafetensorsHeaderBytes = 100ull << 20;

// `file` holds the whole file (`size` bytes, e.g. a mapping). Every problem (short file, header
// length past the end, bad JSON, duplicate names, unknown dtype, offsets out of range, overlapping
// tensors, byte counts that disagree with shape x dtype) throws svg2::Error naming `source`.
SafetensorsHeader parse_safetensors_header(const uint8_t* file, std::size_t size, std::string_view source);

// The 8-byte length plus the JSON for `tensors` (their offsets as given), padded with spaces so
// the data buffer starts at a multiple of 8.
std::string serialize_safetensors_header(const std::vector<SafetensorsEntry>& tensors,
                                         const std::map<std::string, std::string>& metadata);

}  // namespace svg2::io

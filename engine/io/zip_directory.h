#pragma once
// A minimal zip reader without LibTorch, for PyTorch's .pth container: reads the central
// directory (zip64 included) of a file held in memory (a mapping) and the local headers, so each
// stored entry's bytes can be used in place. Fuzzed by tests/fuzz/fuzz_pth.cpp.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace svg2::io {

struct ZipEntry {
  std::string name;
  uint64_t data_offset = 0;  // file offset of the entry's bytes (after the local header)
  uint64_t size = 0;         // bytes stored (== uncompressed size for stored entries)
  uint16_t method = 0;       // 0 = stored; anything else cannot be mapped
};

struct ZipDirectory {
  std::vector<ZipEntry> entries;  // in central-directory order
  // nullptr when absent.
  const ZipEntry* find(std::string_view name) const;
};

// Throws svg2::Error naming `source` for anything malformed: no end-of-central-directory
// record, directory or entries outside the file, bad signatures, duplicate names, encrypted
// entries. Compressed entries are listed (method != 0); the caller refuses to map them.
ZipDirectory read_zip_directory(const uint8_t* file, std::size_t size, std::string_view source);

}  // namespace svg2::io

#pragma once
// The tensors of a PyTorch zip checkpoint (torch.save, PyTorch >= 1.6), without LibTorch: the zip
// directory, `<archive>/data.pkl` unpickled, nested dicts flattened to dotted keys, and every
// tensor checked against its storage entry `<archive>/data/<key>`. No tensor bytes are read.
// Fuzzed by tests/fuzz/fuzz_pth.cpp.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "io/stored_dtype.h"

namespace svg2::io {

struct PthStorage {
  uint64_t file_offset = 0;  // where the storage's bytes start in the file
  uint64_t nbytes = 0;
};

struct PthTensor {
  std::string key;  // dotted path: {"module": {"w": t}} gives "module.w"
  StoredDType dtype = StoredDType::f32;
  std::string storage;         // key into PthIndex::storages
  int64_t storage_offset = 0;  // in elements of `dtype`
  std::vector<int64_t> shape;
  std::vector<int64_t> stride;  // in elements
  bool contiguous() const;
};

struct PthIndex {
  std::string archive;             // the zip's top-level folder, e.g. "archive" or the file stem
  std::vector<PthTensor> tensors;  // sorted by key
  std::map<std::string, PthStorage> storages;
};

// True when `file` starts like a zip file (local header signature).
bool looks_like_zip(const uint8_t* file, std::size_t size);

// `file` holds the whole file. Throws svg2::Error naming `source` for a bad zip, a bad or
// disallowed pickle, a missing or compressed storage entry, big-endian data, a top level that is
// not a dict, duplicate keys after flattening, or a tensor that reaches outside its storage.
PthIndex read_pth_index(const uint8_t* file, std::size_t size, std::string_view source);

}  // namespace svg2::io

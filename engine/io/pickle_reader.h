#pragma once
// A minimal, allow-listed unpickler (protocol 2-5) for PyTorch state dicts, without LibTorch.
// It never runs code: the only globals it accepts are collections.OrderedDict, torch.Size,
// torch.<X>Storage / torch.UntypedStorage, torch dtypes (torch.bfloat16, ...) and the tensor
// rebuild functions torch._utils._rebuild_tensor{,_v2,_v3} / _rebuild_parameter{,_with_state};
// everything else is refused with an error naming the global. Tensors become TensorRef records
// (storage key, offset, size, stride), never data. Fuzzed by tests/fuzz/fuzz_pth.cpp.
//
// Objects live in one arena and refer to each other by index, so self-referencing pickles
// cannot leak or recurse forever.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "io/stored_dtype.h"

namespace svg2::io {

struct PickleObject {
  enum class Kind : uint8_t {
    none,
    boolean,
    integer,
    floating,
    string,
    bytes,
    tuple,
    list,
    dict,
    global,
    storage,
    tensor
  };
  Kind kind = Kind::none;
  int64_t integer = 0;  // boolean, integer
  double floating = 0;
  std::string text;             // string, bytes; global: "module.name"; storage: its key
  std::vector<uint32_t> items;  // tuple, list; dict: key0, value0, key1, value1, ...
  // storage: element type and element count; tensor: element type of the tensor.
  StoredDType dtype = StoredDType::u8;
  int64_t storage_numel = 0;
  // tensor
  uint32_t storage = 0;  // index of the storage object
  int64_t storage_offset = 0;
  std::vector<int64_t> shape;
  std::vector<int64_t> stride;
};

struct PickleGraph {
  std::vector<PickleObject> objects;
  uint32_t root = 0;
  const PickleObject& at(uint32_t index) const { return objects[index]; }
};

// Throws svg2::Error naming `source` on truncated input, unknown opcodes, stack underflow,
// disallowed globals, malformed tensor records, or a missing STOP.
PickleGraph read_pickle(const uint8_t* data, std::size_t size, std::string_view source);

}  // namespace svg2::io

#pragma once
// Tensor names and shapes from safetensors headers, without reading tensor data. Model probing
// uses this; loading goes through io/.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace svg2::pipeline {

struct TensorShape {
  std::string dtype;  // safetensors dtype string ("F32", "BF16", ...)
  std::vector<std::int64_t> shape;
  std::int64_t numel() const;
};

using ShapeMap = std::map<std::string, TensorShape>;

// One file; throws svg2::Error naming the file when it is truncated or its header is not valid.
ShapeMap read_safetensors_shapes(const std::string& file);
// The union over several files (shards).
ShapeMap read_safetensors_shapes(const std::vector<std::string>& files);

}  // namespace svg2::pipeline

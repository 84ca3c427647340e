#pragma once
// Writes .safetensors files (atomically: temp file + rename). Used by `svg2 inspect ... --out`,
// training checkpoints and tests. Tensors are written contiguous, little-endian, in the CPU copy
// of their own dtype; the header is padded with spaces to 8 bytes so every tensor's data is
// aligned to its element size (tensors are ordered by element size, then name).
#include <ATen/core/Tensor.h>

#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace svg2::io {

// Throws svg2::Error on duplicate or empty names, unsupported dtypes (complex, quantized) or
// write failures; an existing file at `path` is left untouched on failure.
void save_safetensors(const std::filesystem::path& path,
                      const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

}  // namespace svg2::io

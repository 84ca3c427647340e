#include "pipeline/weight_headers.h"

#include <nlohmann/json.hpp>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/check.h"

namespace svg2::pipeline {
namespace fs = std::filesystem;

std::int64_t TensorShape::numel() const {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

ShapeMap read_safetensors_shapes(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  SVG2_CHECK(in.good(), "cannot open '{}'", file);
  std::error_code ec;
  const auto file_size = fs::file_size(file, ec);
  SVG2_CHECK(!ec && file_size >= 8, "'{}' is not a safetensors file (shorter than its 8-byte header length)",
             file);
  unsigned char len_bytes[8];
  in.read(reinterpret_cast<char*>(len_bytes), 8);
  std::uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | len_bytes[i];
  SVG2_CHECK(header_len > 0 && header_len <= file_size - 8 && header_len <= (std::uint64_t{1} << 30),
             "'{}' is truncated or not a safetensors file (header length {} for a {}-byte file)", file,
             header_len, file_size);
  std::string header(header_len, '\0');
  in.read(header.data(), static_cast<std::streamsize>(header_len));
  SVG2_CHECK(in.good(), "'{}': could not read its {}-byte header", file, header_len);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(header);
  } catch (const nlohmann::json::parse_error& e) {
    fail("'{}': safetensors header is not valid JSON: {}", file, e.what());
  }
  SVG2_CHECK(j.is_object(), "'{}': safetensors header is not a JSON object", file);
  const std::uint64_t data_size = file_size - 8 - header_len;
  ShapeMap out;
  for (const auto& [name, entry] : j.items()) {
    if (name == "__metadata__") continue;
    try {
      TensorShape t;
      t.dtype = entry.at("dtype").get<std::string>();
      t.shape = entry.at("shape").get<std::vector<std::int64_t>>();
      const auto offsets = entry.at("data_offsets").get<std::vector<std::uint64_t>>();
      SVG2_CHECK(offsets.size() == 2 && offsets[0] <= offsets[1] && offsets[1] <= data_size,
                 "'{}': tensor '{}' lies outside the file (truncated download?)", file, name);
      out.emplace(name, std::move(t));
    } catch (const nlohmann::json::exception& e) {
      fail("'{}': malformed header entry for tensor '{}': {}", file, name, e.what());
    }
  }
  return out;
}

ShapeMap read_safetensors_shapes(const std::vector<std::string>& files) {
  ShapeMap all;
  for (const auto& f : files) {
    auto one = read_safetensors_shapes(f);
    all.insert(one.begin(), one.end());
  }
  return all;
}

}  // namespace svg2::pipeline

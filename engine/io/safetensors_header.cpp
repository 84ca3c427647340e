#include "io/safetensors_header.h"

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>

#include "io/plain_error.h"

namespace svg2::io {

namespace {

using nlohmann::json;

uint64_t read_u64_le(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// Parses and validates one tensor entry; offsets are checked against the buffer later.
SafetensorsEntry parse_entry(const std::string& name, const json& value, std::string_view source) {
  if (name.empty()) fail_plain(source, ": safetensors header has a tensor with an empty name");
  if (!value.is_object()) fail_plain(source, ": safetensors entry '", name, "' is not a JSON object");
  SafetensorsEntry e;
  e.name = name;

  auto dtype_it = value.find("dtype");
  if (dtype_it == value.end() || !dtype_it->is_string())
    fail_plain(source, ": tensor '", name, "' has no \"dtype\" string");
  const std::string& dtype = dtype_it->get_ref<const std::string&>();
  auto parsed = dtype_from_safetensors_name(dtype);
  if (!parsed)
    fail_plain(source, ": tensor '", name, "' has unsupported dtype '", dtype,
               "' (supported: F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL, F8_E4M3, F8_E5M2)");
  e.dtype = *parsed;

  auto shape_it = value.find("shape");
  if (shape_it == value.end() || !shape_it->is_array())
    fail_plain(source, ": tensor '", name, "' has no \"shape\" array");
  if (shape_it->size() > 64)
    fail_plain(source, ": tensor '", name, "' has ", shape_it->size(), " dimensions (max 64)");
  // numel * element size must fit in 63 bits; track it with overflow checks.
  uint64_t bytes = element_size(e.dtype);
  for (const json& d : *shape_it) {
    if (!d.is_number_unsigned())
      fail_plain(source, ": tensor '", name, "' has a shape entry that is not a non-negative integer");
    const uint64_t dim = d.get<uint64_t>();
    if (dim > (uint64_t{1} << 62)) fail_plain(source, ": tensor '", name, "' has an absurd dimension ", dim);
    e.shape.push_back(static_cast<int64_t>(dim));
    if (dim != 0 && bytes > (uint64_t{1} << 62) / dim)
      fail_plain(source, ": tensor '", name, "' shape ", shape_text(e.shape), "... is too large");
    bytes *= dim;
  }

  auto off_it = value.find("data_offsets");
  if (off_it == value.end() || !off_it->is_array() || off_it->size() != 2 ||
      !(*off_it)[0].is_number_unsigned() || !(*off_it)[1].is_number_unsigned())
    fail_plain(source, ": tensor '", name,
               "' needs \"data_offsets\": [begin, end] with non-negative integers");
  e.begin = (*off_it)[0].get<uint64_t>();
  e.end = (*off_it)[1].get<uint64_t>();
  if (e.end < e.begin)
    fail_plain(source, ": tensor '", name, "' has data_offsets [", e.begin, ", ", e.end,
               "] with end before begin");
  if (e.end - e.begin != bytes)
    fail_plain(source, ": tensor '", name, "' (", safetensors_name(e.dtype), " ", shape_text(e.shape),
               ") needs ", bytes, " bytes but data_offsets [", e.begin, ", ", e.end, "] span ",
               e.end - e.begin);
  return e;
}

}  // namespace

SafetensorsHeader parse_safetensors_header(const uint8_t* file, std::size_t size, std::string_view source) {
  if (size < 8)
    fail_plain(source, ": not a safetensors file (", size, " bytes, shorter than the 8-byte header length)");
  const uint64_t n = read_u64_le(file);
  if (n > kMaxSafetensorsHeaderBytes)
    fail_plain(source, ": safetensors header length ", n, " is larger than the ", kMaxSafetensorsHeaderBytes,
               "-byte limit (corrupt or not a safetensors file)");
  if (n > size - 8)
    fail_plain(source, ": safetensors header length ", n, " runs past the end of the file (", size,
               " bytes; truncated?)");
  if (n < 2) fail_plain(source, ": safetensors header length ", n, " is too short for a JSON object");

  SafetensorsHeader header;
  header.data_start = 8 + n;
  const uint64_t buffer_size = size - header.data_start;

  // Duplicate names are rejected (a JSON object silently keeps the last one).
  std::set<std::string> seen;
  std::string duplicate;
  json::parser_callback_t on_event = [&](int depth, json::parse_event_t event, json& parsed) {
    if (depth == 1 && event == json::parse_event_t::key && duplicate.empty()) {
      const std::string& key = parsed.get_ref<const std::string&>();
      if (!seen.insert(key).second) duplicate = key;
    }
    return true;
  };
  json doc;
  try {
    doc = json::parse(reinterpret_cast<const char*>(file + 8), reinterpret_cast<const char*>(file + 8 + n),
                      on_event);
  } catch (const json::exception& e) {
    fail_plain(source, ": safetensors header is not valid JSON (", e.what(), ")");
  }
  if (!duplicate.empty()) fail_plain(source, ": safetensors header lists '", duplicate, "' twice");
  if (!doc.is_object()) fail_plain(source, ": safetensors header is not a JSON object");

  for (auto it = doc.begin(); it != doc.end(); ++it) {
    if (it.key() == "__metadata__") {
      if (!it->is_object()) fail_plain(source, ": safetensors __metadata__ is not a JSON object");
      for (auto m = it->begin(); m != it->end(); ++m) {
        if (!m->is_string())
          fail_plain(source, ": safetensors __metadata__ value for '", m.key(), "' is not a string");
        header.metadata[m.key()] = m->get<std::string>();
      }
      continue;
    }
    SafetensorsEntry e = parse_entry(it.key(), *it, source);
    if (e.end > buffer_size)
      fail_plain(source, ": tensor '", e.name, "' data_offsets [", e.begin, ", ", e.end, "] run past the ",
                 buffer_size, "-byte data buffer (truncated file?)");
    header.tensors.push_back(std::move(e));
  }

  // No two tensors may share bytes.
  std::vector<const SafetensorsEntry*> by_offset;
  for (const auto& e : header.tensors)
    if (e.end > e.begin) by_offset.push_back(&e);
  std::sort(by_offset.begin(), by_offset.end(),
            [](const SafetensorsEntry* a, const SafetensorsEntry* b) { return a->begin < b->begin; });
  for (std::size_t i = 1; i < by_offset.size(); ++i) {
    if (by_offset[i]->begin < by_offset[i - 1]->end)
      fail_plain(source, ": tensors '", by_offset[i - 1]->name, "' [", by_offset[i - 1]->begin, ", ",
                 by_offset[i - 1]->end, ") and '", by_offset[i]->name, "' [", by_offset[i]->begin, ", ",
                 by_offset[i]->end, ") overlap");
  }
  std::sort(header.tensors.begin(), header.tensors.end(),
            [](const SafetensorsEntry& a, const SafetensorsEntry& b) { return a.name < b.name; });
  return header;
}

std::string serialize_safetensors_header(const std::vector<SafetensorsEntry>& tensors,
                                         const std::map<std::string, std::string>& metadata) {
  json doc = json::object();
  if (!metadata.empty()) doc["__metadata__"] = metadata;
  for (const auto& t : tensors) {
    doc[t.name] = {{"dtype", std::string(safetensors_name(t.dtype))},
                   {"shape", t.shape},
                   {"data_offsets", {t.begin, t.end}}};
  }
  std::string text = doc.dump();
  while ((8 + text.size()) % 8 != 0) text.push_back(' ');
  std::string out(8, '\0');
  uint64_t n = text.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return out + text;
}

}  // namespace svg2::io

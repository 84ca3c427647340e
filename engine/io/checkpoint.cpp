#include "io/checkpoint.h"

#include <ATen/ops/empty.h>
#include <ATen/ops/from_blob.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "core/check.h"
#include "core/log.h"
#include "io/mapped_file.h"
#include "io/pth_index.h"
#include "io/safetensors_header.h"
#include "io/torch_dtype.h"

namespace svg2::io {

namespace fs = std::filesystem;

// Where one tensor's bytes are.
struct StoredTensor {
  TensorInfo info;
  std::size_t map_index = 0;    // into Impl::maps
  uint64_t file_offset = 0;     // byte offset of element 0 (storage offset applied)
  std::vector<int64_t> stride;  // in elements
  StoredDType stored_dtype = StoredDType::f32;
};

struct Checkpoint::Impl {
  fs::path path;
  ModelFamily family = ModelFamily::none;
  KeyFormat key_format = KeyFormat::original;
  FileFormat file_format = FileFormat::safetensors;
  std::string prefix;
  std::vector<fs::path> files;
  std::vector<std::shared_ptr<const MappedFile>> maps;
  std::map<std::string, StoredTensor> tensors;  // canonical key -> location
  std::vector<std::string> keys;
  std::map<std::string, std::string> metadata;
};

namespace {

// Below this, readahead advice costs more than the page faults it saves.
constexpr uint64_t kPrefetchMinBytes = 1 << 20;

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && std::string_view(s).substr(s.size() - suffix.size()) == suffix;
}

std::vector<int64_t> contiguous_strides(const std::vector<int64_t>& shape) {
  std::vector<int64_t> stride(shape.size());
  int64_t s = 1;
  for (std::size_t d = shape.size(); d-- > 0;) {
    stride[d] = s;
    s *= std::max<int64_t>(shape[d], 1);
  }
  return stride;
}

// Tensors as stored, before renaming, keyed by their stored name.
struct RawTensors {
  std::vector<std::shared_ptr<const MappedFile>> maps;
  std::vector<fs::path> files;
  std::map<std::string, StoredTensor> tensors;
  std::map<std::string, std::string> metadata;
  FileFormat format = FileFormat::safetensors;
};

void add_tensor(RawTensors& raw, StoredTensor t) {
  auto [it, inserted] = raw.tensors.emplace(t.info.stored_key, t);
  if (!inserted)
    fail("tensor '{}' appears in both '{}' and '{}'; shards must not overlap", t.info.stored_key,
         it->second.info.file.string(), t.info.file.string());
}

void read_safetensors_file(RawTensors& raw, const fs::path& file) {
  auto map = MappedFile::open(file);
  const SafetensorsHeader header = parse_safetensors_header(map->data(), map->size(), file.string());
  const std::size_t index = raw.maps.size();
  raw.maps.push_back(map);
  raw.files.push_back(file);
  for (const auto& [k, v] : header.metadata) raw.metadata[k] = v;
  for (const SafetensorsEntry& e : header.tensors) {
    StoredTensor t;
    t.info.key = t.info.stored_key = e.name;
    t.info.file = file;
    t.info.dtype = to_scalar_type(e.dtype);
    t.info.shape = e.shape;
    t.map_index = index;
    t.file_offset = header.data_start + e.begin;
    t.stride = contiguous_strides(e.shape);
    t.stored_dtype = e.dtype;
    add_tensor(raw, std::move(t));
  }
}

void read_pth_file(RawTensors& raw, const fs::path& file) {
  auto map = MappedFile::open(file);
  const PthIndex index = read_pth_index(map->data(), map->size(), file.string());
  const std::size_t map_index = raw.maps.size();
  raw.maps.push_back(map);
  raw.files.push_back(file);
  raw.format = FileFormat::pth;
  for (const PthTensor& p : index.tensors) {
    const PthStorage& storage = index.storages.at(p.storage);
    StoredTensor t;
    t.info.key = t.info.stored_key = p.key;
    t.info.file = file;
    t.info.dtype = to_scalar_type(p.dtype);
    t.info.shape = p.shape;
    t.map_index = map_index;
    t.file_offset = storage.file_offset + static_cast<uint64_t>(p.storage_offset) * element_size(p.dtype);
    t.stride = p.stride;
    t.stored_dtype = p.dtype;
    add_tensor(raw, std::move(t));
  }
}

// The shard file names of a *.safetensors.index.json, each checked to hold its keys afterwards.
void read_sharded(RawTensors& raw, const fs::path& index_path) {
  nlohmann::json doc;
  {
    std::ifstream in(index_path);
    SVG2_CHECK(in, "cannot open '{}'", index_path.string());
    try {
      doc = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
      fail("'{}' is not valid JSON ({})", index_path.string(), e.what());
    }
  }
  SVG2_CHECK(doc.is_object() && doc.contains("weight_map") && doc["weight_map"].is_object(),
             "'{}' has no \"weight_map\" object", index_path.string());
  std::map<std::string, std::string> weight_map;
  std::set<std::string> shards;
  for (auto it = doc["weight_map"].begin(); it != doc["weight_map"].end(); ++it) {
    SVG2_CHECK(it->is_string(), "'{}': weight_map entry '{}' is not a file name", index_path.string(),
               it.key());
    const std::string shard = it->get<std::string>();
    SVG2_CHECK(!shard.empty() && shard.find('/') == std::string::npos &&
                   shard.find('\\') == std::string::npos && shard != "." && shard != "..",
               "'{}': weight_map entry '{}' names '{}', which is not a plain file name in the same folder",
               index_path.string(), it.key(), shard);
    weight_map[it.key()] = shard;
    shards.insert(shard);
  }
  SVG2_CHECK(!shards.empty(), "'{}' lists no shards", index_path.string());
  const fs::path dir = index_path.parent_path();
  for (const std::string& shard : shards) {
    const fs::path file = dir / shard;
    SVG2_CHECK(fs::exists(file), "'{}' lists shard '{}', which does not exist", index_path.string(),
               file.string());
    read_safetensors_file(raw, file);
  }
  for (const auto& [key, shard] : weight_map) {
    auto it = raw.tensors.find(key);
    SVG2_CHECK(it != raw.tensors.end() && it->second.info.file.filename() == shard,
               "'{}' says tensor '{}' is in '{}', but that shard does not hold it", index_path.string(), key,
               shard);
  }
}

bool is_torch_file_name(const fs::path& p) {
  const std::string ext = p.extension().string();
  return ext == ".pth" || ext == ".pt" || ext == ".ckpt" || ext == ".bin";
}

void read_file(RawTensors& raw, const fs::path& file) {
  if (ends_with(file.filename().string(), ".safetensors.index.json")) return read_sharded(raw, file);
  // Sniff the content: torch files use several extensions (.pth, .pt, .bin, .ckpt).
  char magic[4] = {};
  {
    std::ifstream in(file, std::ios::binary);
    SVG2_CHECK(in, "cannot open '{}'", file.string());
    in.read(magic, 4);
  }
  if (magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4) return read_pth_file(raw, file);
  if (file.extension() == ".safetensors" || !is_torch_file_name(file))
    return read_safetensors_file(raw, file);
  return read_pth_file(raw, file);  // reports what it is not
}

void read_folder(RawTensors& raw, const fs::path& dir) {
  std::vector<fs::path> indexes, shards, torch_files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    const fs::path& p = entry.path();
    const std::string name = p.filename().string();
    if (ends_with(name, ".safetensors.index.json"))
      indexes.push_back(p);
    else if (ends_with(name, ".safetensors"))
      shards.push_back(p);
    else if (is_torch_file_name(p))
      torch_files.push_back(p);
  }
  auto names = [](std::vector<fs::path> v) {
    std::sort(v.begin(), v.end());
    std::string s;
    for (const auto& p : v) s += (s.empty() ? "" : ", ") + p.filename().string();
    return s;
  };
  if (indexes.size() > 1)
    fail("'{}' holds several shard indexes ({}); open one of them", dir.string(), names(indexes));
  if (indexes.size() == 1) return read_sharded(raw, indexes[0]);
  if (!shards.empty()) {
    std::sort(shards.begin(), shards.end());
    for (const auto& s : shards) read_safetensors_file(raw, s);
    return;
  }
  if (torch_files.size() == 1) return read_pth_file(raw, torch_files[0]);
  if (torch_files.size() > 1)
    fail("'{}' holds several PyTorch files ({}); open one of them", dir.string(), names(torch_files));
  fail(
      "'{}' holds no checkpoint (looked for *.safetensors.index.json, *.safetensors, "
      "*.pth/*.pt/*.bin/*.ckpt)",
      dir.string());
}

}  // namespace

int64_t TensorInfo::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

Checkpoint::Checkpoint(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

Checkpoint Checkpoint::open(const fs::path& path, ModelFamily family) {
  return from_files(path, {path}, family);
}

Checkpoint Checkpoint::open(const std::vector<fs::path>& files, ModelFamily family) {
  SVG2_CHECK(!files.empty(), "no checkpoint files given");
  return from_files(files.front(), files, family);
}

Checkpoint Checkpoint::from_files(const fs::path& path, const std::vector<fs::path>& files,
                                  ModelFamily family) {
  RawTensors raw;
  for (const fs::path& file : files) {
    std::error_code ec;
    SVG2_CHECK(fs::exists(file, ec), "checkpoint '{}' does not exist", file.string());
    if (fs::is_directory(file, ec)) {
      read_folder(raw, file);
    } else {
      read_file(raw, file);
    }
  }

  auto impl = std::make_shared<Impl>();
  impl->path = path;
  impl->family = family;
  impl->file_format = raw.format;
  impl->files = raw.files;
  impl->maps = raw.maps;
  impl->metadata = raw.metadata;

  std::vector<std::string> stored;
  stored.reserve(raw.tensors.size());
  for (const auto& [k, _] : raw.tensors) stored.push_back(k);
  impl->prefix = detect_key_prefix(family, stored);
  std::vector<std::string> stripped;
  std::size_t outside = 0;
  for (const auto& k : stored) {
    if (k.compare(0, impl->prefix.size(), impl->prefix) == 0)
      stripped.push_back(k.substr(impl->prefix.size()));
    else
      ++outside;
  }
  if (outside > 0)
    log_debug("{}: {} tensors outside the '{}' prefix are not part of the {}", path.string(), outside,
              impl->prefix, to_string(family));
  impl->key_format = detect_key_format(family, stripped);

  for (const std::string& key : stripped) {
    StoredTensor t = raw.tensors.at(impl->prefix + key);
    t.info.key = to_canonical_key(family, impl->key_format, key);
    auto [it, inserted] = impl->tensors.emplace(t.info.key, t);
    if (inserted) continue;
    // The transformers T5 embedding is tied: shared.weight and encoder.embed_tokens.weight are
    // the same tensor; keep shared.weight.
    const bool tied_t5 = family == ModelFamily::wan_t5 && t.info.key == "token_embedding.weight";
    if (tied_t5) {
      SVG2_CHECK(it->second.info.shape == t.info.shape,
                 "{}: tied embeddings '{}' and '{}' have different shapes", path.string(),
                 it->second.info.stored_key, t.info.stored_key);
      if (t.info.stored_key == impl->prefix + "shared.weight") it->second = t;
      continue;
    }
    fail("{}: keys '{}' and '{}' both map to '{}'", path.string(), it->second.info.stored_key,
         t.info.stored_key, t.info.key);
  }
  for (const auto& [k, _] : impl->tensors) impl->keys.push_back(k);
  return Checkpoint(std::move(impl));
}

const std::vector<std::string>& Checkpoint::keys() const {
  return impl_->keys;
}

bool Checkpoint::contains(const std::string& key) const {
  return impl_->tensors.count(key) > 0;
}

const TensorInfo& Checkpoint::info(const std::string& key) const {
  auto it = impl_->tensors.find(key);
  if (it == impl_->tensors.end())
    fail("{}: no tensor '{}' ({} tensors)", impl_->path.string(), key, impl_->keys.size());
  return it->second.info;
}

at::Tensor Checkpoint::view(const std::string& key) const {
  info(key);  // throws naming the key
  const StoredTensor& t = impl_->tensors.at(key);
  const auto options = at::TensorOptions().dtype(t.info.dtype).device(c10::kCPU);
  if (t.info.numel() == 0) return at::empty(t.info.shape, options);
  const std::shared_ptr<const MappedFile>& map = impl_->maps[t.map_index];
  const uint8_t* data = map->data() + t.file_offset;
  const std::size_t elem = element_size(t.stored_dtype);
  if (reinterpret_cast<std::uintptr_t>(data) % elem != 0) {
    // Unaligned data (a header length not padded to 8, a zip entry not aligned): copy the
    // addressed range into aligned memory instead of handing LibTorch a misaligned pointer.
    int64_t extent = 1;
    for (std::size_t d = 0; d < t.info.shape.size(); ++d) extent += (t.info.shape[d] - 1) * t.stride[d];
    at::Tensor flat = at::empty({extent}, options);
    std::memcpy(flat.data_ptr(), data, static_cast<std::size_t>(extent) * elem);
    return flat.as_strided(t.info.shape, t.stride);
  }
  std::shared_ptr<const MappedFile> keep_alive = map;
  return at::from_blob(
      const_cast<uint8_t*>(data), t.info.shape, t.stride, [keep_alive](void*) mutable { keep_alive.reset(); },
      options);
}

at::Tensor Checkpoint::load(const std::string& key, c10::ScalarType dtype, c10::Device device) const {
  prefetch(key);
  at::Tensor src = view(key);
  at::Tensor out = at::empty(src.sizes(), at::TensorOptions().dtype(dtype).device(device));
  out.copy_(src);
  return out;
}

at::Tensor Checkpoint::load(const std::string& key) const {
  return load(key, info(key).dtype);
}

void Checkpoint::prefetch(const std::string& key) const {
  const StoredTensor& t = impl_->tensors.at(info(key).key);
  int64_t extent = 1;  // elements from the first to the last addressed one
  for (std::size_t d = 0; d < t.info.shape.size(); ++d) {
    if (t.info.shape[d] == 0) return;
    extent += (t.info.shape[d] - 1) * t.stride[d];
  }
  const uint64_t bytes = static_cast<uint64_t>(extent) * element_size(t.stored_dtype);
  if (bytes >= kPrefetchMinBytes) impl_->maps[t.map_index]->prefetch(t.file_offset, bytes);
}

ModelFamily Checkpoint::family() const {
  return impl_->family;
}
KeyFormat Checkpoint::key_format() const {
  return impl_->key_format;
}
FileFormat Checkpoint::file_format() const {
  return impl_->file_format;
}
const std::string& Checkpoint::stripped_prefix() const {
  return impl_->prefix;
}
const fs::path& Checkpoint::path() const {
  return impl_->path;
}
const std::vector<fs::path>& Checkpoint::files() const {
  return impl_->files;
}
const std::map<std::string, std::string>& Checkpoint::metadata() const {
  return impl_->metadata;
}

std::string Checkpoint::describe() const {
  std::string s =
      fmt::format("{}: {} {} keys, {} tensors in {} {} file{}", impl_->path.string(),
                  to_string(impl_->key_format), to_string(impl_->family), impl_->keys.size(),
                  impl_->files.size(), to_string(impl_->file_format), impl_->files.size() == 1 ? "" : "s");
  if (!impl_->prefix.empty()) s += fmt::format(" (prefix '{}' stripped)", impl_->prefix);
  return s;
}

}  // namespace svg2::io

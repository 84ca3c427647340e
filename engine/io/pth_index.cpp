#include "io/pth_index.h"

#include <algorithm>
#include <set>
#include <unordered_map>

#include "io/pickle_reader.h"
#include "io/plain_error.h"
#include "io/zip_directory.h"

namespace svg2::io {

namespace {

using Kind = PickleObject::Kind;

// Nested containers are walked with a depth and a node budget, so shared sub-objects (a DAG) or
// cycles in a hostile pickle cannot blow up.
constexpr int kMaxDepth = 32;
constexpr std::size_t kMaxVisits = 1u << 22;

struct Flattener {
  const PickleGraph& graph;
  std::string_view source;
  std::vector<std::pair<std::string, uint32_t>> tensors;  // key, tensor object
  std::size_t visits = 0;

  std::string key_text(uint32_t key_index) const {
    const PickleObject& k = graph.at(key_index);
    if (k.kind == Kind::string) return k.text;
    if (k.kind == Kind::integer) return std::to_string(k.integer);
    return {};  // other key types: the entry is skipped
  }

  void walk(uint32_t index, const std::string& path, int depth) {
    if (++visits > kMaxVisits) fail_plain(source, ": checkpoint pickle has too many nested objects");
    const PickleObject& o = graph.at(index);
    if (o.kind == Kind::tensor) {
      tensors.emplace_back(path, index);
      return;
    }
    if (depth >= kMaxDepth) return;  // deeper containers hold no weights we use
    const std::string base = path.empty() ? path : path + ".";
    if (o.kind == Kind::dict) {
      for (std::size_t i = 0; i + 1 < o.items.size(); i += 2) {
        const std::string k = key_text(o.items[i]);
        if (!k.empty()) walk(o.items[i + 1], base + k, depth + 1);
      }
    } else if (o.kind == Kind::list || o.kind == Kind::tuple) {
      for (std::size_t i = 0; i < o.items.size(); ++i) walk(o.items[i], base + std::to_string(i), depth + 1);
    }
  }
};

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string shape_text(const std::vector<int64_t>& v) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}

// Checks that every element the tensor addresses lies inside its storage (overflow-safe).
void check_extent(const PthTensor& t, uint64_t storage_elements, std::string_view source) {
  if (t.storage_offset < 0) fail_plain(source, ": tensor '", t.key, "' has a negative storage offset");
  uint64_t last = static_cast<uint64_t>(t.storage_offset);
  bool empty = false;
  for (std::size_t d = 0; d < t.shape.size(); ++d) {
    if (t.shape[d] < 0 || t.stride[d] < 0)
      fail_plain(source, ": tensor '", t.key, "' has a negative size or stride ", shape_text(t.shape), " / ",
                 shape_text(t.stride));
    if (t.shape[d] == 0) empty = true;
  }
  if (empty) return;
  for (std::size_t d = 0; d < t.shape.size(); ++d) {
    const uint64_t span = static_cast<uint64_t>(t.shape[d] - 1);
    const uint64_t stride = static_cast<uint64_t>(t.stride[d]);
    if (stride != 0 && span > (UINT64_MAX / 2 - last) / stride)
      fail_plain(source, ": tensor '", t.key, "' size ", shape_text(t.shape), " is too large");
    last += span * stride;
  }
  if (last >= storage_elements)
    fail_plain(source, ": tensor '", t.key, "' (size ", shape_text(t.shape), ", stride ",
               shape_text(t.stride), ", offset ", t.storage_offset, ") reaches element ", last,
               " of storage '", t.storage, "', which has ", storage_elements, " elements (corrupt file)");
}

}  // namespace

bool PthTensor::contiguous() const {
  int64_t expected = 1;
  for (std::size_t d = shape.size(); d-- > 0;) {
    if (shape[d] != 1 && stride[d] != expected) return false;
    expected *= shape[d];
  }
  return true;
}

bool looks_like_zip(const uint8_t* file, std::size_t size) {
  return size >= 4 && file[0] == 'P' && file[1] == 'K' && file[2] == 3 && file[3] == 4;
}

PthIndex read_pth_index(const uint8_t* file, std::size_t size, std::string_view source) {
  if (!looks_like_zip(file, size)) {
    if (size >= 2 && file[0] == 0x80)
      fail_plain(source, ": legacy (pre-1.6, non-zip) PyTorch file; re-save it with a current torch.save");
    fail_plain(source, ": not a PyTorch zip checkpoint (no zip signature)");
  }
  const ZipDirectory zip = read_zip_directory(file, size, source);

  // data.pkl sits in one top-level folder of arbitrary name; find it by suffix.
  const ZipEntry* pickle = nullptr;
  for (const auto& e : zip.entries) {
    if (e.name == "data.pkl" || ends_with(e.name, "/data.pkl")) {
      if (e.name.find('/') != e.name.rfind('/')) continue;  // only <archive>/data.pkl
      if (pickle) fail_plain(source, ": zip holds two pickles ('", pickle->name, "' and '", e.name, "')");
      pickle = &e;
    }
  }
  if (!pickle) fail_plain(source, ": zip has no data.pkl (not a torch.save checkpoint)");
  if (pickle->method != 0) fail_plain(source, ": '", pickle->name, "' is compressed (torch.save stores it)");

  PthIndex index;
  index.archive = pickle->name.substr(0, pickle->name.size() - std::string_view("data.pkl").size());
  if (!index.archive.empty()) index.archive.pop_back();
  const std::string prefix = index.archive.empty() ? "" : index.archive + "/";

  if (const ZipEntry* order = zip.find(prefix + "byteorder")) {
    if (order->method == 0) {
      std::string_view value(reinterpret_cast<const char*>(file + order->data_offset), order->size);
      if (value != "little")
        fail_plain(source, ": byte order '", value, "' is not supported (only little-endian)");
    }
  }

  const PickleGraph graph = read_pickle(file + pickle->data_offset, pickle->size, source);
  const PickleObject& root = graph.at(graph.root);
  if (root.kind != Kind::dict)
    fail_plain(source, ": top-level object is not a dict (expected a state dict saved with torch.save)");

  std::unordered_map<std::string_view, const ZipEntry*> entries;
  for (const auto& e : zip.entries) entries.emplace(e.name, &e);

  Flattener flat{graph, source, {}, 0};
  flat.walk(graph.root, "", 0);

  std::set<std::string> keys;
  for (const auto& [key, tensor_index] : flat.tensors) {
    if (!keys.insert(key).second) fail_plain(source, ": checkpoint holds key '", key, "' twice");
    const PickleObject& t = graph.at(tensor_index);
    const PickleObject& s = graph.at(t.storage);
    PthTensor out;
    out.key = key;
    out.dtype = t.dtype;
    out.storage = s.text;
    out.storage_offset = t.storage_offset;
    out.shape = t.shape;
    out.stride = t.stride;

    auto known = index.storages.find(s.text);
    if (known == index.storages.end()) {
      const std::string entry_name = prefix + "data/" + s.text;
      auto found = entries.find(entry_name);
      const ZipEntry* entry = found == entries.end() ? nullptr : found->second;
      if (!entry)
        fail_plain(source, ": tensor '", key, "' uses storage '", entry_name, "', which the zip lacks");
      if (entry->method != 0)
        fail_plain(source, ": storage '", entry_name, "' is compressed and cannot be mapped");
      const uint64_t elem = element_size(s.dtype);
      const uint64_t numel = static_cast<uint64_t>(s.storage_numel);
      if (numel > entry->size / elem)
        fail_plain(source, ": storage '", entry_name, "' should hold ", numel, " elements of ", elem,
                   " bytes but has ", entry->size, " bytes (truncated?)");
      known = index.storages.emplace(s.text, PthStorage{entry->data_offset, numel * elem}).first;
    }
    check_extent(out, known->second.nbytes / element_size(out.dtype), source);
    index.tensors.push_back(std::move(out));
  }
  std::sort(index.tensors.begin(), index.tensors.end(),
            [](const PthTensor& a, const PthTensor& b) { return a.key < b.key; });
  return index;
}

}  // namespace svg2::io

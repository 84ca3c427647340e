#include "io/safetensors_writer.h"

#include <ATen/ops/empty.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>

#include "core/atomic_file.h"
#include "core/check.h"
#include "io/safetensors_header.h"
#include "io/torch_dtype.h"

namespace svg2::io {

namespace {

void write_all(int fd, const void* data, std::size_t size, const std::filesystem::path& target) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail("cannot write '{}': {}", target.string(), std::strerror(errno));
    p += n;
    size -= static_cast<std::size_t>(n);
  }
}

}  // namespace

void save_safetensors(const std::filesystem::path& path,
                      const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  struct Item {
    const std::string* name;
    at::Tensor cpu;  // contiguous, on the CPU
    StoredDType dtype;
  };
  std::vector<Item> items;
  std::set<std::string> names;
  for (const auto& [name, tensor] : tensors) {
    SVG2_CHECK(!name.empty() && name != "__metadata__", "{}: invalid tensor name '{}'", path.string(), name);
    SVG2_CHECK(names.insert(name).second, "{}: tensor name '{}' given twice", path.string(), name);
    SVG2_CHECK(tensor.defined(), "{}: tensor '{}' is undefined", path.string(), name);
    auto dtype = to_stored_dtype(tensor.scalar_type());
    SVG2_CHECK(dtype.has_value(), "{}: tensor '{}' has dtype {}, which safetensors cannot hold",
               path.string(), name, c10::toString(tensor.scalar_type()));
    items.push_back({&name, tensor.detach().to(c10::kCPU).contiguous(), *dtype});
  }
  // Larger elements first keeps every tensor aligned to its element size.
  std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
    const auto ea = element_size(a.dtype), eb = element_size(b.dtype);
    return ea != eb ? ea > eb : *a.name < *b.name;
  });
  std::vector<SafetensorsEntry> entries;
  uint64_t offset = 0;
  for (const Item& it : items) {
    SafetensorsEntry e;
    e.name = *it.name;
    e.dtype = it.dtype;
    e.shape.assign(it.cpu.sizes().begin(), it.cpu.sizes().end());
    e.begin = offset;
    offset += it.cpu.nbytes();
    e.end = offset;
    entries.push_back(std::move(e));
  }
  const std::string header = serialize_safetensors_header(entries, metadata);

  write_via_temp(path, [&](const std::filesystem::path& tmp) {
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    SVG2_CHECK(fd >= 0, "cannot write '{}': {}", path.string(), std::strerror(errno));
    try {
      write_all(fd, header.data(), header.size(), path);
      for (const Item& it : items)
        if (it.cpu.nbytes() > 0) write_all(fd, it.cpu.data_ptr(), it.cpu.nbytes(), path);
      SVG2_CHECK(::fsync(fd) == 0, "cannot write '{}': {}", path.string(), std::strerror(errno));
    } catch (...) {
      ::close(fd);
      throw;
    }
    SVG2_CHECK(::close(fd) == 0, "cannot write '{}': {}", path.string(), std::strerror(errno));
  });
}

}  // namespace svg2::io

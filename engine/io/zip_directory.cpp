#include "io/zip_directory.h"

#include <unordered_set>

#include "io/plain_error.h"

namespace svg2::io {

namespace {

constexpr uint32_t kEndOfDirectory = 0x06054b50;
constexpr uint32_t kZip64EndOfDirectory = 0x06064b50;
constexpr uint32_t kZip64Locator = 0x07064b50;
constexpr uint32_t kDirectoryEntry = 0x02014b50;
constexpr uint32_t kLocalHeader = 0x04034b50;
constexpr std::size_t kEndOfDirectorySize = 22;
constexpr std::size_t kDirectoryEntrySize = 46;
constexpr std::size_t kLocalHeaderSize = 30;

// Bounds-checked little-endian reads over the file.
class Reader {
 public:
  Reader(const uint8_t* data, std::size_t size, std::string_view source)
      : data_(data), size_(size), source_(source) {}

  void need(uint64_t offset, uint64_t length, const char* what) const {
    if (offset > size_ || length > size_ - offset)
      fail_plain(source_, ": zip ", what, " at byte ", offset, " (", length,
                 " bytes) runs past the end of the ", size_, "-byte file (truncated or not a zip file)");
  }
  uint64_t le(uint64_t offset, int bytes, const char* what) const {
    need(offset, bytes, what);
    uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | data_[offset + i];
    return v;
  }
  std::string text(uint64_t offset, uint64_t length, const char* what) const {
    need(offset, length, what);
    return std::string(reinterpret_cast<const char*>(data_ + offset), length);
  }
  std::size_t size() const { return size_; }
  std::string_view source() const { return source_; }

 private:
  const uint8_t* data_;
  std::size_t size_;
  std::string_view source_;
};

struct DirectoryLocation {
  uint64_t entries = 0;
  uint64_t offset = 0;
  uint64_t size = 0;
};

DirectoryLocation find_directory(const Reader& r) {
  if (r.size() < kEndOfDirectorySize)
    fail_plain(r.source(), ": not a zip file (", r.size(),
               " bytes, too short for an end-of-directory record)");
  // The end record sits at the end, followed by a comment of at most 65535 bytes.
  const uint64_t last = r.size() - kEndOfDirectorySize;
  const uint64_t first = last > 65535 ? last - 65535 : 0;
  uint64_t eocd = UINT64_MAX;
  for (uint64_t pos = last + 1; pos-- > first;) {
    if (r.le(pos, 4, "end record") == kEndOfDirectory &&
        pos + kEndOfDirectorySize + r.le(pos + 20, 2, "end record") <= r.size()) {
      eocd = pos;
      break;
    }
  }
  if (eocd == UINT64_MAX)
    fail_plain(r.source(),
               ": not a zip file (no end-of-central-directory record; truncated or another format)");

  DirectoryLocation loc;
  loc.entries = r.le(eocd + 10, 2, "end record");
  loc.size = r.le(eocd + 12, 4, "end record");
  loc.offset = r.le(eocd + 16, 4, "end record");
  const bool needs_zip64 = loc.entries == 0xffff || loc.size == 0xffffffff || loc.offset == 0xffffffff;
  if (eocd >= 20 && r.le(eocd - 20, 4, "zip64 locator") == kZip64Locator) {
    const uint64_t z = r.le(eocd - 20 + 8, 8, "zip64 locator");
    if (r.le(z, 4, "zip64 end record") != kZip64EndOfDirectory)
      fail_plain(r.source(), ": zip64 end-of-directory record at byte ", z, " has a bad signature");
    loc.entries = r.le(z + 32, 8, "zip64 end record");
    loc.size = r.le(z + 40, 8, "zip64 end record");
    loc.offset = r.le(z + 48, 8, "zip64 end record");
  } else if (needs_zip64) {
    fail_plain(r.source(), ": zip needs a zip64 end record but has none (corrupt)");
  }
  r.need(loc.offset, loc.size, "central directory");
  if (loc.entries > loc.size / kDirectoryEntrySize)
    fail_plain(r.source(), ": zip claims ", loc.entries, " entries in a ", loc.size,
               "-byte central directory (corrupt)");
  return loc;
}

// Replaces 0xffffffff fields with their zip64 extra-field values (id 0x0001).
void apply_zip64_extra(const Reader& r, uint64_t extra, uint64_t extra_len, uint64_t& usize, uint64_t& csize,
                       uint64_t& local_offset) {
  uint64_t pos = extra;
  const uint64_t end = extra + extra_len;
  while (pos + 4 <= end) {
    const uint64_t id = r.le(pos, 2, "extra field");
    const uint64_t len = r.le(pos + 2, 2, "extra field");
    if (pos + 4 + len > end)
      fail_plain(r.source(), ": zip extra field at byte ", pos, " runs past its entry");
    if (id == 0x0001) {
      uint64_t p = pos + 4;
      const uint64_t stop = p + len;
      auto take = [&](uint64_t& field) {
        if (field != 0xffffffff) return;
        if (p + 8 > stop) fail_plain(r.source(), ": zip64 extra field at byte ", pos, " is too short");
        field = r.le(p, 8, "zip64 extra field");
        p += 8;
      };
      take(usize);
      take(csize);
      take(local_offset);
      return;
    }
    pos += 4 + len;
  }
}

}  // namespace

const ZipEntry* ZipDirectory::find(std::string_view name) const {
  for (const auto& e : entries)
    if (e.name == name) return &e;
  return nullptr;
}

ZipDirectory read_zip_directory(const uint8_t* file, std::size_t size, std::string_view source) {
  Reader r(file, size, source);
  const DirectoryLocation loc = find_directory(r);
  ZipDirectory dir;
  dir.entries.reserve(loc.entries);
  std::unordered_set<std::string> names;
  uint64_t pos = loc.offset;
  const uint64_t directory_end = loc.offset + loc.size;
  for (uint64_t i = 0; i < loc.entries; ++i) {
    if (pos + kDirectoryEntrySize > directory_end)
      fail_plain(source, ": zip central directory entry ", i, " runs past the directory (corrupt)");
    if (r.le(pos, 4, "directory entry") != kDirectoryEntry)
      fail_plain(source, ": zip central directory entry ", i, " at byte ", pos,
                 " has a bad signature (corrupt)");
    const uint64_t flags = r.le(pos + 8, 2, "directory entry");
    const uint16_t method = static_cast<uint16_t>(r.le(pos + 10, 2, "directory entry"));
    uint64_t csize = r.le(pos + 20, 4, "directory entry");
    uint64_t usize = r.le(pos + 24, 4, "directory entry");
    const uint64_t name_len = r.le(pos + 28, 2, "directory entry");
    const uint64_t extra_len = r.le(pos + 30, 2, "directory entry");
    const uint64_t comment_len = r.le(pos + 32, 2, "directory entry");
    uint64_t local = r.le(pos + 42, 4, "directory entry");
    const uint64_t next = pos + kDirectoryEntrySize + name_len + extra_len + comment_len;
    if (next > directory_end)
      fail_plain(source, ": zip central directory entry ", i, " runs past the directory");

    ZipEntry e;
    e.name = r.text(pos + kDirectoryEntrySize, name_len, "entry name");
    apply_zip64_extra(r, pos + kDirectoryEntrySize + name_len, extra_len, usize, csize, local);
    if (flags & 1) fail_plain(source, ": zip entry '", e.name, "' is encrypted");
    if (!names.insert(e.name).second) fail_plain(source, ": zip lists entry '", e.name, "' twice");

    if (r.le(local, 4, "local header") != kLocalHeader)
      fail_plain(source, ": zip entry '", e.name, "' local header at byte ", local,
                 " has a bad signature (corrupt)");
    const uint64_t local_name_len = r.le(local + 26, 2, "local header");
    const uint64_t local_extra_len = r.le(local + 28, 2, "local header");
    if (r.text(local + kLocalHeaderSize, local_name_len, "local header name") != e.name)
      fail_plain(source, ": zip entry '", e.name, "' local header names a different file (corrupt)");
    e.method = method;
    e.size = method == 0 ? usize : csize;
    if (method == 0 && csize != usize)
      fail_plain(source, ": zip entry '", e.name, "' is stored but its sizes differ (", csize, " vs ", usize,
                 ")");
    e.data_offset = local + kLocalHeaderSize + local_name_len + local_extra_len;
    r.need(e.data_offset, e.size, "entry data");
    dir.entries.push_back(std::move(e));
    pos = next;
  }
  return dir;
}

}  // namespace svg2::io

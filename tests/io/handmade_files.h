#pragma once
// Hand-built checkpoint bytes for tests: zips (optionally zip64, optionally with a sparse gap so
// entries sit beyond 4 GiB) and protocol-2 pickles of tiny state dicts. They cover layouts
// torch.save never writes at test sizes, and every way of breaking one.
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace svg2::io::test {

inline void put_le(std::string& s, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

struct ZipItem {
  std::string name;
  std::string data;
  uint16_t method = 0;
  uint64_t gap_before = 0;  // bytes of hole before this entry's local header (files only)
};

// Writes a zip to `out` (CRCs are zero; the reader does not check them). With `zip64`, the
// central directory stores sizes and offsets as 0xffffffff plus a zip64 extra field, and a zip64
// end record + locator precede the classic end record.
inline void write_zip(std::ostream& out, const std::vector<ZipItem>& items, bool zip64) {
  std::string directory;
  uint64_t pos = 0;
  for (const ZipItem& it : items) {
    if (it.gap_before) {
      pos += it.gap_before;
      out.seekp(static_cast<std::streamoff>(pos));
    }
    const uint64_t local = pos;
    std::string h;
    put_le(h, 0x04034b50, 4);
    put_le(h, 20, 2);
    put_le(h, 0, 2);
    put_le(h, it.method, 2);
    put_le(h, 0, 4);
    put_le(h, 0, 4);
    put_le(h, it.data.size(), 4);
    put_le(h, it.data.size(), 4);
    put_le(h, it.name.size(), 2);
    put_le(h, 0, 2);
    h += it.name + it.data;
    out.write(h.data(), static_cast<std::streamsize>(h.size()));
    pos += h.size();

    std::string extra;
    if (zip64) {
      put_le(extra, 0x0001, 2);
      put_le(extra, 24, 2);
      put_le(extra, it.data.size(), 8);
      put_le(extra, it.data.size(), 8);
      put_le(extra, local, 8);
    }
    const uint64_t big = 0xffffffff;
    put_le(directory, 0x02014b50, 4);
    put_le(directory, 45, 2);
    put_le(directory, 45, 2);
    put_le(directory, 0, 2);
    put_le(directory, it.method, 2);
    put_le(directory, 0, 4);
    put_le(directory, 0, 4);
    put_le(directory, zip64 ? big : it.data.size(), 4);
    put_le(directory, zip64 ? big : it.data.size(), 4);
    put_le(directory, it.name.size(), 2);
    put_le(directory, extra.size(), 2);
    put_le(directory, 0, 2);
    put_le(directory, 0, 2);
    put_le(directory, 0, 2);
    put_le(directory, 0, 4);
    put_le(directory, zip64 ? big : local, 4);
    directory += it.name + extra;
  }
  const uint64_t directory_offset = pos;
  std::string tail = directory;
  if (zip64) {
    const uint64_t record = directory_offset + directory.size();
    put_le(tail, 0x06064b50, 4);
    put_le(tail, 44, 8);
    put_le(tail, 45, 2);
    put_le(tail, 45, 2);
    put_le(tail, 0, 4);
    put_le(tail, 0, 4);
    put_le(tail, items.size(), 8);
    put_le(tail, items.size(), 8);
    put_le(tail, directory.size(), 8);
    put_le(tail, directory_offset, 8);
    put_le(tail, 0x07064b50, 4);
    put_le(tail, 0, 4);
    put_le(tail, record, 8);
    put_le(tail, 1, 4);
  }
  put_le(tail, 0x06054b50, 4);
  put_le(tail, 0, 4);
  put_le(tail, zip64 ? 0xffff : items.size(), 2);
  put_le(tail, zip64 ? 0xffff : items.size(), 2);
  put_le(tail, zip64 ? 0xffffffff : directory.size(), 4);
  put_le(tail, zip64 ? 0xffffffff : directory_offset, 4);
  put_le(tail, 0, 2);
  out.write(tail.data(), static_cast<std::streamsize>(tail.size()));
}

inline std::string make_zip(const std::vector<ZipItem>& items, bool zip64 = false) {
  std::ostringstream out;
  write_zip(out, items, zip64);
  return out.str();
}

// ---- pickle building blocks (protocol 2) ----

inline std::string pickle_str(const std::string& s) {
  std::string out = "X";
  put_le(out, s.size(), 4);
  return out + s;
}
inline std::string pickle_int(int32_t v) {
  std::string out = "J";
  put_le(out, static_cast<uint32_t>(v), 4);
  return out;
}
inline std::string pickle_int_tuple(const std::vector<int32_t>& v) {
  std::string out = "(";
  for (int32_t x : v) out += pickle_int(x);
  return out + "t";
}

// {"w": _rebuild_tensor_v2(storage(<type>, key, numel), offset, size, stride, False, OrderedDict())}
inline std::string state_dict_pickle(const std::string& storage_key, int32_t numel, int32_t offset,
                                     const std::vector<int32_t>& size, const std::vector<int32_t>& stride,
                                     const std::string& storage_type = "FloatStorage") {
  std::string p = "\x80\x02}";
  p += pickle_str("w");
  p += "ctorch._utils\n_rebuild_tensor_v2\n";
  p += "((" + pickle_str("storage") + "ctorch\n" + storage_type + "\n" + pickle_str(storage_key) +
       pickle_str("cpu") + pickle_int(numel) + "tQ";
  p += pickle_int(offset) + pickle_int_tuple(size) + pickle_int_tuple(stride);
  p += "\x89";
  p += "ccollections\nOrderedDict\n)R";
  p += "tRs.";
  return p;
}

inline std::string float_bytes(int n) {
  return std::string(static_cast<std::size_t>(n) * 4, '\x01');
}

}  // namespace svg2::io::test

// PNG writer and reader (8-bit, non-interlaced), independent of FFmpeg so plots, cluster maps
// and PNG sequences work in every build.
#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>

#include "core/atomic_file.h"
#include "core/check.h"
#include "media/zlib_stream.h"
#include "svg2/media.h"

namespace svg2 {
namespace {

constexpr std::array<std::uint8_t, 8> kSignature = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
// Refuses headers that would need absurd memory (corrupt files): 2^28 pixels = 16384 x 16384.
constexpr std::uint64_t kMaxPixels = std::uint64_t{1} << 28;

void put_u32(std::string& out, std::uint32_t v) {
  const char bytes[4] = {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
  out.append(bytes, 4);
}

std::uint32_t get_u32(const std::uint8_t* p) {
  return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) | p[3];
}

void put_chunk(std::string& out, const char type[4], std::string_view data) {
  put_u32(out, static_cast<std::uint32_t>(data.size()));
  const std::size_t type_at = out.size();
  out.append(type, 4);
  out.append(data);
  auto* begin = reinterpret_cast<const std::uint8_t*>(out.data() + type_at);
  put_u32(out, media::crc32(0, begin, 4 + data.size()));
}

std::uint8_t paeth(int a, int b, int c) {
  const int p = a + b - c;
  const int pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
  if (pa <= pb && pa <= pc) return static_cast<std::uint8_t>(a);
  if (pb <= pc) return static_cast<std::uint8_t>(b);
  return static_cast<std::uint8_t>(c);
}

// The five PNG filters' predictions for byte i of a row (bpp bytes per pixel).
std::uint8_t predict(int filter, const std::uint8_t* row, const std::uint8_t* prev, std::size_t i, int bpp) {
  const int a = i >= std::size_t(bpp) ? row[i - bpp] : 0;
  const int b = prev ? prev[i] : 0;
  const int c = (prev && i >= std::size_t(bpp)) ? prev[i - bpp] : 0;
  switch (filter) {
    case 0:
      return 0;
    case 1:
      return static_cast<std::uint8_t>(a);
    case 2:
      return static_cast<std::uint8_t>(b);
    case 3:
      return static_cast<std::uint8_t>((a + b) / 2);
    default:
      return paeth(a, b, c);
  }
}

// Filtered scanlines; each row takes the filter with the smallest sum of absolute residuals
// (the usual heuristic: it compresses plots and gradients far better than no filter).
std::string filter_rows(int width, int height, const std::uint8_t* rgb) {
  const std::size_t stride = std::size_t(width) * 3;
  std::string out;
  out.reserve((stride + 1) * height);
  std::string best(stride, '\0'), trial(stride, '\0');
  for (int y = 0; y < height; ++y) {
    const std::uint8_t* row = rgb + stride * y;
    const std::uint8_t* prev = y > 0 ? row - stride : nullptr;
    long best_cost = -1;
    int best_filter = 0;
    for (int f = 0; f < 5; ++f) {
      long cost = 0;
      for (std::size_t i = 0; i < stride; ++i) {
        const auto r = static_cast<std::uint8_t>(row[i] - predict(f, row, prev, i, 3));
        trial[i] = static_cast<char>(r);
        cost += r < 128 ? r : 256 - r;
      }
      if (best_cost < 0 || cost < best_cost) {
        best_cost = cost;
        best_filter = f;
        best.swap(trial);
      }
    }
    out.push_back(static_cast<char>(best_filter));
    out.append(best);
  }
  return out;
}

std::string read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  SVG2_CHECK(in, "cannot open PNG '{}': {}", path, std::strerror(errno));
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  SVG2_CHECK(!in.bad(), "cannot read PNG '{}': {}", path, std::strerror(errno));
  return bytes;
}

struct PngHeader {
  std::uint32_t width = 0, height = 0;
  int bit_depth = 0, color_type = 0, interlace = 0;
};

int channels_of(int color_type) {
  switch (color_type) {
    case 0:
      return 1;  // gray
    case 2:
      return 3;  // RGB
    case 3:
      return 1;  // palette index
    case 4:
      return 2;  // gray + alpha
    case 6:
      return 4;  // RGBA
    default:
      return 0;
  }
}

}  // namespace

std::string encode_png(int width, int height, const std::uint8_t* rgb) {
  SVG2_CHECK(width > 0 && height > 0, "PNG size {}x{} is invalid: width and height must be positive", width,
             height);
  SVG2_CHECK(std::uint64_t(width) * std::uint64_t(height) <= kMaxPixels,
             "PNG size {}x{} is too large (at most {} pixels)", width, height, kMaxPixels);
  SVG2_CHECK(rgb != nullptr, "PNG pixels are missing (null buffer for {}x{})", width, height);
  std::string png(reinterpret_cast<const char*>(kSignature.data()), kSignature.size());
  std::string ihdr;
  put_u32(ihdr, static_cast<std::uint32_t>(width));
  put_u32(ihdr, static_cast<std::uint32_t>(height));
  ihdr += std::string{char(8), char(2), char(0), char(0), char(0)};  // 8-bit RGB, deflate, no interlace
  put_chunk(png, "IHDR", ihdr);
  put_chunk(png, "IDAT", media::zlib_compress(filter_rows(width, height, rgb), 6));
  put_chunk(png, "IEND", {});
  return png;
}

void write_png(const std::string& path, int width, int height, const std::uint8_t* rgb) {
  const std::string bytes = encode_png(width, height, rgb);
  write_file_atomic(path, bytes);
}

void write_png(const std::string& path, int width, int height, const std::vector<std::uint8_t>& rgb) {
  SVG2_CHECK(width > 0 && height > 0, "PNG '{}': size {}x{} is invalid", path, width, height);
  const std::size_t expected = std::size_t(width) * std::size_t(height) * 3;
  SVG2_CHECK(rgb.size() == expected, "PNG '{}': {}x{} RGB needs {} bytes, got {}", path, width, height,
             expected, rgb.size());
  write_png(path, width, height, rgb.data());
}

void write_png(const std::string& path, const Image& image) {
  write_png(path, image.width, image.height, image.rgb);
}

Image read_png(const std::string& path) {
  const std::string file = read_whole_file(path);
  const auto* data = reinterpret_cast<const std::uint8_t*>(file.data());
  SVG2_CHECK(file.size() >= kSignature.size() && std::equal(kSignature.begin(), kSignature.end(), data),
             "'{}' is not a PNG file (bad signature)", path);

  PngHeader header;
  bool have_header = false, have_end = false;
  std::vector<std::array<std::uint8_t, 3>> palette;
  std::string idat;
  std::size_t at = kSignature.size();
  while (at < file.size() && !have_end) {
    SVG2_CHECK(file.size() - at >= 12, "PNG '{}' is truncated (chunk header at byte {})", path, at);
    const std::uint32_t length = get_u32(data + at);
    const std::string type(file.data() + at + 4, 4);
    SVG2_CHECK(length <= file.size() - at - 12,
               "PNG '{}' is truncated (chunk '{}' at byte {} needs {} bytes)", path, type, at, length);
    const std::uint8_t* body = data + at + 8;
    const std::uint32_t stored_crc = get_u32(body + length);
    SVG2_CHECK(media::crc32(0, data + at + 4, length + 4) == stored_crc,
               "PNG '{}' is corrupt (CRC mismatch in chunk '{}' at byte {})", path, type, at);
    if (type == "IHDR") {
      SVG2_CHECK(length == 13, "PNG '{}' has a malformed IHDR chunk ({} bytes, expected 13)", path, length);
      header.width = get_u32(body);
      header.height = get_u32(body + 4);
      header.bit_depth = body[8];
      header.color_type = body[9];
      header.interlace = body[12];
      have_header = true;
    } else if (type == "PLTE") {
      SVG2_CHECK(length % 3 == 0 && length <= 768, "PNG '{}' has a malformed palette ({} bytes)", path,
                 length);
      for (std::uint32_t i = 0; i < length; i += 3) palette.push_back({body[i], body[i + 1], body[i + 2]});
    } else if (type == "IDAT") {
      SVG2_CHECK(have_header, "PNG '{}' is malformed: image data before the IHDR chunk", path);
      idat.append(reinterpret_cast<const char*>(body), length);
    } else if (type == "IEND") {
      have_end = true;
    }
    at += 12 + std::size_t(length);
  }
  SVG2_CHECK(have_header, "PNG '{}' has no IHDR chunk", path);
  SVG2_CHECK(!idat.empty(), "PNG '{}' has no image data (IDAT)", path);
  SVG2_CHECK(header.width > 0 && header.height > 0, "PNG '{}' has an invalid size {}x{}", path, header.width,
             header.height);
  SVG2_CHECK(std::uint64_t(header.width) * header.height <= kMaxPixels,
             "PNG '{}' is too large ({}x{}; at most {} pixels)", path, header.width, header.height,
             kMaxPixels);
  const int channels = channels_of(header.color_type);
  SVG2_CHECK(channels > 0, "PNG '{}' has an unknown color type {}", path, header.color_type);
  SVG2_CHECK(header.bit_depth == 8, "PNG '{}' has {} bits per sample; only 8-bit PNGs are supported", path,
             header.bit_depth);
  SVG2_CHECK(header.interlace == 0, "PNG '{}' is interlaced (Adam7); only non-interlaced PNGs are supported",
             path);
  SVG2_CHECK(header.color_type != 3 || !palette.empty(), "PNG '{}' is a palette image without a PLTE chunk",
             path);

  const std::size_t stride = std::size_t(header.width) * channels;
  std::string raw = media::zlib_uncompress(idat, (stride + 1) * header.height, "PNG '" + path + "'");
  auto* bytes = reinterpret_cast<std::uint8_t*>(raw.data());
  std::vector<std::uint8_t> pixels(stride * header.height);
  for (std::uint32_t y = 0; y < header.height; ++y) {
    const int filter = bytes[y * (stride + 1)];
    SVG2_CHECK(filter <= 4, "PNG '{}' is corrupt (filter type {} on row {})", path, filter, y);
    const std::uint8_t* src = bytes + y * (stride + 1) + 1;
    std::uint8_t* row = pixels.data() + y * stride;
    const std::uint8_t* prev = y > 0 ? row - stride : nullptr;
    for (std::size_t i = 0; i < stride; ++i)
      row[i] = static_cast<std::uint8_t>(src[i] + predict(filter, row, prev, i, channels));
  }

  Image image;
  image.width = static_cast<int>(header.width);
  image.height = static_cast<int>(header.height);
  image.rgb.resize(std::size_t(image.width) * image.height * 3);
  const std::size_t n = std::size_t(image.width) * image.height;
  for (std::size_t p = 0; p < n; ++p) {
    const std::uint8_t* s = pixels.data() + p * channels;
    std::uint8_t* d = image.rgb.data() + p * 3;
    if (header.color_type == 3) {
      SVG2_CHECK(s[0] < palette.size(), "PNG '{}' is corrupt (palette index {} of {} entries)", path, s[0],
                 palette.size());
      std::copy(palette[s[0]].begin(), palette[s[0]].end(), d);
    } else if (channels >= 3) {
      d[0] = s[0], d[1] = s[1], d[2] = s[2];
    } else {
      d[0] = d[1] = d[2] = s[0];
    }
  }
  return image;
}

}  // namespace svg2

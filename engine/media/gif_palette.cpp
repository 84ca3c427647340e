#include "media/gif_palette.h"

#include <algorithm>
#include <cmath>
#include <queue>

#include "core/check.h"

namespace svg2::media {
namespace {

struct Bin {
  std::uint64_t count = 0;
  std::uint64_t sum[3] = {0, 0, 0};
  std::array<double, 3> mean() const {
    return {double(sum[0]) / count, double(sum[1]) / count, double(sum[2]) / count};
  }
};

struct Box {
  std::size_t begin = 0, end = 0;  // range of the bins vector
  int axis = 0;                    // channel with the widest spread
  double score = 0;                // squared error the box's mean colour leaves (0 = cannot split)
};

Box make_box(std::vector<Bin>& bins, std::size_t begin, std::size_t end) {
  Box box{begin, end, 0, 0};
  if (end - begin < 2) return box;
  double lo[3] = {255, 255, 255}, hi[3] = {0, 0, 0}, sum[3] = {0, 0, 0}, sq[3] = {0, 0, 0};
  double n = 0;
  for (std::size_t i = begin; i < end; ++i) {
    const auto m = bins[i].mean();
    const double c = double(bins[i].count);
    for (int k = 0; k < 3; ++k) {
      lo[k] = std::min(lo[k], m[k]), hi[k] = std::max(hi[k], m[k]);
      sum[k] += c * m[k], sq[k] += c * m[k] * m[k];
    }
    n += c;
  }
  for (int k = 0; k < 3; ++k) {
    box.score += sq[k] - sum[k] * sum[k] / n;
    if (hi[k] - lo[k] > hi[box.axis] - lo[box.axis]) box.axis = k;
  }
  return box;
}

}  // namespace

Palette build_palette(const Video& video, int first, int count, int max_colors) {
  SVG2_CHECK(max_colors >= 2 && max_colors <= 256, "palette size {} is out of range [2, 256]", max_colors);
  std::vector<Bin> histogram(1 << 15);
  for (int f = first; f < first + count; ++f) {
    const std::uint8_t* p = video.frame(f);
    const std::size_t n = std::size_t(video.width) * video.height;
    for (std::size_t i = 0; i < n; ++i, p += 3) {
      Bin& bin = histogram[((p[0] >> 3) << 10) | ((p[1] >> 3) << 5) | (p[2] >> 3)];
      ++bin.count;
      bin.sum[0] += p[0], bin.sum[1] += p[1], bin.sum[2] += p[2];
    }
  }
  std::vector<Bin> bins;
  for (const Bin& b : histogram)
    if (b.count) bins.push_back(b);

  // Median cut: split the box that leaves the largest squared error, at the pixel median of its
  // widest channel, until there are max_colors boxes or none can be split.
  auto worse = [](const Box& a, const Box& b) { return a.score < b.score; };
  std::priority_queue<Box, std::vector<Box>, decltype(worse)> boxes(worse);
  std::vector<Box> done;
  boxes.push(make_box(bins, 0, bins.size()));
  while (!boxes.empty() && int(boxes.size() + done.size()) < max_colors) {
    Box box = boxes.top();
    boxes.pop();
    if (box.score <= 0) {
      done.push_back(box);
      continue;
    }
    std::sort(bins.begin() + box.begin, bins.begin() + box.end,
              [axis = box.axis](const Bin& a, const Bin& b) { return a.mean()[axis] < b.mean()[axis]; });
    std::uint64_t total = 0, running = 0;
    for (std::size_t i = box.begin; i < box.end; ++i) total += bins[i].count;
    std::size_t split = box.begin + 1;
    for (std::size_t i = box.begin; i < box.end - 1; ++i) {
      running += bins[i].count;
      split = i + 1;
      if (running * 2 >= total) break;
    }
    boxes.push(make_box(bins, box.begin, split));
    boxes.push(make_box(bins, split, box.end));
  }
  for (; !boxes.empty(); boxes.pop()) done.push_back(boxes.top());

  Palette palette;
  for (const Box& box : done) {
    double sum[3] = {0, 0, 0}, n = 0;
    for (std::size_t i = box.begin; i < box.end; ++i) {
      for (int k = 0; k < 3; ++k) sum[k] += double(bins[i].sum[k]);
      n += double(bins[i].count);
    }
    if (n == 0) continue;
    palette.colors.push_back({static_cast<std::uint8_t>(std::lround(sum[0] / n)),
                              static_cast<std::uint8_t>(std::lround(sum[1] / n)),
                              static_cast<std::uint8_t>(std::lround(sum[2] / n))});
  }
  if (palette.colors.empty()) palette.colors.push_back({0, 0, 0});
  return palette;
}

PaletteMapper::PaletteMapper(const Palette& palette) : palette_(palette), cache_(1 << 18, -1) {}

std::uint8_t PaletteMapper::nearest(int r, int g, int b) {
  const int key = ((r >> 2) << 12) | ((g >> 2) << 6) | (b >> 2);
  if (cache_[key] >= 0) return static_cast<std::uint8_t>(cache_[key]);
  // Search from the centre of the 6-bit cell so the answer does not depend on visiting order.
  const int cr = std::min(255, (r & ~3) + 2), cg = std::min(255, (g & ~3) + 2),
            cb = std::min(255, (b & ~3) + 2);
  int best = 0;
  long best_d = -1;
  for (std::size_t i = 0; i < palette_.colors.size(); ++i) {
    const auto& c = palette_.colors[i];
    const long dr = c[0] - cr, dg = c[1] - cg, db = c[2] - cb;
    const long d = dr * dr + dg * dg + db * db;
    if (best_d < 0 || d < best_d) best_d = d, best = static_cast<int>(i);
  }
  cache_[key] = static_cast<std::int16_t>(best);
  return static_cast<std::uint8_t>(best);
}

void PaletteMapper::map(const std::uint8_t* rgb, int width, int height, std::uint8_t* indices,
                        int index_stride) {
  // Floyd-Steinberg, serpentine; two rows of error with one pixel of padding on each side.
  const std::size_t row_len = std::size_t(width + 2) * 3;
  error_.assign(row_len * 2, 0.f);
  for (int y = 0; y < height; ++y) {
    float* cur = error_.data() + (y % 2) * row_len;
    float* next = error_.data() + ((y + 1) % 2) * row_len;
    std::fill(next, next + row_len, 0.f);
    const bool forward = y % 2 == 0;
    const int step = forward ? 1 : -1;
    for (int i = 0; i < width; ++i) {
      const int x = forward ? i : width - 1 - i;
      const std::uint8_t* src = rgb + (std::size_t(y) * width + x) * 3;
      float* e = cur + std::size_t(x + 1) * 3;
      int want[3];
      for (int k = 0; k < 3; ++k) want[k] = std::clamp(int(std::lround(src[k] + e[k])), 0, 255);
      const std::uint8_t index = nearest(want[0], want[1], want[2]);
      indices[std::size_t(y) * index_stride + x] = index;
      const auto& got = palette_.colors[index];
      for (int k = 0; k < 3; ++k) {
        const float err = float(want[k] - got[k]);
        cur[std::size_t(x + 1 + step) * 3 + k] += err * (7.f / 16);
        next[std::size_t(x + 1 - step) * 3 + k] += err * (3.f / 16);
        next[std::size_t(x + 1) * 3 + k] += err * (5.f / 16);
        next[std::size_t(x + 1 + step) * 3 + k] += err * (1.f / 16);
      }
    }
  }
}

}  // namespace svg2::media

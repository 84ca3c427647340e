// Block-sparse map, density heatmaps, cluster-size histograms and the adjusted Rand index.
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "core/check.h"
#include "svg2/cluster_maps.h"
#include "tools/cluster_maps_draw.h"

namespace svg2 {

std::vector<double> cluster_edges(const std::vector<std::int32_t>& sizes) {
  std::vector<double> edges(sizes.size() + 1, 0.0);
  double total = 0;
  for (std::int32_t s : sizes) total += std::max<std::int32_t>(s, 0);
  for (std::size_t i = 0; i < sizes.size(); ++i)
    edges[i + 1] = edges[i] + (total > 0 ? std::max<std::int32_t>(sizes[i], 0) / total : 1.0 / sizes.size());
  if (!sizes.empty()) edges.back() = 1.0;
  return edges;
}

double block_pair_fraction(const ClusterSnapshot& s) {
  double kept = 0, total = 0;
  for (int i = 0; i < s.query_clusters; ++i)
    for (int j = 0; j < s.key_clusters; ++j) {
      const double pairs =
          double(s.q_sizes[static_cast<std::size_t>(i)]) * s.k_sizes[static_cast<std::size_t>(j)];
      total += pairs;
      if (s.block_mask[static_cast<std::size_t>(i) * s.key_clusters + j]) kept += pairs;
    }
  return total > 0 ? kept / total : 0.0;
}

Image block_map_plot(const ClusterSnapshot& s, int size_px) {
  check_cluster_snapshot(s);
  SVG2_CHECK(size_px >= 32 && size_px <= 4096, "block map size {} px outside [32, 4096]", size_px);
  Image out = cluster_draw::blank(size_px, size_px, cluster_draw::kBackground);
  const auto rows = cluster_edges(s.q_sizes), cols = cluster_edges(s.k_sizes);
  auto px = [&](double f) { return static_cast<int>(std::lround(f * size_px)); };
  for (int i = 0; i < s.query_clusters; ++i) {
    const Rgb row_color = cluster_color(i);
    // Skipped blocks keep a dark tint of the row's colour so rows stay readable.
    const Rgb dark{static_cast<std::uint8_t>(row_color.r / 6 + 12),
                   static_cast<std::uint8_t>(row_color.g / 6 + 12),
                   static_cast<std::uint8_t>(row_color.b / 6 + 12)};
    for (int j = 0; j < s.key_clusters; ++j) {
      const bool kept = s.block_mask[static_cast<std::size_t>(i) * s.key_clusters + j] != 0;
      cluster_draw::fill_rect(out, px(cols[j]), px(rows[i]), px(cols[j + 1]), px(rows[i + 1]),
                              kept ? row_color : dark);
    }
  }
  return out;
}

Image block_map_image(const ClusterSnapshot& s, int size_px) {
  const Image plot = block_map_plot(s, size_px);
  constexpr int kPad = 6, kScale = 2;
  const int line = text_height(kScale) + 4;
  const std::string title =
      fmt::format("blocks  {} q x {} k clusters  density {:.1f}%  pairs kept {:.1f}%", s.query_clusters,
                  s.key_clusters, s.density * 100.0, block_pair_fraction(s) * 100.0);
  const int width = std::max(size_px, text_width(title, kScale)) + 2 * kPad;
  Image out = cluster_draw::blank(width, size_px + line + 2 * kPad, cluster_draw::kBackground);
  draw_text(out, kPad, kPad, title, kScale, cluster_draw::kText);
  cluster_draw::blit(out, plot, kPad, kPad + line);
  return out;
}

namespace {

double nan() {
  return std::numeric_limits<double>::quiet_NaN();
}

}  // namespace

ValueGrid layer_head_density(const std::vector<AttentionCallStats>& calls, int step, int branch) {
  std::set<int> layers;
  int heads = 0;
  for (const auto& c : calls)
    if (c.step == step && (branch < 0 || c.branch == branch)) {
      layers.insert(c.layer);
      heads = std::max(heads, static_cast<int>(c.head_density.size()));
    }
  ValueGrid g;
  g.row_ids.assign(layers.begin(), layers.end());
  g.rows = static_cast<int>(g.row_ids.size());
  g.cols = std::max(heads, layers.empty() ? 0 : 1);
  for (int h = 0; h < g.cols; ++h) g.col_ids.push_back(h);
  std::vector<double> sum(static_cast<std::size_t>(g.rows) * g.cols, 0.0), count(sum.size(), 0.0);
  for (const auto& c : calls) {
    if (c.step != step || (branch >= 0 && c.branch != branch)) continue;
    const int r =
        static_cast<int>(std::lower_bound(g.row_ids.begin(), g.row_ids.end(), c.layer) - g.row_ids.begin());
    for (int h = 0; h < g.cols; ++h) {
      // A dense call reports no per-head values: every head computed everything.
      const double d = c.head_density.empty() ? (c.sparse ? c.density : 1.0)
                       : h < static_cast<int>(c.head_density.size())
                           ? c.head_density[static_cast<std::size_t>(h)]
                           : nan();
      if (std::isnan(d)) continue;
      sum[static_cast<std::size_t>(r) * g.cols + h] += d;
      count[static_cast<std::size_t>(r) * g.cols + h] += 1;
    }
  }
  g.values.resize(sum.size());
  for (std::size_t i = 0; i < sum.size(); ++i) g.values[i] = count[i] > 0 ? sum[i] / count[i] : nan();
  return g;
}

ValueGrid step_layer_density(const std::vector<AttentionCallStats>& calls, int branch) {
  std::set<int> steps, layers;
  for (const auto& c : calls)
    if (branch < 0 || c.branch == branch) {
      steps.insert(c.step);
      layers.insert(c.layer);
    }
  ValueGrid g;
  g.row_ids.assign(steps.begin(), steps.end());
  g.col_ids.assign(layers.begin(), layers.end());
  g.rows = static_cast<int>(g.row_ids.size());
  g.cols = static_cast<int>(g.col_ids.size());
  std::vector<double> sum(static_cast<std::size_t>(g.rows) * g.cols, 0.0), count(sum.size(), 0.0);
  for (const auto& c : calls) {
    if (branch >= 0 && c.branch != branch) continue;
    const auto r = std::lower_bound(g.row_ids.begin(), g.row_ids.end(), c.step) - g.row_ids.begin();
    const auto k = std::lower_bound(g.col_ids.begin(), g.col_ids.end(), c.layer) - g.col_ids.begin();
    sum[static_cast<std::size_t>(r * g.cols + k)] += c.sparse ? c.density : 1.0;
    count[static_cast<std::size_t>(r * g.cols + k)] += 1;
  }
  g.values.resize(sum.size());
  for (std::size_t i = 0; i < sum.size(); ++i) g.values[i] = count[i] > 0 ? sum[i] / count[i] : nan();
  return g;
}

Image heatmap_image(const ValueGrid& g, const std::string& title, int cell_px) {
  SVG2_CHECK(cell_px >= 2 && cell_px <= 128, "heatmap cell size {} px outside [2, 128]", cell_px);
  SVG2_CHECK(g.values.size() == static_cast<std::size_t>(g.rows) * g.cols,
             "heatmap has {} values for {} x {} cells", g.values.size(), g.rows, g.cols);
  constexpr int kPad = 6, kScale = 2;
  const int line = text_height(kScale) + 4;
  const int label_w = text_width("0000", kScale) + 6;
  const int width = std::max(label_w + g.cols * cell_px, text_width(title, kScale)) + 2 * kPad;
  const int height = kPad + line + line + g.rows * cell_px + kPad;
  Image out = cluster_draw::blank(width, height, cluster_draw::kBackground);
  draw_text(out, kPad, kPad, title, kScale, cluster_draw::kText);
  const int x0 = kPad + label_w, y0 = kPad + 2 * line;
  const int col_every = std::max(1, (text_width("000", kScale) + 4) / cell_px + 1);
  for (int c = 0; c < g.cols; c += col_every)
    draw_text(out, x0 + c * cell_px, kPad + line,
              std::to_string(c < static_cast<int>(g.col_ids.size()) ? g.col_ids[c] : c), kScale,
              cluster_draw::kDimText);
  const int row_every = std::max(1, line / cell_px + (line % cell_px ? 1 : 0));
  for (int r = 0; r < g.rows; ++r) {
    if (r % row_every == 0)
      draw_text(out, kPad, y0 + r * cell_px,
                std::to_string(r < static_cast<int>(g.row_ids.size()) ? g.row_ids[r] : r), kScale,
                cluster_draw::kDimText);
    for (int c = 0; c < g.cols; ++c)
      cluster_draw::fill_rect(out, x0 + c * cell_px, y0 + r * cell_px, x0 + (c + 1) * cell_px - (cell_px > 4),
                              y0 + (r + 1) * cell_px - (cell_px > 4), density_color(g.at(r, c)));
  }
  return out;
}

std::vector<int> cluster_size_histogram(const std::vector<std::int32_t>& sizes, int bins) {
  SVG2_CHECK(bins >= 1 && bins <= 1024, "histogram bins {} outside [1, 1024]", bins);
  std::vector<int> hist(static_cast<std::size_t>(bins), 0);
  if (sizes.empty()) return hist;
  const double largest = std::max(1, *std::max_element(sizes.begin(), sizes.end()));
  for (std::int32_t s : sizes) {
    const int b = std::min(bins - 1, static_cast<int>(std::max(0, s) / largest * bins));
    ++hist[static_cast<std::size_t>(b)];
  }
  return hist;
}

Image histogram_image(const std::vector<std::int32_t>& sizes, int bins, const std::string& title, int width,
                      int height) {
  SVG2_CHECK(width >= 64 && width <= 4096 && height >= 48 && height <= 4096,
             "histogram image {}x{} outside [64, 4096] x [48, 4096]", width, height);
  const auto hist = cluster_size_histogram(sizes, bins);
  constexpr int kPad = 6, kScale = 2;
  const int line = text_height(kScale) + 4;
  Image out = cluster_draw::blank(width, height, cluster_draw::kBackground);
  const int largest = sizes.empty() ? 0 : *std::max_element(sizes.begin(), sizes.end());
  draw_text(out, kPad, kPad, fmt::format("{}  (0..{} tokens)", title, largest), kScale, cluster_draw::kText);
  const int peak = std::max(1, *std::max_element(hist.begin(), hist.end()));
  const int plot_h = height - 2 * kPad - line, plot_w = width - 2 * kPad;
  for (int b = 0; b < bins; ++b) {
    const int bar = static_cast<int>(std::lround(double(hist[static_cast<std::size_t>(b)]) / peak * plot_h));
    const int xa = kPad + b * plot_w / bins, xb = kPad + (b + 1) * plot_w / bins - 1;
    cluster_draw::fill_rect(out, xa, height - kPad - bar, std::max(xa + 1, xb), height - kPad,
                            Rgb{90, 170, 230});
  }
  return out;
}

double adjusted_rand_index(const std::vector<std::int32_t>& a, const std::vector<std::int32_t>& b) {
  SVG2_CHECK(!a.empty() && a.size() == b.size(),
             "adjusted Rand index needs two labelings of the same items ({} vs {})", a.size(), b.size());
  std::map<std::pair<std::int32_t, std::int32_t>, double> joint;
  std::map<std::int32_t, double> ra, rb;
  for (std::size_t i = 0; i < a.size(); ++i) {
    joint[{a[i], b[i]}] += 1;
    ra[a[i]] += 1;
    rb[b[i]] += 1;
  }
  auto pairs = [](double n) { return n * (n - 1) / 2; };
  double index = 0, sa = 0, sb = 0;
  for (const auto& [k, n] : joint) index += pairs(n);
  for (const auto& [k, n] : ra) sa += pairs(n);
  for (const auto& [k, n] : rb) sb += pairs(n);
  const double expected = sa * sb / pairs(static_cast<double>(a.size()));
  const double maximum = 0.5 * (sa + sb);
  if (maximum == expected) return 1.0;  // both trivial partitions (all one cluster or all singletons)
  return (index - expected) / (maximum - expected);
}

}  // namespace svg2

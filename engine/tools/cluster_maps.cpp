// Token → cluster maps over latent frames, cluster colours, snapshot checks.
#include "svg2/cluster_maps.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/check.h"
#include "tools/cluster_maps_draw.h"

namespace svg2 {

std::string to_string(ClusterSide side) {
  return side == ClusterSide::Query ? "query" : "key";
}

ClusterSide cluster_side_from_string(const std::string& name) {
  if (name == "query" || name == "q") return ClusterSide::Query;
  if (name == "key" || name == "k") return ClusterSide::Key;
  fail("unknown cluster side '{}': allowed values are query, key", name);
}

const std::vector<std::int32_t>& cluster_labels(const ClusterSnapshot& s, ClusterSide side) {
  return side == ClusterSide::Query ? s.q_labels : s.k_labels;
}
const std::vector<std::int32_t>& cluster_sizes(const ClusterSnapshot& s, ClusterSide side) {
  return side == ClusterSide::Query ? s.q_sizes : s.k_sizes;
}
int cluster_count(const ClusterSnapshot& s, ClusterSide side) {
  return side == ClusterSide::Query ? s.query_clusters : s.key_clusters;
}

void check_cluster_snapshot(const ClusterSnapshot& s) {
  const std::string where = fmt::format("cluster snapshot (step {}, layer {}, head {}, branch {})", s.step,
                                        s.layer, s.head, s.branch);
  SVG2_CHECK(s.grid_f > 0 && s.grid_h > 0 && s.grid_w > 0, "{}: token grid {}x{}x{} unknown or empty", where,
             s.grid_f, s.grid_h, s.grid_w);
  const std::size_t tokens = static_cast<std::size_t>(s.grid_f) * s.grid_h * s.grid_w;
  for (ClusterSide side : {ClusterSide::Query, ClusterSide::Key}) {
    const auto& labels = cluster_labels(s, side);
    const auto& sizes = cluster_sizes(s, side);
    const int clusters = cluster_count(s, side);
    SVG2_CHECK(labels.size() == tokens, "{}: {} labels but the grid {}x{}x{} has {} tokens", where,
               to_string(side), s.grid_f, s.grid_h, s.grid_w, tokens);
    SVG2_CHECK(clusters > 0 && sizes.size() == static_cast<std::size_t>(clusters),
               "{}: {} cluster count {} but {} sizes", where, to_string(side), clusters, sizes.size());
    std::vector<std::int32_t> counted(static_cast<std::size_t>(clusters), 0);
    for (std::int32_t l : labels) {
      SVG2_CHECK(l >= 0 && l < clusters, "{}: {} label {} outside [0, {})", where, to_string(side), l,
                 clusters);
      ++counted[static_cast<std::size_t>(l)];
    }
    SVG2_CHECK(counted == sizes, "{}: {} cluster sizes do not match the labels", where, to_string(side));
  }
  SVG2_CHECK(s.block_mask.size() == static_cast<std::size_t>(s.query_clusters) * s.key_clusters,
             "{}: block mask has {} entries, expected QC x KC = {} x {}", where, s.block_mask.size(),
             s.query_clusters, s.key_clusters);
}

namespace {

Rgb hsl_to_rgb(double h, double s, double l) {
  auto channel = [&](double n) {
    const double k = std::fmod(n + h * 12.0, 12.0);
    const double a = s * std::min(l, 1.0 - l);
    const double v = l - a * std::max(-1.0, std::min({k - 3.0, 9.0 - k, 1.0}));
    return static_cast<std::uint8_t>(std::lround(std::clamp(v, 0.0, 1.0) * 255.0));
  };
  return Rgb{channel(0), channel(8), channel(4)};
}

}  // namespace

Rgb cluster_color(int cluster) {
  if (cluster < 0) return Rgb{90, 90, 90};
  // Golden-angle hue steps keep neighbouring ids far apart; three lightness/saturation bands
  // triple the number of clearly distinct colours before hues get close.
  const double golden = 0.38196601125010515;
  const double hue = std::fmod(0.07 + cluster * golden, 1.0);
  static constexpr double kLight[3] = {0.55, 0.38, 0.72};
  static constexpr double kSat[3] = {0.85, 0.75, 0.70};
  const int band = cluster % 3;
  return hsl_to_rgb(hue, kSat[band], kLight[band]);
}

int cluster_from_color(Rgb color, int clusters, int tolerance) {
  int best = -1, best_diff = tolerance + 1;
  for (int c = 0; c < clusters; ++c) {
    const Rgb p = cluster_color(c);
    const int diff = std::max({std::abs(p.r - color.r), std::abs(p.g - color.g), std::abs(p.b - color.b)});
    if (diff < best_diff) {
      best_diff = diff;
      best = c;
    }
  }
  return best;
}

Rgb density_color(double d) {
  if (std::isnan(d)) return Rgb{110, 110, 110};
  d = std::clamp(d, 0.0, 1.0);
  // dark blue → teal → yellow: sparse reads dark, dense reads bright.
  static constexpr double kStops[3][3] = {{20, 24, 82}, {20, 150, 140}, {250, 230, 60}};
  const double t = d * 2.0;
  const int i = std::min(static_cast<int>(t), 1);
  const double f = t - i;
  auto mix = [&](int ch) {
    return static_cast<std::uint8_t>(std::lround(kStops[i][ch] + (kStops[i + 1][ch] - kStops[i][ch]) * f));
  };
  return Rgb{mix(0), mix(1), mix(2)};
}

int video_frame_for_latent(int latent_frame, int latent_frames, int video_frames) {
  if (video_frames <= 0) return 0;
  int f = latent_frame <= 0 ? 0 : 4 * latent_frame;
  // A video whose length does not follow 4n+1 (e.g. a preview) is spread evenly instead.
  if (latent_frames > 0 && video_frames != 4 * (latent_frames - 1) + 1)
    f = latent_frames <= 1
            ? 0
            : static_cast<int>(std::lround(double(latent_frame) * (video_frames - 1) / (latent_frames - 1)));
  return std::clamp(f, 0, video_frames - 1);
}

namespace {

void check_style(const ClusterMapStyle& style) {
  SVG2_CHECK(style.cell_px >= 1 && style.cell_px <= 64, "cluster map cell size {} px outside [1, 64]",
             style.cell_px);
  SVG2_CHECK(style.overlay_alpha >= 0.0 && style.overlay_alpha <= 1.0,
             "cluster map overlay alpha {} outside [0, 1]", style.overlay_alpha);
}

}  // namespace

Image cluster_map_frame(const ClusterSnapshot& s, ClusterSide side, int frame, const ClusterMapStyle& style,
                        const Image& background) {
  check_cluster_snapshot(s);
  check_style(style);
  SVG2_CHECK(frame >= 0 && frame < s.grid_f, "latent frame {} outside [0, {})", frame, s.grid_f);
  const auto& labels = cluster_labels(s, side);
  const int w = s.grid_w * style.cell_px, h = s.grid_h * style.cell_px;
  Image out = cluster_draw::blank(w, h, Rgb{0, 0, 0});
  const bool overlay = !background.empty();
  const double a = overlay ? style.overlay_alpha : 1.0;
  const std::size_t frame_offset = static_cast<std::size_t>(frame) * s.grid_h * s.grid_w;
  // One colour per cluster, not per pixel: the HSL conversion per pixel was most of the inspector
  // panel's per-step work on the UI thread. (Labels are checked to lie in [0, clusters).)
  std::vector<Rgb> palette(static_cast<std::size_t>(cluster_count(s, side)));
  for (std::size_t c = 0; c < palette.size(); ++c) palette[c] = cluster_color(static_cast<int>(c));
  for (int y = 0; y < h; ++y) {
    const int ty = y / style.cell_px;
    const int by = overlay ? std::min(y * background.height / h, background.height - 1) : 0;
    for (int x = 0; x < w; ++x) {
      const int tx = x / style.cell_px;
      const Rgb c = palette[static_cast<std::size_t>(
          labels[frame_offset + static_cast<std::size_t>(ty) * s.grid_w + tx])];
      std::uint8_t* p = out.rgb.data() + (static_cast<std::size_t>(y) * w + x) * 3;
      if (!overlay) {
        p[0] = c.r;
        p[1] = c.g;
        p[2] = c.b;
        continue;
      }
      const int bx = std::min(x * background.width / w, background.width - 1);
      const std::uint8_t* b =
          background.rgb.data() + (static_cast<std::size_t>(by) * background.width + bx) * 3;
      p[0] = static_cast<std::uint8_t>(std::lround(a * c.r + (1 - a) * b[0]));
      p[1] = static_cast<std::uint8_t>(std::lround(a * c.g + (1 - a) * b[1]));
      p[2] = static_cast<std::uint8_t>(std::lround(a * c.b + (1 - a) * b[2]));
    }
  }
  return out;
}

namespace {

Image preview_frame_for(const Video* preview, int latent_frame, int latent_frames) {
  if (preview == nullptr || preview->empty()) return {};
  return frame_image(*preview, video_frame_for_latent(latent_frame, latent_frames, preview->frames));
}

}  // namespace

Image cluster_map_sheet(const ClusterSnapshot& s, ClusterSide side, const ClusterMapStyle& style,
                        const Video* preview) {
  check_cluster_snapshot(s);
  check_style(style);
  constexpr int kGap = 4, kPad = 6, kScale = 2;
  const int fw = s.grid_w * style.cell_px, fh = s.grid_h * style.cell_px;
  const int line = text_height(kScale) + 4;
  const std::string title =
      fmt::format("{} clusters  step {}  layer {}  head {}  {} clusters  density {:.1f}%", to_string(side),
                  s.step, s.layer, s.head, cluster_count(s, side), s.density * 100.0);
  // Legend: the largest clusters, as many as fit in a few columns.
  const auto& sizes = cluster_sizes(s, side);
  std::vector<int> order(sizes.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return sizes[a] > sizes[b]; });
  const int maps_w = s.grid_f * fw + (s.grid_f - 1) * kGap;
  const int entry_w = text_width("#0000 00000", kScale) + line + 8;
  const int width = std::max({maps_w, text_width(title, kScale), entry_w}) + 2 * kPad;
  const int columns = std::max(1, (width - 2 * kPad) / entry_w);
  const int shown = std::min<int>(static_cast<int>(order.size()), columns * 4);
  const int legend_rows = (shown + columns - 1) / columns;
  const int height = kPad + line + fh + kPad + legend_rows * line + kPad;
  Image out = cluster_draw::blank(width, height, cluster_draw::kBackground);
  draw_text(out, kPad, kPad, title, kScale, cluster_draw::kText);
  for (int f = 0; f < s.grid_f; ++f)
    cluster_draw::blit(out, cluster_map_frame(s, side, f, style, preview_frame_for(preview, f, s.grid_f)),
                       kPad + f * (fw + kGap), kPad + line);
  const int legend_y = kPad + line + fh + kPad;
  for (int i = 0; i < shown; ++i) {
    const int x = kPad + (i % columns) * entry_w, y = legend_y + (i / columns) * line;
    const int id = order[static_cast<std::size_t>(i)];
    cluster_draw::fill_rect(out, x, y, x + line - 4, y + line - 4, cluster_color(id));
    draw_text(out, x + line, y, fmt::format("#{} {}", id, sizes[static_cast<std::size_t>(id)]), kScale,
              cluster_draw::kDimText);
  }
  return out;
}

Video cluster_map_animation(const ClusterSnapshot& s, ClusterSide side, const ClusterMapStyle& style,
                            const Video* preview, double fps) {
  check_cluster_snapshot(s);
  SVG2_CHECK(fps > 0 && fps <= 240, "animation fps {} outside (0, 240]", fps);
  Video out;
  out.fps = fps;
  for (int f = 0; f < s.grid_f; ++f) {
    const Image frame = cluster_map_frame(s, side, f, style, preview_frame_for(preview, f, s.grid_f));
    out.width = frame.width;
    out.height = frame.height;
    out.rgb.insert(out.rgb.end(), frame.rgb.begin(), frame.rgb.end());
    ++out.frames;
  }
  return out;
}

}  // namespace svg2

// Cluster maps, block map, heatmaps and the adjusted Rand index; the synthetic-region recovery
// through the real SVG2 backend and the map pictures.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>

#include "svg2/cluster_maps.h"
#include "svg2/error.h"
#include "svg2/inspect_clusters.h"
#include "svg2/media.h"

namespace svg2 {
namespace {

ClusterSnapshot small_snapshot() {
  ClusterSnapshot s;
  s.grid_f = 2;
  s.grid_h = 2;
  s.grid_w = 3;
  s.query_clusters = 2;
  s.key_clusters = 3;
  s.q_labels = {0, 0, 1, 0, 1, 1, 1, 1, 1, 0, 0, 0};
  s.q_sizes = {6, 6};
  s.k_labels = {0, 1, 2, 0, 1, 2, 0, 1, 2, 2, 2, 2};
  s.k_sizes = {3, 3, 6};
  s.block_mask = {1, 0, 1, 0, 1, 0};
  s.density = 0.5;
  return s;
}

Rgb pixel(const Image& image, int x, int y) {
  const std::uint8_t* p = image.rgb.data() + (static_cast<std::size_t>(y) * image.width + x) * 3;
  return Rgb{p[0], p[1], p[2]};
}

// Reads the labels back from a painted (non-overlaid) map: the centre pixel of every token cell.
std::vector<std::int32_t> labels_from_maps(const ClusterSnapshot& s, ClusterSide side, int cell) {
  std::vector<std::int32_t> labels;
  ClusterMapStyle style;
  style.cell_px = cell;
  for (int f = 0; f < s.grid_f; ++f) {
    const Image map = cluster_map_frame(s, side, f, style);
    for (int y = 0; y < s.grid_h; ++y)
      for (int x = 0; x < s.grid_w; ++x)
        labels.push_back(
            cluster_from_color(pixel(map, x * cell + cell / 2, y * cell + cell / 2), cluster_count(s, side)));
  }
  return labels;
}

TEST(ClusterMaps, AdjustedRandIndexKnownValues) {
  EXPECT_DOUBLE_EQ(adjusted_rand_index({0, 0, 1, 1}, {5, 5, 2, 2}), 1.0);  // renaming does not matter
  EXPECT_NEAR(adjusted_rand_index({0, 0, 0, 1, 1, 1}, {0, 0, 1, 1, 2, 2}), 0.2424, 1e-3);  // sklearn's value
  EXPECT_LT(adjusted_rand_index({0, 1, 0, 1, 0, 1, 0, 1}, {0, 0, 0, 0, 1, 1, 1, 1}), 0.0);
  EXPECT_THROW(adjusted_rand_index({0, 1}, {0}), Error);
}

TEST(ClusterMaps, PaletteIsDistinctAndInvertible) {
  std::set<std::tuple<int, int, int>> seen;
  for (int c = 0; c < 300; ++c) {
    const Rgb color = cluster_color(c);
    EXPECT_TRUE(seen.insert({color.r, color.g, color.b}).second) << "cluster " << c << " repeats a colour";
    EXPECT_EQ(cluster_from_color(color, 300), c);
  }
}

TEST(ClusterMaps, FramePaintsEveryTokenInItsClusterColour) {
  const ClusterSnapshot s = small_snapshot();
  EXPECT_EQ(labels_from_maps(s, ClusterSide::Query, 5), s.q_labels);
  EXPECT_EQ(labels_from_maps(s, ClusterSide::Key, 3), s.k_labels);
  ClusterMapStyle style;
  style.cell_px = 4;
  const Image frame = cluster_map_frame(s, ClusterSide::Query, 1, style);
  EXPECT_EQ(frame.width, 12);
  EXPECT_EQ(frame.height, 8);
}

TEST(ClusterMaps, OverlayBlendsWithThePreviewFrame) {
  const ClusterSnapshot s = small_snapshot();
  Image white;
  white.width = 30;
  white.height = 20;
  white.rgb.assign(30 * 20 * 3, 255);
  ClusterMapStyle style;
  style.cell_px = 4;
  style.overlay_alpha = 0.5;
  const Image map = cluster_map_frame(s, ClusterSide::Query, 0, style, white);
  const Rgb c = cluster_color(0);
  const Rgb p = pixel(map, 1, 1);
  EXPECT_NEAR(p.r, (c.r + 255) / 2.0, 1.0);
  EXPECT_NEAR(p.g, (c.g + 255) / 2.0, 1.0);
}

TEST(ClusterMaps, LatentToVideoFrames) {
  EXPECT_EQ(video_frame_for_latent(0, 3, 9), 0);
  EXPECT_EQ(video_frame_for_latent(1, 3, 9), 4);
  EXPECT_EQ(video_frame_for_latent(2, 3, 9), 8);
  EXPECT_EQ(video_frame_for_latent(2, 3, 3), 2);  // not 4n+1: spread evenly
}

TEST(ClusterMaps, BadSnapshotsAreClearErrors) {
  ClusterSnapshot s = small_snapshot();
  s.q_labels[3] = 7;
  try {
    check_cluster_snapshot(s);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("label 7 outside [0, 2)"), std::string::npos) << e.what();
  }
  s = small_snapshot();
  s.grid_w = 4;
  EXPECT_THROW(cluster_map_frame(s, ClusterSide::Query, 0), Error);
  s = small_snapshot();
  s.block_mask.pop_back();
  EXPECT_THROW(block_map_image(s), Error);
  EXPECT_THROW(cluster_map_frame(small_snapshot(), ClusterSide::Query, 2), Error);
  EXPECT_THROW(cluster_side_from_string("values"), Error);
}

TEST(ClusterMaps, BlockMapCellsProportionalToClusterSizes) {
  const ClusterSnapshot s = small_snapshot();
  const auto rows = cluster_edges(s.q_sizes), cols = cluster_edges(s.k_sizes);
  EXPECT_EQ(rows, (std::vector<double>{0.0, 0.5, 1.0}));
  EXPECT_EQ(cols, (std::vector<double>{0.0, 0.25, 0.5, 1.0}));
  // pairs kept: q0 x (k0 + k2) = 6 * 9, q1 x k1 = 6 * 3 of 144.
  EXPECT_NEAR(block_pair_fraction(s), (54.0 + 18.0) / 144.0, 1e-12);
  const Image map = block_map_image(s, 400);
  // Plot origin at (6, 6 + title line): sample one kept and one skipped cell of query cluster 0.
  const int y0 = 6 + text_height(2) + 4;
  const Rgb kept = pixel(map, 6 + 50, y0 + 100), skipped = pixel(map, 6 + 150, y0 + 100);
  const Rgb c0 = cluster_color(0);
  EXPECT_EQ(std::tie(kept.r, kept.g, kept.b), std::tie(c0.r, c0.g, c0.b));
  EXPECT_LT(skipped.r + skipped.g + skipped.b, kept.r + kept.g + kept.b);
  const Rgb kept_wide = pixel(map, 6 + 300, y0 + 100);  // k2 spans [0.5, 1)
  EXPECT_EQ(std::tie(kept_wide.r, kept_wide.g, kept_wide.b), std::tie(c0.r, c0.g, c0.b));
}

TEST(ClusterMaps, DensityGridsFromCallStats) {
  std::vector<AttentionCallStats> calls(3);
  calls[0].step = 2;
  calls[0].layer = 1;
  calls[0].sparse = true;
  calls[0].head_density = {0.2f, 0.4f};
  calls[1] = calls[0];
  calls[1].branch = 1;
  calls[1].head_density = {0.4f, 0.6f};
  calls[2].step = 2;
  calls[2].layer = 0;  // dense layer
  const ValueGrid g = layer_head_density(calls, 2);
  ASSERT_EQ(g.rows, 2);
  ASSERT_EQ(g.cols, 2);
  EXPECT_EQ(g.row_ids, (std::vector<int>{0, 1}));
  EXPECT_DOUBLE_EQ(g.at(0, 0), 1.0);
  EXPECT_NEAR(g.at(1, 0), 0.3, 1e-6);
  EXPECT_NEAR(g.at(1, 1), 0.5, 1e-6);
  const ValueGrid unconditional = layer_head_density(calls, 2, 1);  // layer 1 only
  ASSERT_EQ(unconditional.rows, 1);
  EXPECT_NEAR(unconditional.at(0, 1), 0.6, 1e-6);
  const Image heat = heatmap_image(g, "density", 16);
  EXPECT_GT(heat.width, 32);
  EXPECT_EQ(cluster_size_histogram({1, 2, 10, 10}, 5), (std::vector<int>{1, 1, 0, 0, 2}));
}

// The acceptance test: tokens whose true clusters are spatial regions (four background
// quadrants and a moving square) go through the real SVG2 backend (k-means on Q and K, block
// selection, telemetry recorder); the labels read back from the painted maps match the regions with
// an adjusted Rand index >= 0.9 for every clustering: 16 seeds, 2 heads, query and key. (Plain
// k-means++ merged two regions in 1 of 32 clusterings over 8 seeds; the engine's greedy k-means++
// recovers all of 400 over 100 seeds.)
TEST(ClusterMaps, RecoversSpatialRegionsThroughSvg2) {
  int clusterings = 0;
  double worst = 1.0;
  for (std::uint64_t seed = 0; seed < 16; ++seed) {
    SyntheticClustersOptions o;
    o.frames = 4;
    o.height = 12;
    o.width = 16;
    o.heads = 2;
    o.seed = seed;
    o.noise = 0.05;
    const SyntheticClusters syn = make_synthetic_clusters(o);
    ASSERT_EQ(syn.telemetry.clusters.size(), 2u);
    ASSERT_EQ(syn.telemetry.calls.size(), 1u);
    for (const ClusterSnapshot& s : syn.telemetry.clusters) {
      ASSERT_EQ(s.grid_f * s.grid_h * s.grid_w, static_cast<int>(syn.truth.size()));
      for (ClusterSide side : {ClusterSide::Query, ClusterSide::Key}) {
        const auto painted = labels_from_maps(s, side, 4);
        EXPECT_EQ(painted, cluster_labels(s, side));
        const double ari = adjusted_rand_index(painted, syn.truth);
        ++clusterings;
        worst = std::min(worst, ari);
        EXPECT_GE(ari, 0.9) << "seed " << seed << " head " << s.head << " " << to_string(side);
      }
      EXPECT_GT(s.density, 0.0);
      EXPECT_LE(s.density, 1.0);
      if (seed != 0) continue;
      // The moving object stays one cluster across frames.
      std::set<std::int32_t> object_clusters;
      for (std::size_t i = 0; i < syn.truth.size(); ++i)
        if (syn.truth[i] == 4) object_clusters.insert(s.q_labels[i]);
      EXPECT_EQ(object_clusters.size(), 1u) << "head " << s.head;
    }
  }
  std::printf("%d clusterings, lowest ARI %.4f\n", clusterings, worst);
}

}  // namespace
}  // namespace svg2

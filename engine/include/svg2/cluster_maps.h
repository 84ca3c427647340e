#pragma once
// Pictures of what SVG2 clustered and kept, drawn from the attention telemetry (svg2/telemetry.h):
// token → cluster maps over the latent frames, the block-sparse map (query × key clusters with cells
// proportional to cluster sizes), density heatmaps and cluster-size histograms. Plain C++: the
// `svg2 inspect clusters` CLI writes these as PNG/GIF/MP4, and the inspector panel uses the same
// colours, geometry and statistics so both show the same thing.
#include <cstdint>
#include <string>
#include <vector>

#include "svg2/media.h"
#include "svg2/telemetry.h"
#include "svg2/video.h"

namespace svg2 {

enum class ClusterSide { Query, Key };
std::string to_string(ClusterSide side);                        // "query", "key"
ClusterSide cluster_side_from_string(const std::string& name);  // "query"/"q"/"key"/"k"; throws

// ---- Snapshot access --------------------------------------------------------------------------

const std::vector<std::int32_t>& cluster_labels(const ClusterSnapshot& snapshot, ClusterSide side);
const std::vector<std::int32_t>& cluster_sizes(const ClusterSnapshot& snapshot, ClusterSide side);
int cluster_count(const ClusterSnapshot& snapshot, ClusterSide side);

// Throws svg2::Error when the snapshot is inconsistent: grid f*h*w differs from the label count,
// a label is outside [0, clusters), sizes do not match the labels, or the mask is not QC x KC.
void check_cluster_snapshot(const ClusterSnapshot& snapshot);

// ---- Colours ----------------------------------------------------------------------------------

// Stable, well separated colour of a cluster id (golden-angle hues over three lightness bands):
// the same cluster has the same colour in every view, frame and export.
Rgb cluster_color(int cluster);
// The cluster in [0, clusters) whose colour is nearest `color` (exact palette lookups for tests
// and hover in exported images); -1 when none is within `tolerance` (max channel difference).
int cluster_from_color(Rgb color, int clusters, int tolerance = 2);
// Density in [0, 1] on a dark-blue → yellow ramp; NaN (no data) is mid gray.
Rgb density_color(double density);

// ---- Token → cluster maps ---------------------------------------------------------------------

struct ClusterMapStyle {
  int cell_px = 8;             // pixels per token, in [1, 64]
  double overlay_alpha = 0.6;  // weight of the cluster colour over the preview frame, in [0, 1]
};

// The video frame shown under latent frame `latent_frame` of `latent_frames`: Wan's VAE maps
// latent frame 0 to video frame 0 and latent frame f > 0 to video frames 4f-3..4f (the last is used).
int video_frame_for_latent(int latent_frame, int latent_frames, int video_frames);

// One latent frame: grid_h x grid_w tokens, each a cell_px square in its cluster's colour,
// blended over `background` (any size, resampled to the map) when it is not empty.
Image cluster_map_frame(const ClusterSnapshot& snapshot, ClusterSide side, int frame,
                        const ClusterMapStyle& style = {}, const Image& background = {});

// Every latent frame left to right (4 px apart) under a title line, with a legend of the largest
// clusters (swatch, id, size) below. `preview` (optional) is the video the frames overlay.
Image cluster_map_sheet(const ClusterSnapshot& snapshot, ClusterSide side, const ClusterMapStyle& style = {},
                        const Video* preview = nullptr);

// The map of each latent frame as one video frame (for GIF/MP4 export), at `fps`.
Video cluster_map_animation(const ClusterSnapshot& snapshot, ClusterSide side,
                            const ClusterMapStyle& style = {}, const Video* preview = nullptr,
                            double fps = 4.0);

// ---- Block-sparse map -------------------------------------------------------------------------

// Cumulative cluster sizes as fractions: n + 1 edges from 0 to 1, cluster i spans
// [edges[i], edges[i+1]). All zero sizes give equal spans.
std::vector<double> cluster_edges(const std::vector<std::int32_t>& sizes);

// Query clusters (rows) x key clusters (columns), cell sizes proportional to cluster sizes;
// computed blocks bright (the row's query-cluster colour), skipped ones dark; a title line states
// the density. `size_px` is the square plot's side, in [32, 4096].
Image block_map_image(const ClusterSnapshot& snapshot, int size_px = 512);
// The square plot alone (no title), for the panel's texture.
Image block_map_plot(const ClusterSnapshot& snapshot, int size_px);

// Fraction of (query, key) token pairs inside computed blocks: sum M_ij |Q_i||K_j| / S^2
// (token counts, the definition the backends report without the norm weighting).
double block_pair_fraction(const ClusterSnapshot& snapshot);

// ---- Heatmaps and histograms ------------------------------------------------------------------

// rows x cols values, row-major; NaN = no data.
struct ValueGrid {
  int rows = 0, cols = 0;
  std::vector<double> values;
  std::vector<int> row_ids, col_ids;  // labels (layer, head or step numbers) of rows/columns
  double at(int r, int c) const { return values[static_cast<std::size_t>(r) * cols + c]; }
};

// Density per layer (rows) x head (columns) of one step and CFG branch (-1 = mean over branches),
// from the per-call statistics. Layers run dense count as density 1.
ValueGrid layer_head_density(const std::vector<AttentionCallStats>& calls, int step, int branch = -1);
// Mean density over heads per step (rows) x layer (columns).
ValueGrid step_layer_density(const std::vector<AttentionCallStats>& calls, int branch = -1);

// A heatmap of `grid` in density colours with row/column labels and a title.
Image heatmap_image(const ValueGrid& grid, const std::string& title, int cell_px = 16);

// Histogram of cluster sizes (tokens per cluster) in `bins` equal-width bins from 0 to the largest.
std::vector<int> cluster_size_histogram(const std::vector<std::int32_t>& sizes, int bins);
Image histogram_image(const std::vector<std::int32_t>& sizes, int bins, const std::string& title,
                      int width = 400, int height = 200);

// ---- Agreement --------------------------------------------------------------------------------

// Adjusted Rand index of two labelings of the same items (1 = identical partitions up to renaming,
// about 0 = chance). Throws svg2::Error when the lengths differ or are empty.
double adjusted_rand_index(const std::vector<std::int32_t>& a, const std::vector<std::int32_t>& b);

}  // namespace svg2

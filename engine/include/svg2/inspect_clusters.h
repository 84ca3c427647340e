#pragma once
// `svg2 inspect clusters`: the inspector's maps without a GUI. The cluster data of a render comes
// from re-running the render's parameters (its JSON sidecar) with telemetry sampling the chosen
// layer and head (renders are deterministic for a seed on one device, so the re-run clusters what
// the original did), or from synthetic Q/K with known spatial regions through the real SVG2 backend.
#include <cstdint>
#include <string>
#include <vector>

#include "svg2/cluster_maps.h"
#include "svg2/telemetry.h"
#include "svg2/video.h"

namespace svg2 {

// Synthetic tokens on an f x h x w grid whose true clusters are spatial regions: the four quadrants
// of the background plus a square object that moves one step right and down per frame. Each
// region has its own random centre per head; a token's q and k are that centre plus noise.
struct SyntheticClustersOptions {
  int frames = 4, height = 12, width = 16;   // token grid, each in [1, 64]
  int heads = 2;                             // [1, 16]
  int dim = 32;                              // head dim, [4, 256]
  int object_size = 4;                       // side of the moving square in tokens, [1, min(h, w)]
  double noise = 0.25;                       // token spread relative to the centres' scale, [0, 2]
  int query_clusters = 5, key_clusters = 5;  // SVG2's QC / KC
  std::uint64_t seed = 0;
};

struct SyntheticClusters {
  TelemetrySnapshot telemetry;      // per-call stats and one ClusterSnapshot per head
  std::vector<std::int32_t> truth;  // per token (original order): region id, 4 = the object
};

// Runs the SVG2 backend (k-means++ init, top-p 0.9) on the synthetic Q/K/V with a telemetry
// recorder sampling every head. Throws svg2::Error for out-of-range options.
SyntheticClusters make_synthetic_clusters(const SyntheticClustersOptions& options);

struct InspectClustersOptions {
  std::string render;      // render folder or clip file with its JSON sidecar (re-run with telemetry)
  bool synthetic = false;  // use synthetic Q/K instead of a render
  SyntheticClustersOptions synthetic_options;
  std::string device;  // override the render's device for the re-run ("" = the sidecar's)

  int step = -1;   // 0-based denoising step; -1 = the last step
  int layer = -1;  // DiT layer; -1 = the first sparse layer (attention.dense_layers)
  int head = 0;
  int branch = 0;  // CFG branch: 0 = conditional, 1 = unconditional
  ClusterSide side = ClusterSide::Query;

  std::string out;            // PNG of the cluster map sheet (all latent frames + legend); required
  std::string blocks_out;     // optional PNG: block-sparse map
  std::string density_out;    // optional PNG: density over layers x heads at the step
  std::string histogram_out;  // optional PNG: cluster-size histogram
  std::string animation_out;  // optional GIF/MP4: the map over latent frames
  int cell_px = 8;            // pixels per token, [1, 64]
  bool overlay = true;        // paint over the render's frames (the preview at that step)
};

struct InspectClustersResult {
  ClusterSnapshot snapshot;               // the chosen head's clusters
  std::vector<AttentionCallStats> calls;  // every self-attention call seen (all steps and layers)
  std::vector<std::string> written;       // files written
  std::string json;                       // summary: which step/layer/head, sizes, density, files
};

// Throws svg2::Error naming the option, file or missing step/layer/head.
InspectClustersResult run_inspect_clusters(const InspectClustersOptions& options);

}  // namespace svg2

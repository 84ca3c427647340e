// Synthetic Q/K whose true clusters are spatial regions, clustered by the real SVG2 backend.
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/ops/randn.h>
#include <ATen/ops/tensor.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "attention/backend.h"
#include "attention/factory.h"
#include "attention/telemetry_recorder.h"
#include "core/check.h"
#include "svg2/inspect_clusters.h"

namespace svg2 {

namespace {

constexpr int kObjectRegion = 4;

// Region of token (f, y, x): the moving square wins over the background quadrant under it.
int region_of(const SyntheticClustersOptions& o, int f, int y, int x) {
  const int ox = std::min(f, o.width - o.object_size), oy = std::min(f, o.height - o.object_size);
  if (x >= ox && x < ox + o.object_size && y >= oy && y < oy + o.object_size) return kObjectRegion;
  return (y >= o.height / 2 ? 2 : 0) + (x >= o.width / 2 ? 1 : 0);
}

void check_options(const SyntheticClustersOptions& o) {
  auto in = [](int v, int lo, int hi) { return v >= lo && v <= hi; };
  SVG2_CHECK(in(o.frames, 1, 64) && in(o.height, 1, 64) && in(o.width, 1, 64),
             "synthetic clusters: grid {}x{}x{} outside [1, 64] per axis", o.frames, o.height, o.width);
  SVG2_CHECK(in(o.heads, 1, 16), "synthetic clusters: heads {} outside [1, 16]", o.heads);
  SVG2_CHECK(in(o.dim, 4, 256), "synthetic clusters: dim {} outside [4, 256]", o.dim);
  SVG2_CHECK(in(o.object_size, 1, std::min(o.height, o.width)),
             "synthetic clusters: object size {} outside [1, {}]", o.object_size,
             std::min(o.height, o.width));
  SVG2_CHECK(o.noise >= 0 && o.noise <= 2, "synthetic clusters: noise {} outside [0, 2]", o.noise);
  const int tokens = o.frames * o.height * o.width;
  SVG2_CHECK(in(o.query_clusters, 1, tokens) && in(o.key_clusters, 1, tokens),
             "synthetic clusters: query/key clusters {}/{} outside [1, {} tokens]", o.query_clusters,
             o.key_clusters, tokens);
}

}  // namespace

SyntheticClusters make_synthetic_clusters(const SyntheticClustersOptions& o) {
  check_options(o);
  const std::int64_t s = std::int64_t{o.frames} * o.height * o.width, d = o.dim, heads = o.heads;
  SyntheticClusters out;
  out.truth.resize(static_cast<std::size_t>(s));
  for (int f = 0, i = 0; f < o.frames; ++f)
    for (int y = 0; y < o.height; ++y)
      for (int x = 0; x < o.width; ++x, ++i) out.truth[static_cast<std::size_t>(i)] = region_of(o, f, y, x);

  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(o.seed);
  const at::Tensor centres = at::randn({heads, kObjectRegion + 1, d}, gen, at::kFloat);  // [H, R, D]
  std::vector<std::int64_t> truth64(out.truth.begin(), out.truth.end());
  const at::Tensor region = at::tensor(truth64, at::kLong);   // [S]
  const at::Tensor centre = centres.index_select(1, region);  // [H, S, D]
  const at::Tensor q = (centre + at::randn({heads, s, d}, gen, at::kFloat) * o.noise).unsqueeze(0);
  const at::Tensor k = (centre + at::randn({heads, s, d}, gen, at::kFloat) * o.noise).unsqueeze(0);
  const at::Tensor v = at::randn({1, heads, s, d}, gen, at::kFloat);

  AttentionConfig config;
  config.mode = AttentionMode::Svg2;
  config.query_clusters = o.query_clusters;
  config.key_clusters = o.key_clusters;
  config.kmeans_init = KMeansInit::KMeansPlusPlus;
  config.seed = o.seed;
  auto backend = attention::make_sparse_backend(config);

  TelemetryOptions telemetry;
  telemetry.enabled = true;
  telemetry.sample_layers = {0};
  telemetry.sample_heads.resize(static_cast<std::size_t>(heads));
  std::iota(telemetry.sample_heads.begin(), telemetry.sample_heads.end(), 0);
  attention::TelemetryRecorder recorder(telemetry);

  attention::AttentionContext ctx;
  ctx.grid_f = o.frames;
  ctx.grid_h = o.height;
  ctx.grid_w = o.width;
  ctx.telemetry = &recorder;
  backend->forward(q, k, v, ctx);
  out.telemetry = recorder.drain();
  return out;
}

}  // namespace svg2

// `svg2 inspect clusters` end to end on synthetic Q/K (the real SVG2 backend, no model needed):
// the pictures are written and the options are checked with clear errors.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <set>
#include <tuple>

#include "svg2/error.h"
#include "svg2/inspect_clusters.h"
#include "svg2/media.h"

namespace svg2 {
namespace {

TEST(InspectClusters, SyntheticWritesPictures) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("svg2_inspect_clusters_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  InspectClustersOptions o;
  o.synthetic = true;
  o.head = 1;
  o.side = ClusterSide::Key;
  o.out = (dir / "map.png").string();
  o.blocks_out = (dir / "blocks.png").string();
  o.density_out = (dir / "density.png").string();
  o.histogram_out = (dir / "hist.png").string();
  const InspectClustersResult r = run_inspect_clusters(o);
  EXPECT_EQ(r.snapshot.head, 1);
  EXPECT_EQ(r.written.size(), 4u);
  const Image map = read_png(o.out);
  EXPECT_GT(map.width, 4 * 16 * 8);
  std::set<std::tuple<int, int, int>> colours;
  for (std::size_t i = 0; i < map.rgb.size(); i += 3)
    colours.insert({map.rgb[i], map.rgb[i + 1], map.rgb[i + 2]});
  EXPECT_GE(colours.size(), 6u);  // 5 cluster colours + background + text
  EXPECT_NE(r.json.find("adjusted_rand_index_query"), std::string::npos);

  o.head = 9;
  EXPECT_THROW(run_inspect_clusters(o), Error);
  o.head = 0;
  o.out = (dir / "missing" / "map.png").string();
  EXPECT_THROW(run_inspect_clusters(o), Error);
  o.out.clear();
  EXPECT_THROW(run_inspect_clusters(o), Error);
  std::filesystem::remove_all(dir);
}

TEST(InspectClusters, RenderWithoutSidecarIsAClearError) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("svg2_inspect_nosidecar_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  InspectClustersOptions o;
  o.render = (dir / "missing-render").string();
  o.out = (dir / "map.png").string();
  EXPECT_THROW(run_inspect_clusters(o), Error);
  o.synthetic = true;  // both sources at once
  EXPECT_THROW(run_inspect_clusters(o), Error);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace svg2

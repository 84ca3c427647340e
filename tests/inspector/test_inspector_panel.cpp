// The ImGui inspector panel inside Qt, under Xvfb: it renders non-trivial views from telemetry,
// selecting step/layer/head/side updates them, the history stays bounded, it asks for telemetry
// while shown and turns it off when hidden, and it exports the view (PNG) and the map animation.
#include <gtest/gtest.h>

#include <QApplication>
#include <QImage>
#include <QTest>

#include <filesystem>
#include <set>

#include "inspector/inspector_panel.h"
#include "svg2/cluster_maps.h"
#include "svg2/error.h"
#include "svg2/inspect_clusters.h"
#include "svg2/media.h"

namespace svg2::ui {
namespace {

// Two steps x two layers of synthetic SVG2 clusterings (2 heads each), as the engine would send.
std::vector<TelemetrySnapshot> synthetic_render() {
  std::vector<TelemetrySnapshot> out;
  for (int step = 2; step <= 3; ++step) {
    TelemetrySnapshot t;
    t.step = step;
    for (int layer = 1; layer <= 2; ++layer) {
      SyntheticClustersOptions o;
      o.seed = static_cast<std::uint64_t>(step * 10 + layer);
      o.query_clusters = layer == 1 ? 5 : 8;
      o.key_clusters = layer == 1 ? 5 : 12;
      SyntheticClusters s = make_synthetic_clusters(o);
      for (auto& c : s.telemetry.calls) {
        c.step = step;
        c.layer = layer;
        t.calls.push_back(c);
      }
      for (auto& c : s.telemetry.clusters) {
        c.step = step;
        c.layer = layer;
        t.clusters.push_back(c);
      }
    }
    AttentionCallStats dense;  // layer 0 runs dense
    dense.step = step;
    t.calls.push_back(dense);
    out.push_back(std::move(t));
  }
  return out;
}

QImage render(InspectorPanel& panel) {
  panel.update();
  for (int i = 0; i < 6; ++i) {
    QApplication::processEvents();
    QTest::qWait(20);
  }
  return panel.grabFramebuffer().convertToFormat(QImage::Format_RGB888);
}

std::size_t distinct_colours(const QImage& image) {
  std::set<QRgb> colours;
  for (int y = 0; y < image.height(); y += 2)
    for (int x = 0; x < image.width(); x += 2) colours.insert(image.pixel(x, y));
  return colours.size();
}

// Pixels showing one of the first `clusters` cluster colours (the block map draws them unblended).
int cluster_coloured_pixels(const QImage& image, int clusters) {
  int n = 0;
  for (int y = 0; y < image.height(); ++y)
    for (int x = 0; x < image.width(); ++x) {
      const QRgb p = image.pixel(x, y);
      if (cluster_from_color(Rgb{static_cast<std::uint8_t>(qRed(p)), static_cast<std::uint8_t>(qGreen(p)),
                                 static_cast<std::uint8_t>(qBlue(p))},
                             clusters, 3) >= 0)
        ++n;
    }
  return n;
}

Video checker_preview(int frames) {
  Video v;
  v.frames = frames;
  v.width = 64;
  v.height = 48;
  v.rgb.resize(v.frame_bytes() * frames);
  for (std::size_t i = 0; i < v.rgb.size(); ++i)
    v.rgb[i] = static_cast<std::uint8_t>((i / 3 / 8) % 2 ? 200 : 40);
  return v;
}

class InspectorPanelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    panel = std::make_unique<InspectorPanel>();
    panel->resize(1200, 800);
    QObject::connect(panel.get(), &InspectorPanel::telemetryRequested,
                     [this](const TelemetryOptions& o) { requests.push_back(o); });
  }
  std::unique_ptr<InspectorPanel> panel;
  std::vector<TelemetryOptions> requests;
};

TEST_F(InspectorPanelTest, RendersViewsAndSelectionUpdatesThem) {
  panel->show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(panel.get()));
  const QImage empty = render(*panel);
  ASSERT_FALSE(empty.isNull());

  for (const auto& t : synthetic_render()) panel->add_telemetry(t);
  panel->add_preview(4, std::make_shared<const Video>(checker_preview(13)));
  const QImage latest = render(*panel);
  EXPECT_EQ(latest.width(), 1200);
  EXPECT_GT(distinct_colours(latest), 40u) << "views look empty";
  EXPECT_GT(cluster_coloured_pixels(latest, 5), 2000) << "no cluster colours on screen";
  EXPECT_NE(latest, empty);

  // Follows the latest step and the first sampled layer by default.
  const ClusterSnapshot* snap = panel->current_snapshot();
  ASSERT_NE(snap, nullptr);
  EXPECT_EQ(snap->step, 3);
  EXPECT_EQ(snap->layer, 1);
  EXPECT_EQ(snap->head, 0);

  int changes = 0;
  QObject::connect(panel.get(), &InspectorPanel::selectionChanged, [&] { ++changes; });
  InspectorSelection s = panel->selection();
  s.step = 2;
  s.layer = 2;
  s.head = 1;
  panel->set_selection(s);
  EXPECT_EQ(changes, 1);
  snap = panel->current_snapshot();
  ASSERT_NE(snap, nullptr);
  EXPECT_EQ(snap->step, 2);
  EXPECT_EQ(snap->layer, 2);
  EXPECT_EQ(snap->head, 1);
  EXPECT_EQ(snap->query_clusters, 8);
  const QImage other = render(*panel);
  EXPECT_NE(other, latest) << "selecting step/layer/head did not change the view";

  s.side = ClusterSide::Key;
  panel->set_selection(s);
  const QImage keys = render(*panel);
  EXPECT_NE(keys, other) << "switching to key clusters did not change the view";

  s.head = -1;  // aggregated: maps show the lowest sampled head
  panel->set_selection(s);
  ASSERT_NE(panel->current_snapshot(), nullptr);
  EXPECT_EQ(panel->current_snapshot()->head, 0);

  s.layer = 0;  // dense layer: no snapshot, the panel says so instead of drawing stale maps
  panel->set_selection(s);
  EXPECT_EQ(panel->current_snapshot(), nullptr);
  EXPECT_NE(render(*panel), keys);

  const char* dir = SVG2_INSPECTOR_SCREENSHOT_DIR;
  std::filesystem::create_directories(dir);
  latest.save(QString(dir) + "/inspector_latest.png");
  other.save(QString(dir) + "/inspector_step2_layer2_head1.png");
}

TEST_F(InspectorPanelTest, TelemetryRequestedOnlyWhileShown) {
  panel->set_sampling({3, 4}, {0, 2});
  ASSERT_FALSE(requests.empty());
  EXPECT_FALSE(requests.back().enabled);  // not shown yet
  panel->show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(panel.get()));
  EXPECT_TRUE(requests.back().enabled);
  EXPECT_EQ(requests.back().sample_layers, (std::vector<int>{3, 4}));
  EXPECT_EQ(requests.back().sample_heads, (std::vector<int>{0, 2}));
  panel->hide();
  EXPECT_FALSE(requests.back().enabled);
}

TEST_F(InspectorPanelTest, ExportsViewAndAnimation) {
  panel->show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(panel.get()));
  EXPECT_THROW(panel->export_animation("/tmp/none.gif"), Error);  // nothing to export yet
  for (const auto& t : synthetic_render()) panel->add_telemetry(t);
  render(*panel);
  const auto dir = std::filesystem::temp_directory_path() / ("svg2_inspector_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string png = (dir / "view.png").string();
  panel->export_view_png(png);
  const Image view = read_png(png);
  EXPECT_EQ(view.width, 1200);
  EXPECT_EQ(view.height, 800);
  if (video_format_available(VideoFormat::Gif)) {
    const std::string gif = (dir / "clusters.gif").string();
    panel->export_animation(gif);
    EXPECT_EQ(probe_video(gif).frames, 4);  // one frame per latent frame
  }
  std::filesystem::remove_all(dir);
}

TEST(TelemetryHistory, BoundedByBytesOldestStepsFirst) {
  TelemetryHistoryLimits limits;
  limits.max_snapshots = 3;
  TelemetryHistory h(limits);
  for (const auto& t : synthetic_render()) h.add(t);  // 2 steps x 2 layers x 2 heads = 8 snapshots
  EXPECT_EQ(h.snapshot_count(), 3u);
  EXPECT_EQ(h.snapshot_steps(), (std::vector<int>{3}));
  EXPECT_GE(h.dropped(), 5u);
  EXPECT_EQ(h.call_steps(), (std::vector<int>{2, 3}));
  const auto inertia = h.inertia(1, -1);
  EXPECT_EQ(inertia.steps, (std::vector<int>{2, 3}));
  h.clear();
  EXPECT_EQ(h.snapshot_count(), 0u);
  EXPECT_TRUE(h.calls().empty());
}

TEST(InspectorPanelUnits, ParseIndexList) {
  EXPECT_EQ(parse_index_list("0, 2,5-7,2", "layers"), (std::vector<int>{0, 2, 5, 6, 7}));
  EXPECT_THROW(parse_index_list("1,x", "layers"), Error);
  EXPECT_THROW(parse_index_list("-1", "layers"), Error);
  EXPECT_THROW(parse_index_list("5-3", "layers"), Error);
}

}  // namespace
}  // namespace svg2::ui

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}

#pragma once
// Dense vs sparse: synced playback side by side, as a wipe (drag the split or use the slider), or
// as a difference heatmap; per-frame PSNR/SSIM plotted with totals; speed readouts (total, DiT,
// attention, per step, peak memory) with speedups and density.
#include <QWidget>

#include "compare_report.h"
#include "engine_types.h"

class QButtonGroup;
class QComboBox;
class QLabel;
class QSlider;
class QStackedWidget;
class QTableWidget;

namespace svg2::ui {

class FrameView;
class MetricsPlot;
class PlaybackClock;
class TransportBar;

class CompareView : public QWidget {
  Q_OBJECT
 public:
  enum class Mode { SideBySide = 0, Wipe = 1, Difference = 2 };

  explicit CompareView(QWidget* parent = nullptr);

  void set_comparison(const VideoPtr& dense, const VideoPtr& sparse, const CompareReport& report,
                      const QString& title);
  void clear(const QString& message = {});
  bool has_comparison() const { return dense_ && sparse_; }

  void set_mode(Mode mode);
  Mode mode() const;
  void set_wipe_position(double fraction);

  const VideoPtr& dense() const { return dense_; }
  const VideoPtr& sparse() const { return sparse_; }
  const CompareReport& report() const { return report_; }
  PlaybackClock* clock() const { return clock_; }
  MetricsPlot* plot() const { return plot_; }

 private:
  void show_frame(int frame);
  void fill_readouts();

  VideoPtr dense_, sparse_;
  CompareReport report_;
  PlaybackClock* clock_;
  QLabel* title_;
  QButtonGroup* mode_buttons_;
  QComboBox* heat_scale_;
  QComboBox* zoom_;
  QStackedWidget* stack_;
  FrameView* left_;
  FrameView* right_;
  FrameView* wipe_;
  QSlider* wipe_slider_;
  FrameView* difference_;
  QLabel* difference_legend_;
  TransportBar* transport_;
  MetricsPlot* plot_;
  QLabel* totals_;
  QTableWidget* readouts_;
};

}  // namespace svg2::ui

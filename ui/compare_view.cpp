#include "compare_view.h"

#include <QButtonGroup>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSlider>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableWidget>
#include <QVBoxLayout>

#include "frame_view.h"
#include "metrics_plot.h"
#include "playback_clock.h"
#include "qt_video.h"
#include "svg2/media.h"
#include "transport_bar.h"

namespace svg2::ui {

namespace {

QString memory_text(double bytes) {
  if (!(bytes > 0)) return QStringLiteral("—");
  return QString::number(bytes / (1024.0 * 1024 * 1024), 'f', 2) + " GiB";
}

double ratio(double dense, double sparse) {
  return dense > 0 && sparse > 0 ? dense / sparse : 0;
}

}  // namespace

CompareView::CompareView(QWidget* parent) : QWidget(parent) {
  clock_ = new PlaybackClock(this);
  title_ = new QLabel(this);
  title_->setObjectName("compareTitle");
  title_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);  // a long prompt is cut, not widening

  mode_buttons_ = new QButtonGroup(this);
  auto* mode_row = new QHBoxLayout;
  const char* names[] = {"Side by side", "Wipe", "Difference"};
  const char* tips[] = {"Dense left, sparse right, playing in sync",
                        "One picture: dense left of the split, sparse right of it (drag on the picture)",
                        "Per-pixel difference as a heatmap: black = identical"};
  for (int i = 0; i < 3; ++i) {
    auto* button = new QPushButton(names[i], this);
    button->setCheckable(true);
    button->setToolTip(tips[i]);
    button->setObjectName(QString("compareMode%1").arg(i));
    mode_buttons_->addButton(button, i);
    mode_row->addWidget(button);
  }
  mode_buttons_->button(0)->setChecked(true);
  heat_scale_ = new QComboBox(this);
  heat_scale_->setObjectName("heatScale");
  heat_scale_->setToolTip("Difference that maps to full yellow (mean absolute difference over RGB)");
  for (double s : {0.05, 0.10, 0.25, 0.50}) heat_scale_->addItem(QString("full scale %1%").arg(s * 100), s);
  heat_scale_->setCurrentIndex(2);
  zoom_ = new QComboBox(this);
  zoom_->setToolTip("Zoom of both sides");
  zoom_->addItem("Fit", 0.0);
  for (double z : {1.0, 2.0, 4.0}) zoom_->addItem(QString("%1%").arg(z * 100), z);

  auto* header = new QHBoxLayout;
  header->addWidget(title_, 1);
  header->addLayout(mode_row);
  header->addWidget(heat_scale_);
  header->addWidget(zoom_);

  // The three presentations.
  left_ = new FrameView(this);
  right_ = new FrameView(this);
  left_->setObjectName("compareDense");
  right_->setObjectName("compareSparse");
  auto* side = new QWidget(this);
  auto* side_layout = new QHBoxLayout(side);
  side_layout->setContentsMargins(0, 0, 0, 0);
  side_layout->setSpacing(4);
  side_layout->addWidget(left_);
  side_layout->addWidget(right_);

  wipe_ = new FrameView(this);
  wipe_->setObjectName("compareWipe");
  wipe_slider_ = new QSlider(Qt::Horizontal, this);
  wipe_slider_->setObjectName("wipeSlider");
  wipe_slider_->setRange(0, 1000);
  wipe_slider_->setValue(500);
  wipe_slider_->setToolTip("Where the split between dense and sparse sits");
  auto* wipe_page = new QWidget(this);
  auto* wipe_layout = new QVBoxLayout(wipe_page);
  wipe_layout->setContentsMargins(0, 0, 0, 0);
  wipe_layout->addWidget(wipe_, 1);
  wipe_layout->addWidget(wipe_slider_);

  difference_ = new FrameView(this);
  difference_->setObjectName("compareDifference");
  difference_legend_ = new QLabel(this);
  difference_legend_->setWordWrap(true);  // per-frame text: wraps instead of widening the window
  auto* difference_page = new QWidget(this);
  auto* difference_layout = new QVBoxLayout(difference_page);
  difference_layout->setContentsMargins(0, 0, 0, 0);
  difference_layout->addWidget(difference_, 1);
  difference_layout->addWidget(difference_legend_);

  stack_ = new QStackedWidget(this);
  stack_->addWidget(side);
  stack_->addWidget(wipe_page);
  stack_->addWidget(difference_page);

  transport_ = new TransportBar(clock_, this);

  plot_ = new MetricsPlot(this);
  plot_->setObjectName("metricsPlot");
  totals_ = new QLabel(this);
  totals_->setObjectName("compareTotals");
  totals_->setWordWrap(true);
  totals_->setTextFormat(Qt::RichText);
  readouts_ = new QTableWidget(6, 3, this);
  readouts_->setObjectName("speedReadouts");
  readouts_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  readouts_->setSelectionMode(QAbstractItemView::NoSelection);
  readouts_->setVerticalHeaderLabels({"Total", "Denoise", "DiT", "Attention", "Per step", "Peak memory"});
  readouts_->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
  readouts_->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  readouts_->setToolTip(
      "Total = text encoding + denoising + VAE decode (model loading excluded). "
      "Attention is measured per self-attention call (synchronized timing).");
  auto* numbers = new QWidget(this);
  auto* numbers_layout = new QVBoxLayout(numbers);
  numbers_layout->setContentsMargins(0, 0, 0, 0);
  numbers_layout->addWidget(totals_);
  numbers_layout->addWidget(readouts_, 1);
  auto* bottom = new QSplitter(Qt::Horizontal, this);
  bottom->addWidget(plot_);
  bottom->addWidget(numbers);
  bottom->setStretchFactor(0, 3);
  bottom->setStretchFactor(1, 2);

  auto* top = new QWidget(this);
  auto* top_layout = new QVBoxLayout(top);
  top_layout->setContentsMargins(0, 0, 0, 0);
  top_layout->addLayout(header);
  top_layout->addWidget(stack_, 1);
  top_layout->addWidget(transport_);
  auto* split = new QSplitter(Qt::Vertical, this);
  split->addWidget(top);
  split->addWidget(bottom);
  split->setStretchFactor(0, 3);
  split->setStretchFactor(1, 1);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(split);

  connect(clock_, &PlaybackClock::frameChanged, this, &CompareView::show_frame);
  connect(mode_buttons_, &QButtonGroup::idClicked, this, [this](int id) { set_mode(static_cast<Mode>(id)); });
  connect(heat_scale_, &QComboBox::currentIndexChanged, this, [this] { show_frame(clock_->frame()); });
  connect(zoom_, &QComboBox::currentIndexChanged, this, [this] {
    const double z = zoom_->currentData().toDouble();
    for (FrameView* v : {left_, right_, wipe_, difference_}) v->set_zoom(z);
  });
  connect(wipe_slider_, &QSlider::valueChanged, this,
          [this](int v) { wipe_->set_wipe_position(v / 1000.0); });
  connect(wipe_, &FrameView::wipeMoved, this, [this](double f) {
    QSignalBlocker block(wipe_slider_);
    wipe_slider_->setValue(static_cast<int>(f * 1000));
  });
  connect(plot_, &MetricsPlot::frameClicked, this, [this](int frame) {
    clock_->pause();
    clock_->seek(frame);
  });
  set_mode(Mode::SideBySide);
  clear();
}

void CompareView::set_comparison(const VideoPtr& dense, const VideoPtr& sparse, const CompareReport& report,
                                 const QString& title) {
  dense_ = dense;
  sparse_ = sparse;
  report_ = report;
  title_->setText(title);
  title_->setToolTip(title);
  left_->set_labels("Dense", {});
  right_->set_labels(report.sparse_label, {});
  wipe_->set_labels("Dense", report.sparse_label);
  difference_->set_labels("|Dense − " + report.sparse_label + "|", {});
  for (FrameView* v : {left_, right_, wipe_, difference_}) v->set_caption({});
  plot_->set_metrics(report.psnr, report.ssim);
  fill_readouts();
  const int frames = std::min(dense ? dense->frames : 0, sparse ? sparse->frames : 0);
  clock_->set_clip(frames, sparse ? sparse->fps : 16, true);
  show_frame(clock_->frame());
}

void CompareView::clear(const QString& message) {
  dense_.reset();
  sparse_.reset();
  report_ = {};
  title_->setText("Dense vs SVG2");
  const QString hint =
      message.isEmpty() ? QString("Press \"Compare\" to render dense and SVG2 with the same seed") : message;
  for (FrameView* v : {left_, right_, wipe_, difference_}) {
    v->set_image({});
    v->set_wipe_image({});
    v->set_caption(hint);
  }
  plot_->set_metrics({}, {});
  totals_->setText("No comparison yet.");
  for (int r = 0; r < readouts_->rowCount(); ++r)
    for (int c = 0; c < readouts_->columnCount(); ++c) readouts_->setItem(r, c, new QTableWidgetItem("—"));
  readouts_->setHorizontalHeaderLabels({"Dense", "SVG2", "Speedup"});
  clock_->set_clip(0, 16);
}

void CompareView::set_mode(Mode mode) {
  mode_buttons_->button(static_cast<int>(mode))->setChecked(true);
  stack_->setCurrentIndex(static_cast<int>(mode));
  heat_scale_->setVisible(mode == Mode::Difference);
  show_frame(clock_->frame());
}

CompareView::Mode CompareView::mode() const {
  return static_cast<Mode>(stack_->currentIndex());
}

void CompareView::set_wipe_position(double fraction) {
  wipe_slider_->setValue(static_cast<int>(std::clamp(fraction, 0.0, 1.0) * 1000));
}

void CompareView::show_frame(int frame) {
  plot_->set_current_frame(frame);
  if (!has_comparison() || frame >= std::min(dense_->frames, sparse_->frames)) return;
  // Only the visible presentation is drawn (the heatmap costs a pass over the frame).
  switch (mode()) {
    case Mode::SideBySide:
      left_->set_image(frame_to_image(*dense_, frame));
      right_->set_image(frame_to_image(*sparse_, frame));
      break;
    case Mode::Wipe:
      wipe_->set_image(frame_to_image(*dense_, frame));
      wipe_->set_wipe_image(frame_to_image(*sparse_, frame));
      wipe_->set_wipe_position(wipe_slider_->value() / 1000.0);
      break;
    case Mode::Difference: {
      const double scale = heat_scale_->currentData().toDouble();
      difference_->set_image(to_qimage(difference_heatmap(*dense_, *sparse_, frame, scale)));
      double psnr = frame < report_.psnr.size() ? report_.psnr[frame] : 0;
      double ssim = frame < report_.ssim.size() ? report_.ssim[frame] : 0;
      difference_legend_->setText(QString("Frame %1: PSNR %2, SSIM %3 · black = identical, yellow = mean "
                                          "difference ≥ %4% of full range")
                                      .arg(frame + 1)
                                      .arg(format_psnr(psnr), format_ssim(ssim))
                                      .arg(scale * 100));
      break;
    }
  }
}

void CompareView::fill_readouts() {
  const CompareReport& r = report_;
  readouts_->setHorizontalHeaderLabels({"Dense", r.sparse_label, "Speedup"});
  auto set_row = [&](int row, const QString& dense, const QString& sparse, double speedup) {
    readouts_->setItem(row, 0, new QTableWidgetItem(dense));
    readouts_->setItem(row, 1, new QTableWidgetItem(sparse));
    auto* item = new QTableWidgetItem(format_speedup(speedup));
    if (speedup > 0) item->setForeground(speedup >= 1 ? QColor(110, 210, 120) : QColor(255, 120, 110));
    readouts_->setItem(row, 2, item);
  };
  set_row(0, format_duration_ms(r.dense.total_ms), format_duration_ms(r.sparse.total_ms), r.speedup_total);
  set_row(1, format_duration_ms(r.dense.denoise_ms), format_duration_ms(r.sparse.denoise_ms),
          ratio(r.dense.denoise_ms, r.sparse.denoise_ms));
  set_row(2, format_duration_ms(r.dense.dit_ms), format_duration_ms(r.sparse.dit_ms), r.speedup_dit);
  set_row(3, format_duration_ms(r.dense.attention_ms), format_duration_ms(r.sparse.attention_ms),
          r.speedup_attention);
  set_row(4, format_duration_ms(r.dense.per_step_ms), format_duration_ms(r.sparse.per_step_ms),
          ratio(r.dense.per_step_ms, r.sparse.per_step_ms));
  set_row(5, memory_text(r.dense.peak_memory_bytes), memory_text(r.sparse.peak_memory_bytes),
          ratio(r.dense.peak_memory_bytes, r.sparse.peak_memory_bytes));

  QString text = QString("<b>PSNR %1</b> · <b>SSIM %2</b> (mean over %3 frames) · density %4")
                     .arg(format_psnr(r.mean_psnr), format_ssim(r.mean_ssim))
                     .arg(r.psnr.size())
                     .arg(format_percent(r.density));
  text +=
      QString("<br>seed %1 · %2").arg(r.seed).arg(r.device.isEmpty() ? QString("device unknown") : r.device);
  if (r.dense_from_cache) text += " · dense render reused from the cache";
  totals_->setText(text);
}

}  // namespace svg2::ui

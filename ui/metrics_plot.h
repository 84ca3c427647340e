#pragma once
// Per-frame PSNR (left axis, dB) and SSIM (right axis) of a comparison as two lines, with the
// current frame marked; clicking seeks. Identical frames (PSNR = ∞) sit on the top edge.
#include <QVector>
#include <QWidget>

namespace svg2::ui {

class MetricsPlot : public QWidget {
  Q_OBJECT
 public:
  explicit MetricsPlot(QWidget* parent = nullptr);

  void set_metrics(const QVector<double>& psnr, const QVector<double>& ssim);
  void set_current_frame(int frame);

  QSize sizeHint() const override { return {480, 160}; }
  QSize minimumSizeHint() const override { return {240, 110}; }

 signals:
  void frameClicked(int frame);

 protected:
  void paintEvent(QPaintEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;

 private:
  QRectF plot_rect() const;
  int frame_at(double x) const;

  QVector<double> psnr_, ssim_;
  double psnr_low_ = 0, psnr_high_ = 1, ssim_low_ = 0, ssim_high_ = 1;
  int current_ = 0;
};

}  // namespace svg2::ui

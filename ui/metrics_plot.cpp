#include "metrics_plot.h"

#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>

#include <algorithm>
#include <cmath>

namespace svg2::ui {

namespace {

const QColor kPsnrColor(90, 170, 255);
const QColor kSsimColor(255, 170, 60);

// Round outward to a step that gives about four grid lines.
void nice_range(double& low, double& high) {
  if (!(high > low)) {
    low -= 1;
    high += 1;
  }
  const double raw = (high - low) / 4;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double step = magnitude;
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (m * magnitude >= raw) {
      step = m * magnitude;
      break;
    }
  low = std::floor(low / step) * step;
  high = std::ceil(high / step) * step;
}

}  // namespace

MetricsPlot::MetricsPlot(QWidget* parent) : QWidget(parent) {
  setMouseTracking(false);
  setToolTip("Per-frame quality of the sparse render against the dense one. Click to seek.");
}

void MetricsPlot::set_metrics(const QVector<double>& psnr, const QVector<double>& ssim) {
  psnr_ = psnr;
  ssim_ = ssim;
  double lo = INFINITY, hi = -INFINITY;
  for (double v : psnr_)
    if (std::isfinite(v)) {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  if (!std::isfinite(lo)) lo = 40, hi = 60;  // every frame identical
  psnr_low_ = lo;
  psnr_high_ = hi;
  nice_range(psnr_low_, psnr_high_);
  double slo = 1, shi = 0;
  for (double v : ssim_) {
    slo = std::min(slo, v);
    shi = std::max(shi, v);
  }
  ssim_low_ = std::max(0.0, std::min(slo, 0.9));
  ssim_high_ = 1.0;
  if (ssim_.isEmpty()) ssim_low_ = 0;
  current_ = 0;
  update();
}

void MetricsPlot::set_current_frame(int frame) {
  current_ = frame;
  update();
}

QRectF MetricsPlot::plot_rect() const {
  return QRectF(52, 22, width() - 52 - 52, height() - 22 - 26);
}

int MetricsPlot::frame_at(double x) const {
  const int n = static_cast<int>(std::max(psnr_.size(), ssim_.size()));
  if (n <= 1) return 0;
  const QRectF r = plot_rect();
  return std::clamp(static_cast<int>(std::lround((x - r.left()) / r.width() * (n - 1))), 0, n - 1);
}

void MetricsPlot::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.setRenderHint(QPainter::Antialiasing);
  p.fillRect(rect(), palette().base());
  const QRectF r = plot_rect();
  const int n = static_cast<int>(std::max(psnr_.size(), ssim_.size()));
  const QColor text = palette().text().color();
  const QColor grid = palette().mid().color();
  if (n == 0 || r.width() <= 10 || r.height() <= 10) {
    p.setPen(text);
    p.drawText(rect(), Qt::AlignCenter, "Run Compare to see per-frame PSNR and SSIM");
    return;
  }
  auto x_of = [&](int i) { return n == 1 ? r.center().x() : r.left() + r.width() * i / (n - 1); };
  auto y_of = [&](double v, double lo, double hi) {
    return r.bottom() - r.height() * std::clamp((v - lo) / (hi - lo), 0.0, 1.0);
  };

  // Grid and axes: PSNR ticks left, SSIM ticks right.
  QFont small = p.font();
  small.setPointSizeF(std::max(7.0, small.pointSizeF() - 1));
  p.setFont(small);
  for (int k = 0; k <= 4; ++k) {
    const double y = r.bottom() - r.height() * k / 4;
    p.setPen(QPen(grid, 1, Qt::DotLine));
    p.drawLine(QPointF(r.left(), y), QPointF(r.right(), y));
    p.setPen(kPsnrColor);
    p.drawText(QRectF(0, y - 8, r.left() - 4, 16), Qt::AlignRight | Qt::AlignVCenter,
               QString::number(psnr_low_ + (psnr_high_ - psnr_low_) * k / 4, 'f', 1));
    p.setPen(kSsimColor);
    p.drawText(QRectF(r.right() + 4, y - 8, 48, 16), Qt::AlignLeft | Qt::AlignVCenter,
               QString::number(ssim_low_ + (ssim_high_ - ssim_low_) * k / 4, 'f', 3));
  }
  p.setPen(text);
  p.drawRect(r);
  p.drawText(QRectF(r.left(), r.bottom() + 4, r.width(), 18), Qt::AlignCenter,
             QString("frame (1–%1)").arg(n));
  p.setPen(kPsnrColor);
  p.drawText(QRectF(r.left(), 2, r.width() / 2, 18), Qt::AlignLeft, "PSNR (dB)");
  p.setPen(kSsimColor);
  p.drawText(QRectF(r.center().x(), 2, r.width() / 2, 18), Qt::AlignRight, "SSIM");

  auto draw_series = [&](const QVector<double>& values, double lo, double hi, const QColor& color) {
    QPainterPath path;
    for (int i = 0; i < values.size(); ++i) {
      const double v = std::isfinite(values[i]) ? values[i] : hi;
      const QPointF point(x_of(i), y_of(v, lo, hi));
      if (i == 0)
        path.moveTo(point);
      else
        path.lineTo(point);
    }
    p.setPen(QPen(color, 2));
    p.setBrush(Qt::NoBrush);
    p.drawPath(path);
    if (values.size() <= 40) {
      p.setBrush(color);
      for (int i = 0; i < values.size(); ++i) {
        const double v = std::isfinite(values[i]) ? values[i] : hi;
        p.drawEllipse(QPointF(x_of(i), y_of(v, lo, hi)), 2.5, 2.5);
      }
    }
  };
  draw_series(psnr_, psnr_low_, psnr_high_, kPsnrColor);
  draw_series(ssim_, ssim_low_, ssim_high_, kSsimColor);

  const double cx = x_of(std::clamp(current_, 0, n - 1));
  p.setPen(QPen(QColor(255, 255, 255, 180), 1, Qt::DashLine));
  p.drawLine(QPointF(cx, r.top()), QPointF(cx, r.bottom()));
}

void MetricsPlot::mousePressEvent(QMouseEvent* event) {
  if (event->button() == Qt::LeftButton) emit frameClicked(frame_at(event->position().x()));
}

void MetricsPlot::mouseMoveEvent(QMouseEvent* event) {
  if (event->buttons() & Qt::LeftButton) emit frameClicked(frame_at(event->position().x()));
}

}  // namespace svg2::ui

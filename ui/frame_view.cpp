#include "frame_view.h"

#include <QMouseEvent>
#include <QPainter>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

namespace svg2::ui {

FrameView::FrameView(QWidget* parent) : QWidget(parent) {
  setMinimumSize(160, 100);
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
  setAttribute(Qt::WA_OpaquePaintEvent);
}

void FrameView::set_image(const QImage& image) {
  image_ = image;
  update();
}

void FrameView::set_wipe_image(const QImage& right) {
  wipe_image_ = right;
  update();
}

void FrameView::set_wipe_position(double fraction) {
  wipe_ = std::clamp(fraction, 0.0, 1.0);
  update();
}

void FrameView::set_labels(const QString& left, const QString& right) {
  left_label_ = left;
  right_label_ = right;
  update();
}

void FrameView::set_caption(const QString& caption) {
  caption_ = caption;
  update();
}

void FrameView::set_zoom(double zoom) {
  zoom = zoom <= 0 ? 0 : std::clamp(zoom, 0.1, 32.0);
  if (zoom == zoom_) return;
  zoom_ = zoom;
  if (zoom_ == 0) pan_ = {};
  update();
  emit zoomChanged(zoom_);
}

double FrameView::effective_scale() const {
  if (image_.isNull()) return 1;
  if (zoom_ > 0) return zoom_;
  return std::min(width() / static_cast<double>(image_.width()),
                  height() / static_cast<double>(image_.height()));
}

QRectF FrameView::target_rect() const {
  if (image_.isNull()) return {};
  const double scale = effective_scale();
  const QSizeF size(image_.width() * scale, image_.height() * scale);
  const QPointF origin((width() - size.width()) / 2 + pan_.x(), (height() - size.height()) / 2 + pan_.y());
  return {origin, size};
}

void FrameView::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), QColor(16, 16, 18));
  if (image_.isNull()) {
    p.setPen(QColor(120, 120, 130));
    p.drawText(rect(), Qt::AlignCenter,
               caption_.isEmpty() ? QString("No video yet — type a prompt and press Ctrl+Enter") : caption_);
    return;
  }
  const QRectF target = target_rect();
  // Upscaled small pictures (latent previews, pixel peeping) look truer without smoothing.
  p.setRenderHint(QPainter::SmoothPixmapTransform, effective_scale() < 2.0);
  p.drawImage(target, image_);
  if (!wipe_image_.isNull()) {
    const double split = target.left() + target.width() * wipe_;
    const QRectF right(QPointF(split, target.top()), target.bottomRight());
    const QRectF source_right(wipe_ * wipe_image_.width(), 0, (1 - wipe_) * wipe_image_.width(),
                              wipe_image_.height());
    p.drawImage(right, wipe_image_, source_right);
    p.setPen(QPen(QColor(255, 255, 255, 220), 2));
    p.drawLine(QPointF(split, target.top()), QPointF(split, target.bottom()));
  }
  auto draw_tag = [&](const QString& text, Qt::Alignment align) {
    if (text.isEmpty()) return;
    QFont font = p.font();
    font.setBold(true);
    p.setFont(font);
    const QRect box = p.fontMetrics().boundingRect(text).adjusted(-6, -3, 6, 3);
    QRect placed = box;
    const QRect area = target.toAlignedRect().intersected(rect()).adjusted(8, 8, -8, -8);
    if (align & Qt::AlignLeft) placed.moveTopLeft(area.topLeft());
    if (align & Qt::AlignRight) placed.moveTopRight(area.topRight());
    if (align & Qt::AlignBottom) placed.moveBottomLeft(area.bottomLeft());
    p.fillRect(placed, QColor(0, 0, 0, 160));
    p.setPen(Qt::white);
    p.drawText(placed, Qt::AlignCenter, text);
  };
  draw_tag(left_label_, Qt::AlignLeft | Qt::AlignTop);
  if (!wipe_image_.isNull()) draw_tag(right_label_, Qt::AlignRight | Qt::AlignTop);
  draw_tag(caption_, Qt::AlignLeft | Qt::AlignBottom);
}

void FrameView::wheelEvent(QWheelEvent* event) {
  if (!(event->modifiers() & Qt::ControlModifier) || image_.isNull()) {
    QWidget::wheelEvent(event);
    return;
  }
  const double current = effective_scale();
  const double factor = event->angleDelta().y() > 0 ? 1.25 : 0.8;
  set_zoom(current * factor);
  event->accept();
}

void FrameView::mousePressEvent(QMouseEvent* event) {
  if (event->button() != Qt::LeftButton) return;
  if (!wipe_image_.isNull()) {
    move_wipe_to(event->position().x());
  } else if (zoom_ > 0) {
    dragging_ = true;
    drag_start_ = event->position();
    pan_start_ = pan_;
    setCursor(Qt::ClosedHandCursor);
  }
}

void FrameView::mouseMoveEvent(QMouseEvent* event) {
  if (!(event->buttons() & Qt::LeftButton)) return;
  if (!wipe_image_.isNull()) {
    move_wipe_to(event->position().x());
  } else if (dragging_) {
    pan_ = pan_start_ + (event->position() - drag_start_);
    update();
  }
}

void FrameView::mouseReleaseEvent(QMouseEvent*) {
  dragging_ = false;
  unsetCursor();
}

void FrameView::move_wipe_to(double x) {
  const QRectF target = target_rect();
  if (target.width() <= 0) return;
  set_wipe_position((x - target.left()) / target.width());
  emit wipeMoved(wipe_);
}

}  // namespace svg2::ui

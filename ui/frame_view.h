#pragma once
// Paints one picture scaled to fit or at a zoom factor (Ctrl+wheel zooms, dragging pans), with an
// optional caption. With a second picture it becomes a wipe: the first left of a movable split,
// the second right of it (drag anywhere to move the split).
#include <QImage>
#include <QPointF>
#include <QString>
#include <QWidget>

namespace svg2::ui {

class FrameView : public QWidget {
  Q_OBJECT
 public:
  explicit FrameView(QWidget* parent = nullptr);

  void set_image(const QImage& image);
  // Wipe mode: `right` is shown right of the split (a null image ends wipe mode).
  void set_wipe_image(const QImage& right);
  void set_wipe_position(double fraction);  // 0..1 of the picture's width
  double wipe_position() const { return wipe_; }
  void set_labels(const QString& left, const QString& right);
  void set_caption(const QString& caption);

  // 0 = fit to the view; otherwise the scale factor (1 = one image pixel per screen pixel).
  void set_zoom(double zoom);
  double zoom() const { return zoom_; }
  double effective_scale() const;
  const QImage& image() const { return image_; }

  QSize sizeHint() const override { return {640, 360}; }

 signals:
  void zoomChanged(double zoom);
  void wipeMoved(double fraction);

 protected:
  void paintEvent(QPaintEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;

 private:
  QRectF target_rect() const;
  void move_wipe_to(double x);

  QImage image_, wipe_image_;
  double wipe_ = 0.5;
  QString left_label_, right_label_, caption_;
  double zoom_ = 0;
  QPointF pan_;
  QPointF drag_start_, pan_start_;
  bool dragging_ = false;
};

}  // namespace svg2::ui

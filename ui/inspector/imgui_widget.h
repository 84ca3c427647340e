#pragma once
// A QOpenGLWidget that hosts one Dear ImGui context: Qt's mouse, wheel and key events are forwarded
// to ImGui, and each paintGL() runs one ImGui frame through the OpenGL3 backend into the widget's
// framebuffer. Frames are drawn on demand (input, new data), never on a free-running timer, so an
// idle panel costs nothing. Subclasses draw in draw_ui().
#include <QElapsedTimer>
#include <QOpenGLFunctions>
#include <QOpenGLWidget>

#include <cstdint>

#include "svg2/media.h"

struct ImGuiContext;

namespace svg2::ui {

class ImGuiWidget : public QOpenGLWidget, protected QOpenGLFunctions {
  Q_OBJECT

 public:
  explicit ImGuiWidget(QWidget* parent = nullptr);
  ~ImGuiWidget() override;

  // Asks for `frames` more frames (ImGui settles hover and layout over a couple of frames).
  void request_frames(int frames = 2);

 protected:
  virtual void draw_ui() = 0;

  // An RGB texture for ImGui::Image, replacing `texture` (0 = none yet). Only inside draw_ui().
  std::uint32_t upload_texture(std::uint32_t texture, const Image& image);
  void delete_texture(std::uint32_t texture);

  void initializeGL() override;
  void resizeGL(int w, int h) override;
  void paintGL() override;

  void mouseMoveEvent(QMouseEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;
  void keyPressEvent(QKeyEvent* event) override;
  void keyReleaseEvent(QKeyEvent* event) override;
  void leaveEvent(QEvent* event) override;
  bool focusNextPrevChild(bool next) override;  // Tab belongs to ImGui's text fields

 private:
  void make_current_imgui() const;
  void forward_key(QKeyEvent* event, bool down);
  void shutdown();

  ImGuiContext* imgui_ = nullptr;
  bool backend_ready_ = false;
  QElapsedTimer clock_;
  int pending_frames_ = 0;
  QMetaObject::Connection context_connection_;
};

}  // namespace svg2::ui

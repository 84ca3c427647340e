#include "inspector/imgui_widget.h"

#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>

#include <QKeyEvent>
#include <QMouseEvent>
#include <QOpenGLContext>
#include <QTimer>
#include <QWheelEvent>

#include <array>
#include <utility>

namespace svg2::ui {

namespace {

// Qt keys ImGui needs for navigation and text editing, at KeysDown indices 256 + position.
constexpr std::array<std::pair<int, int>, 17> kKeys = {{
    {ImGuiKey_Tab, Qt::Key_Tab},
    {ImGuiKey_LeftArrow, Qt::Key_Left},
    {ImGuiKey_RightArrow, Qt::Key_Right},
    {ImGuiKey_UpArrow, Qt::Key_Up},
    {ImGuiKey_DownArrow, Qt::Key_Down},
    {ImGuiKey_PageUp, Qt::Key_PageUp},
    {ImGuiKey_PageDown, Qt::Key_PageDown},
    {ImGuiKey_Home, Qt::Key_Home},
    {ImGuiKey_End, Qt::Key_End},
    {ImGuiKey_Insert, Qt::Key_Insert},
    {ImGuiKey_Delete, Qt::Key_Delete},
    {ImGuiKey_Backspace, Qt::Key_Backspace},
    {ImGuiKey_Space, Qt::Key_Space},
    {ImGuiKey_Enter, Qt::Key_Return},
    {ImGuiKey_Escape, Qt::Key_Escape},
    {ImGuiKey_KeyPadEnter, Qt::Key_Enter},
    {ImGuiKey_A, Qt::Key_A},
}};
constexpr int kCopyPasteKeys[] = {ImGuiKey_C, ImGuiKey_V, ImGuiKey_X, ImGuiKey_Y, ImGuiKey_Z};

int key_index(int qt_key) {
  for (std::size_t i = 0; i < kKeys.size(); ++i)
    if (kKeys[i].second == qt_key) return 256 + static_cast<int>(i);
  if (qt_key >= Qt::Key_A && qt_key <= Qt::Key_Z) return 'A' + (qt_key - Qt::Key_A);
  return -1;
}

}  // namespace

ImGuiWidget::ImGuiWidget(QWidget* parent) : QOpenGLWidget(parent) {
  setMouseTracking(true);
  setFocusPolicy(Qt::StrongFocus);
  IMGUI_CHECKVERSION();
  ImGuiContext* previous = ImGui::GetCurrentContext();
  imgui_ = ImGui::CreateContext();
  ImGui::SetCurrentContext(imgui_);
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;  // layout is code, not a file in the working directory
  io.LogFilename = nullptr;
  io.ConfigWindowsMoveFromTitleBarOnly = true;
  for (std::size_t i = 0; i < kKeys.size(); ++i) io.KeyMap[kKeys[i].first] = 256 + static_cast<int>(i);
  for (int k : kCopyPasteKeys) io.KeyMap[k] = 'A' + (k - ImGuiKey_A);
  ImGui::StyleColorsDark();
  ImGui::SetCurrentContext(previous);
  clock_.start();
}

ImGuiWidget::~ImGuiWidget() {
  // QOpenGLWidget's destructor destroys the context after this object is gone: no callback then.
  disconnect(context_connection_);
  shutdown();
  ImGui::DestroyContext(imgui_);
}

void ImGuiWidget::shutdown() {
  if (!backend_ready_) return;
  makeCurrent();
  make_current_imgui();
  ImGui_ImplOpenGL3_Shutdown();
  backend_ready_ = false;
  doneCurrent();
}

void ImGuiWidget::make_current_imgui() const {
  ImGui::SetCurrentContext(imgui_);
}

void ImGuiWidget::request_frames(int frames) {
  if (pending_frames_ < frames) pending_frames_ = frames;
  update();
}

void ImGuiWidget::initializeGL() {
  initializeOpenGLFunctions();
  make_current_imgui();
  // The GL context can be recreated (re-parenting the dock): release the old backend objects first.
  disconnect(context_connection_);
  context_connection_ = connect(context(), &QOpenGLContext::aboutToBeDestroyed, this, [this] { shutdown(); });
  const QSurfaceFormat format = context()->format();
  const bool gles = context()->isOpenGLES();
  const char* glsl = gles ? "#version 300 es"
                     : (format.profile() == QSurfaceFormat::CoreProfile && format.majorVersion() >= 4)
                         ? "#version 410"
                         : "#version 130";
  backend_ready_ = ImGui_ImplOpenGL3_Init(glsl);
}

void ImGuiWidget::resizeGL(int, int) {
  request_frames();
}

void ImGuiWidget::paintGL() {
  make_current_imgui();
  ImGuiIO& io = ImGui::GetIO();
  io.DisplaySize = ImVec2(static_cast<float>(width()), static_cast<float>(height()));
  const float scale = static_cast<float>(devicePixelRatioF());
  io.DisplayFramebufferScale = ImVec2(scale, scale);
  io.DeltaTime = std::max(1e-3f, static_cast<float>(clock_.restart()) / 1000.0f);
  glClearColor(0.09f, 0.09f, 0.11f, 1.0f);
  glClear(GL_COLOR_BUFFER_BIT);
  if (!backend_ready_) return;
  ImGui_ImplOpenGL3_NewFrame();
  ImGui::NewFrame();
  draw_ui();
  ImGui::Render();
  glViewport(0, 0, static_cast<int>(width() * scale), static_cast<int>(height() * scale));
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
  io.MouseWheel = io.MouseWheelH = 0;
  if (pending_frames_ > 0) {
    --pending_frames_;
    QTimer::singleShot(16, this, [this] { update(); });
  }
}

std::uint32_t ImGuiWidget::upload_texture(std::uint32_t texture, const Image& image) {
  GLuint id = texture;
  if (id == 0) glGenTextures(1, &id);
  glBindTexture(GL_TEXTURE_2D, id);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);  // token cells stay crisp
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
  glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
  glTexImage2D(GL_TEXTURE_2D, 0, GL_RGB, image.width, image.height, 0, GL_RGB, GL_UNSIGNED_BYTE,
               image.rgb.data());
  return id;
}

void ImGuiWidget::delete_texture(std::uint32_t texture) {
  if (texture == 0) return;
  GLuint id = texture;
  glDeleteTextures(1, &id);
}

void ImGuiWidget::mouseMoveEvent(QMouseEvent* event) {
  make_current_imgui();
  const QPointF p = event->position();
  ImGui::GetIO().MousePos = ImVec2(static_cast<float>(p.x()), static_cast<float>(p.y()));
  request_frames();
}

namespace {
int imgui_button(Qt::MouseButton b) {
  switch (b) {
    case Qt::LeftButton:
      return 0;
    case Qt::RightButton:
      return 1;
    case Qt::MiddleButton:
      return 2;
    default:
      return -1;
  }
}
}  // namespace

void ImGuiWidget::mousePressEvent(QMouseEvent* event) {
  make_current_imgui();
  const QPointF p = event->position();
  ImGuiIO& io = ImGui::GetIO();
  io.MousePos = ImVec2(static_cast<float>(p.x()), static_cast<float>(p.y()));
  if (const int b = imgui_button(event->button()); b >= 0) io.MouseDown[b] = true;
  request_frames();
}

void ImGuiWidget::mouseReleaseEvent(QMouseEvent* event) {
  make_current_imgui();
  // A press and release between two frames must still count as a click: release on the next frame.
  if (const int b = imgui_button(event->button()); b >= 0)
    QTimer::singleShot(0, this, [this, b] {
      make_current_imgui();
      ImGui::GetIO().MouseDown[b] = false;
      request_frames();
    });
  request_frames();
}

void ImGuiWidget::wheelEvent(QWheelEvent* event) {
  make_current_imgui();
  ImGuiIO& io = ImGui::GetIO();
  io.MouseWheel += static_cast<float>(event->angleDelta().y()) / 120.0f;
  io.MouseWheelH += static_cast<float>(event->angleDelta().x()) / 120.0f;
  request_frames();
}

void ImGuiWidget::forward_key(QKeyEvent* event, bool down) {
  make_current_imgui();
  ImGuiIO& io = ImGui::GetIO();
  if (const int index = key_index(event->key()); index >= 0) io.KeysDown[index] = down;
  const Qt::KeyboardModifiers mods = event->modifiers();
  io.KeyCtrl = mods & Qt::ControlModifier;
  io.KeyShift = mods & Qt::ShiftModifier;
  io.KeyAlt = mods & Qt::AltModifier;
  io.KeySuper = mods & Qt::MetaModifier;
  if (down && !event->text().isEmpty() && !(mods & Qt::ControlModifier))
    for (QChar c : event->text())
      if (c.isPrint()) io.AddInputCharacterUTF16(c.unicode());
  request_frames();
}

void ImGuiWidget::keyPressEvent(QKeyEvent* event) {
  forward_key(event, true);
}
void ImGuiWidget::keyReleaseEvent(QKeyEvent* event) {
  forward_key(event, false);
}

void ImGuiWidget::leaveEvent(QEvent* event) {
  make_current_imgui();
  ImGui::GetIO().MousePos = ImVec2(-FLT_MAX, -FLT_MAX);
  request_frames();
  QOpenGLWidget::leaveEvent(event);
}

bool ImGuiWidget::focusNextPrevChild(bool) {
  return false;
}

}  // namespace svg2::ui

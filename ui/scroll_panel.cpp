#include "scroll_panel.h"

#include <QScrollBar>

namespace svg2::ui {

namespace {

// Follows the content's minimum width (capped), so a narrow dock scrolls sideways only when the
// panel really cannot shrink further.
class ScrollPanel : public QScrollArea {
 public:
  ScrollPanel(QWidget* content, int max_min_width) : max_min_width_(max_min_width) {
    setObjectName(content->objectName() + "Scroll");
    setFrameShape(QFrame::NoFrame);
    setWidgetResizable(true);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    setVerticalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    setWidget(content);
  }

  QSize minimumSizeHint() const override {
    const QWidget* content = widget();
    const int content_width = content ? content->minimumSizeHint().width() : 0;
    const int scrollbar = verticalScrollBar()->sizeHint().width();
    return {std::min(content_width, max_min_width_) + scrollbar, 80};
  }

 private:
  int max_min_width_;
};

}  // namespace

QScrollArea* make_scroll_panel(QWidget* content, int max_min_width) {
  return new ScrollPanel(content, max_min_width);
}

}  // namespace svg2::ui

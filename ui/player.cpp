#include "player.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>

#include "frame_view.h"
#include "playback_clock.h"
#include "qt_video.h"
#include "transport_bar.h"

namespace svg2::ui {

Player::Player(QWidget* parent) : QWidget(parent) {
  clock_ = new PlaybackClock(this);
  view_ = new FrameView(this);
  view_->setObjectName("playerView");
  transport_ = new TransportBar(clock_, this);
  title_label_ = new QLabel(this);
  title_label_->setObjectName("playerTitle");
  title_label_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  title_label_->setSizePolicy(QSizePolicy::Ignored,
                              QSizePolicy::Preferred);  // a long prompt is cut, not widening
  zoom_ = new QComboBox(this);
  zoom_->setObjectName("zoomCombo");
  zoom_->setToolTip("Zoom (Ctrl+wheel on the picture; drag to pan when zoomed)");
  zoom_->addItem("Fit", 0.0);
  for (double z : {0.5, 1.0, 2.0, 4.0, 8.0}) zoom_->addItem(QString("%1%").arg(z * 100), z);

  auto* header = new QHBoxLayout;
  header->addWidget(title_label_, 1);
  header->addWidget(new QLabel("Zoom", this));
  header->addWidget(zoom_);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addLayout(header);
  layout->addWidget(view_, 1);
  layout->addWidget(transport_);

  connect(clock_, &PlaybackClock::frameChanged, this, &Player::show_frame);
  connect(zoom_, &QComboBox::currentIndexChanged, this,
          [this] { view_->set_zoom(zoom_->currentData().toDouble()); });
  connect(view_, &FrameView::zoomChanged, this, [this](double z) {
    QSignalBlocker block(zoom_);
    const int index = zoom_->findData(z);
    if (index >= 0) {
      zoom_->setCurrentIndex(index);
    } else {
      zoom_->setPlaceholderText(QString("%1%").arg(qRound(z * 100)));
      zoom_->setCurrentIndex(-1);
    }
  });
}

void Player::set_video(const VideoPtr& video, const QString& title) {
  video_ = video;
  shown_ = video;
  previewing_ = false;
  title_ = title;
  caption_.clear();
  title_label_->setText(title);
  title_label_->setToolTip(title);
  view_->set_caption({});
  clock_->set_clip(video ? video->frames : 0, video ? video->fps : 16, true);
  show_frame(clock_->frame());
}

void Player::show_preview(const VideoPtr& preview, const QString& caption) {
  if (!preview || preview->empty()) return;
  const bool first = !previewing_;
  video_.reset();
  shown_ = preview;
  previewing_ = true;
  caption_ = caption;
  view_->set_caption(caption);
  title_label_->setText("Live preview");
  // Keep the animation's position between steps so the preview does not jump back.
  const int frame = clock_->frame();
  if (first || clock_->frames() != preview->frames) {
    clock_->set_clip(preview->frames, preview->fps, false);
    clock_->play();
  } else {
    show_frame(frame);
  }
}

void Player::clear(const QString& message) {
  video_.reset();
  shown_.reset();
  previewing_ = false;
  title_label_->clear();
  clock_->set_clip(0, 16);
  view_->set_image({});
  view_->set_caption(message);
}

void Player::show_frame(int frame) {
  if (!shown_ || shown_->empty()) return;
  view_->set_image(frame_to_image(*shown_, std::min(frame, shown_->frames - 1)));
}

}  // namespace svg2::ui

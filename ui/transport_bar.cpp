#include "transport_bar.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QSlider>
#include <QStyle>
#include <QToolButton>

#include "playback_clock.h"

namespace svg2::ui {

TransportBar::TransportBar(PlaybackClock* clock, QWidget* parent) : QWidget(parent), clock_(clock) {
  auto make_button = [this](QStyle::StandardPixmap icon, const QString& tip, const char* name) {
    auto* button = new QToolButton(this);
    button->setIcon(style()->standardIcon(icon));
    button->setToolTip(tip);
    button->setObjectName(name);
    button->setAutoRaise(true);
    return button;
  };
  back_ = make_button(QStyle::SP_MediaSeekBackward, "Previous frame (Left)", "frameBack");
  play_ = make_button(QStyle::SP_MediaPlay, "Play / pause (Space)", "playPause");
  forward_ = make_button(QStyle::SP_MediaSeekForward, "Next frame (Right)", "frameForward");
  loop_ = make_button(QStyle::SP_BrowserReload, "Loop", "loopToggle");
  loop_->setCheckable(true);
  loop_->setChecked(clock_->loop());
  slider_ = new QSlider(Qt::Horizontal, this);
  slider_->setObjectName("scrubSlider");
  slider_->setToolTip("Scrub through the clip");
  slider_->setRange(0, 0);
  position_ = new QLabel(this);
  position_->setObjectName("positionLabel");
  position_->setMinimumWidth(150);

  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(4, 2, 4, 2);
  layout->addWidget(back_);
  layout->addWidget(play_);
  layout->addWidget(forward_);
  layout->addWidget(loop_);
  layout->addWidget(slider_, 1);
  layout->addWidget(position_);

  connect(play_, &QToolButton::clicked, clock_, &PlaybackClock::toggle);
  connect(back_, &QToolButton::clicked, clock_, [this] { clock_->step(-1); });
  connect(forward_, &QToolButton::clicked, clock_, [this] { clock_->step(1); });
  connect(loop_, &QToolButton::toggled, clock_, &PlaybackClock::set_loop);
  connect(slider_, &QSlider::valueChanged, clock_, &PlaybackClock::seek);
  connect(clock_, &PlaybackClock::frameChanged, this, &TransportBar::show_frame);
  connect(clock_, &PlaybackClock::clipChanged, this, [this](int frames, double) {
    QSignalBlocker block(slider_);
    slider_->setRange(0, std::max(0, frames - 1));
    show_frame(clock_->frame());
  });
  connect(clock_, &PlaybackClock::playingChanged, this, [this](bool playing) {
    play_->setIcon(style()->standardIcon(playing ? QStyle::SP_MediaPause : QStyle::SP_MediaPlay));
  });
  show_frame(0);
}

void TransportBar::show_frame(int frame) {
  {
    QSignalBlocker block(slider_);
    slider_->setValue(frame);
  }
  const int frames = clock_->frames();
  if (frames == 0) {
    position_->setText("no clip");
    return;
  }
  position_->setText(
      QString("frame %1 / %2 · %3 s").arg(frame + 1).arg(frames).arg(frame / clock_->fps(), 0, 'f', 2));
}

}  // namespace svg2::ui

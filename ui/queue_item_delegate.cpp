#include "queue_item_delegate.h"

#include <QApplication>
#include <QPainter>

#include "job_queue.h"

namespace svg2::ui {

namespace {

QColor state_color(JobState state) {
  switch (state) {
    case JobState::Queued:
      return {150, 155, 165};
    case JobState::Running:
      return {80, 160, 255};
    case JobState::Finished:
      return {110, 200, 120};
    case JobState::Failed:
      return {255, 110, 100};
    case JobState::Cancelled:
      return {220, 170, 80};
  }
  return {};
}

}  // namespace

QueueItemDelegate::QueueItemDelegate(const JobQueueModel* model, QObject* parent)
    : QStyledItemDelegate(parent), model_(model) {}

QSize QueueItemDelegate::sizeHint(const QStyleOptionViewItem& option, const QModelIndex&) const {
  return {200, option.fontMetrics.height() * 3 + 18};
}

void QueueItemDelegate::paint(QPainter* p, const QStyleOptionViewItem& option,
                              const QModelIndex& index) const {
  if (!index.isValid() || index.row() >= model_->count()) return;
  const QueueItem& item = model_->at(index.row());
  p->save();
  QStyleOptionViewItem opt = option;
  initStyleOption(&opt, index);
  opt.text.clear();
  QApplication::style()->drawControl(QStyle::CE_ItemViewItem, &opt, p);

  const QRect r = option.rect.adjusted(8, 4, -8, -4);
  const int line = option.fontMetrics.height();
  const QColor text = option.palette.color(option.state & QStyle::State_Selected ? QPalette::HighlightedText
                                                                                 : QPalette::Text);
  QFont bold = option.font;
  bold.setBold(true);
  p->setFont(bold);
  p->setPen(text);
  const QString badge = to_display_string(item.state);
  const int badge_width = option.fontMetrics.horizontalAdvance(badge) + 14;
  p->drawText(QRect(r.left(), r.top(), r.width() - badge_width - 6, line), Qt::AlignLeft | Qt::AlignVCenter,
              option.fontMetrics.elidedText(item.title(), Qt::ElideRight, r.width() - badge_width - 6));
  const QRect badge_rect(r.right() - badge_width, r.top(), badge_width, line);
  p->setRenderHint(QPainter::Antialiasing);
  p->setPen(Qt::NoPen);
  p->setBrush(state_color(item.state).darker(170));
  p->drawRoundedRect(badge_rect, 4, 4);
  p->setPen(state_color(item.state));
  p->setFont(option.font);
  p->drawText(badge_rect, Qt::AlignCenter, badge);

  QColor dim = text;
  dim.setAlpha(170);
  p->setPen(dim);
  p->drawText(QRect(r.left(), r.top() + line + 2, r.width(), line), Qt::AlignLeft | Qt::AlignVCenter,
              option.fontMetrics.elidedText(item.summary(), Qt::ElideRight, r.width()));

  const QRect third(r.left(), r.top() + 2 * line + 6, r.width(), line);
  if (item.state == JobState::Running) {
    const double fraction = item.progress.total > 0 ? double(item.progress.step) / item.progress.total : 0;
    const QRect bar(third.left(), third.top() + 2, third.width() / 3, line - 4);
    p->setPen(Qt::NoPen);
    p->setBrush(option.palette.color(QPalette::Base));
    p->drawRoundedRect(bar, 3, 3);
    p->setBrush(state_color(JobState::Running));
    p->drawRoundedRect(QRect(bar.left(), bar.top(), int(bar.width() * fraction), bar.height()), 3, 3);
    p->setPen(text);
    p->drawText(
        third.adjusted(bar.width() + 8, 0, 0, 0), Qt::AlignLeft | Qt::AlignVCenter,
        option.fontMetrics.elidedText(item.progress_text(), Qt::ElideRight, third.width() - bar.width() - 8));
  } else if (item.state == JobState::Failed) {
    p->setPen(state_color(JobState::Failed));
    p->drawText(third, Qt::AlignLeft | Qt::AlignVCenter,
                option.fontMetrics.elidedText(item.progress_text(), Qt::ElideRight, third.width()));
  }
  p->restore();
}

}  // namespace svg2::ui

#pragma once
// Draws one queued job: prompt, settings summary, state, and a progress bar while it runs.
#include <QStyledItemDelegate>

namespace svg2::ui {

class JobQueueModel;

class QueueItemDelegate : public QStyledItemDelegate {
  Q_OBJECT
 public:
  QueueItemDelegate(const JobQueueModel* model, QObject* parent = nullptr);
  void paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const override;
  QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override;

 private:
  const JobQueueModel* model_;
};

}  // namespace svg2::ui

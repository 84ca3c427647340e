#pragma once
// The queue: every job with its state and progress; reorder queued jobs, cancel, duplicate,
// retry, remove. The running job's step, it/s and ETA are shown on top. Actions are requests
// (signals); the job runner carries them out.
#include <QWidget>

#include "engine_types.h"

class QLabel;
class QListView;
class QProgressBar;
class QToolButton;

namespace svg2::ui {

class JobQueueModel;

class QueueDock : public QWidget {
  Q_OBJECT
 public:
  QueueDock(JobQueueModel* model, QWidget* parent = nullptr);

  Ticket selected_ticket() const;
  void select(Ticket ticket);
  QListView* view() const { return view_; }

 signals:
  void cancelRequested(svg2::ui::Ticket ticket);
  void duplicateRequested(svg2::ui::Ticket ticket);
  void retryRequested(svg2::ui::Ticket ticket);
  void removeRequested(svg2::ui::Ticket ticket);
  void moveRequested(svg2::ui::Ticket ticket, int delta);
  void clearDoneRequested();

 private:
  void update_buttons();
  void update_header();

  JobQueueModel* model_;
  QListView* view_;
  QLabel* status_;
  QProgressBar* progress_;
  QToolButton *up_, *down_, *cancel_, *duplicate_, *retry_, *remove_, *clear_;
};

}  // namespace svg2::ui

#pragma once
// The studio's job queue (model side of the queue dock). The UI keeps its own queue and hands the
// engine one job at a time, so queued jobs can be reordered, cancelled, duplicated and retried
// freely; the engine's FIFO never holds more than the running job.
#include <QAbstractListModel>
#include <QDateTime>
#include <QString>
#include <QVector>

#include "engine_types.h"

namespace svg2::ui {

enum class JobKind { Render, Compare };
enum class JobState { Queued, Running, Finished, Failed, Cancelled };

QString to_display_string(JobState state);

struct QueueItem {
  Ticket ticket = 0;
  JobKind kind = JobKind::Render;
  RenderParams params;
  QString model_label;  // e.g. "demo", shown in the list
  JobState state = JobState::Queued;
  StepProgress progress;
  QString phase;       // compare: "dense", "dense-cached", "sparse", ...
  QString message;     // failure reason
  QString history_id;  // the saved render, once finished
  QDateTime queued_at;
  bool cancel_requested = false;

  QString title() const;    // the prompt, shortened
  QString summary() const;  // "64×48 · 5 frames · 3 steps · SVG2 · seed 42"
  // "Sparse pass · step 2/3 · 1.52 it/s · ETA 1 s", or the state when not running.
  QString progress_text() const;
};

class JobQueueModel : public QAbstractListModel {
  Q_OBJECT
 public:
  enum Role { TicketRole = Qt::UserRole + 1, StateRole, KindRole, ProgressRole, SummaryRole };

  explicit JobQueueModel(QObject* parent = nullptr);

  Ticket add(JobKind kind, const RenderParams& params, const QString& model_label);
  // A copy of the job, queued right after it.
  Ticket duplicate(Ticket ticket);
  // A failed or cancelled job is queued again at the end (same ticket, same settings).
  bool requeue(Ticket ticket);
  bool remove(Ticket ticket);  // not while running
  void remove_done();          // finished, failed and cancelled jobs
  // Moves a queued job past its queued neighbour (delta -1 = up, +1 = down).
  bool move(Ticket ticket, int delta);

  int row_of(Ticket ticket) const;
  const QueueItem* find(Ticket ticket) const;
  const QueueItem& at(int row) const { return items_[row]; }
  int count() const { return static_cast<int>(items_.size()); }
  // The first queued job in list order, or nullptr.
  const QueueItem* next_queued() const;
  const QueueItem* running() const;

  // Updates one job and refreshes its row.
  template <typename Fn>
  void update(Ticket ticket, Fn&& change) {
    const int row = row_of(ticket);
    if (row < 0) return;
    change(items_[row]);
    emit dataChanged(index(row), index(row));
  }

  int rowCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;

 private:
  QVector<QueueItem> items_;
  Ticket next_ticket_ = 1;
};

}  // namespace svg2::ui

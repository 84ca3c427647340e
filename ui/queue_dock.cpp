#include "queue_dock.h"

#include <QGridLayout>
#include <QLabel>
#include <QListView>
#include <QProgressBar>
#include <QStyle>
#include <QToolButton>
#include <QVBoxLayout>

#include "job_queue.h"
#include "queue_item_delegate.h"

namespace svg2::ui {

QueueDock::QueueDock(JobQueueModel* model, QWidget* parent) : QWidget(parent), model_(model) {
  status_ = new QLabel("Idle", this);
  status_->setObjectName("queueStatus");
  status_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);  // a long prompt is cut, not widening
  progress_ = new QProgressBar(this);
  progress_->setObjectName("queueProgress");
  progress_->setRange(0, 1);
  progress_->setValue(0);
  progress_->setTextVisible(true);

  view_ = new QListView(this);
  view_->setObjectName("queueView");
  view_->setModel(model_);
  view_->setItemDelegate(new QueueItemDelegate(model_, view_));
  view_->setSelectionMode(QAbstractItemView::SingleSelection);
  view_->setUniformItemSizes(true);

  auto make_button = [this](const QString& text, const QString& tip, const char* name) {
    auto* button = new QToolButton(this);
    button->setText(text);
    button->setToolTip(tip);
    button->setObjectName(name);
    return button;
  };
  up_ = make_button("↑", "Move the queued job up", "queueUp");
  down_ = make_button("↓", "Move the queued job down", "queueDown");
  cancel_ = make_button("Cancel", "Cancel the job (a running one stops within one step)", "queueCancel");
  duplicate_ = make_button("Duplicate", "Queue a copy of the job", "queueDuplicate");
  retry_ = make_button("Retry", "Queue a failed or cancelled job again", "queueRetry");
  remove_ = make_button("Remove", "Remove the job from the list", "queueRemove");
  clear_ = make_button("Clear done", "Remove finished, failed and cancelled jobs", "queueClear");
  // Two rows, so the dock stays narrow enough for a 1280-pixel-wide window with every dock open.
  auto* buttons = new QGridLayout;
  buttons->addWidget(up_, 0, 0);
  buttons->addWidget(down_, 0, 1);
  buttons->addWidget(cancel_, 0, 2);
  buttons->addWidget(duplicate_, 0, 3);
  buttons->addWidget(retry_, 1, 2);
  buttons->addWidget(remove_, 1, 3);
  buttons->addWidget(clear_, 1, 5);
  buttons->setColumnStretch(4, 1);

  auto* layout = new QVBoxLayout(this);
  layout->addWidget(status_);
  layout->addWidget(progress_);
  layout->addWidget(view_, 1);
  layout->addLayout(buttons);

  connect(up_, &QToolButton::clicked, this, [this] { emit moveRequested(selected_ticket(), -1); });
  connect(down_, &QToolButton::clicked, this, [this] { emit moveRequested(selected_ticket(), 1); });
  connect(cancel_, &QToolButton::clicked, this, [this] { emit cancelRequested(selected_ticket()); });
  connect(duplicate_, &QToolButton::clicked, this, [this] { emit duplicateRequested(selected_ticket()); });
  connect(retry_, &QToolButton::clicked, this, [this] { emit retryRequested(selected_ticket()); });
  connect(remove_, &QToolButton::clicked, this, [this] { emit removeRequested(selected_ticket()); });
  connect(clear_, &QToolButton::clicked, this, &QueueDock::clearDoneRequested);
  connect(view_->selectionModel(), &QItemSelectionModel::currentChanged, this, &QueueDock::update_buttons);
  for (auto signal : {&QAbstractItemModel::rowsInserted, &QAbstractItemModel::rowsRemoved})
    connect(model_, signal, this, [this] {
      update_buttons();
      update_header();
    });
  connect(model_, &QAbstractItemModel::rowsMoved, this, &QueueDock::update_buttons);
  connect(model_, &QAbstractItemModel::dataChanged, this, [this] {
    update_buttons();
    update_header();
  });
  update_buttons();
}

Ticket QueueDock::selected_ticket() const {
  const QModelIndex index = view_->currentIndex();
  return index.isValid() ? index.data(JobQueueModel::TicketRole).value<Ticket>() : 0;
}

void QueueDock::select(Ticket ticket) {
  const int row = model_->row_of(ticket);
  if (row >= 0) view_->setCurrentIndex(model_->index(row));
}

void QueueDock::update_buttons() {
  const QueueItem* item = model_->find(selected_ticket());
  const bool queued = item && item->state == JobState::Queued;
  const bool running = item && item->state == JobState::Running;
  const bool done = item && !queued && !running;
  up_->setEnabled(queued);
  down_->setEnabled(queued);
  cancel_->setEnabled((queued || running) && !(item && item->cancel_requested));
  duplicate_->setEnabled(item != nullptr);
  retry_->setEnabled(item && (item->state == JobState::Failed || item->state == JobState::Cancelled));
  remove_->setEnabled(done || queued);
}

void QueueDock::update_header() {
  const QueueItem* running = model_->running();
  int queued = 0;
  for (int i = 0; i < model_->count(); ++i) queued += model_->at(i).state == JobState::Queued;
  if (!running) {
    status_->setText(queued > 0 ? QString("%1 queued").arg(queued) : QString("Idle"));
    progress_->setRange(0, 1);
    progress_->setValue(0);
    progress_->setFormat("");
    return;
  }
  QString text = running->title() + " — " + running->progress_text();
  if (queued > 0) text += QString(" · %1 more queued").arg(queued);
  status_->setText(text);
  status_->setToolTip(text);
  const int total = std::max(1, running->progress.total);
  progress_->setRange(0, total);
  progress_->setValue(running->progress.stage == "denoise" || running->progress.stage == "decode"
                          ? running->progress.step
                          : 0);
  progress_->setFormat(running->progress.total > 0 ? QString("%v / %m steps") : QString("%p%"));
}

}  // namespace svg2::ui

#include "job_runner.h"

#include <QTimer>

#include "engine_bridge.h"
#include "render_history.h"
#include "svg2/logging.h"

namespace svg2::ui {

JobRunner::JobRunner(JobQueueModel* queue, EngineBridge* bridge, RenderHistory* history, QObject* parent)
    : QObject(parent), queue_(queue), bridge_(bridge), history_(history) {
  connect(bridge_, &EngineBridge::started, this, [this](Ticket t) {
    queue_->update(t, [](QueueItem& item) { item.progress = {}; });
    emit jobStarted(t);
  });
  connect(bridge_, &EngineBridge::progress, this, [this](Ticket t, const StepProgress& p) {
    queue_->update(t, [&](QueueItem& item) { item.progress = p; });
    emit jobProgress(t, p);
  });
  connect(bridge_, &EngineBridge::comparePhase, this, [this](Ticket t, const QString& phase) {
    queue_->update(t, [&](QueueItem& item) {
      item.phase = phase;
      item.progress = {};
    });
  });
  connect(bridge_, &EngineBridge::preview, this, &JobRunner::jobPreview);
  connect(bridge_, &EngineBridge::renderFinished, this, [this](Ticket t, const RenderResultPtr& result) {
    const QString id = history_->new_id();
    history_->save_render(id, result);
    queue_->update(t, [&](QueueItem& item) {
      item.state = JobState::Finished;
      item.history_id = id;
      item.params.seed = result->params.seed;
    });
    emit renderFinished(t, result, id);
    end_job(t);
  });
  connect(bridge_, &EngineBridge::compareFinished, this, [this](Ticket t, const CompareResultPtr& result) {
    const QString id = history_->new_id();
    history_->save_compare(id, result);
    queue_->update(t, [&](QueueItem& item) {
      item.state = JobState::Finished;
      item.history_id = id;
      item.phase.clear();
    });
    emit compareFinished(t, result, id);
    end_job(t);
  });
  connect(bridge_, &EngineBridge::failed, this, [this](Ticket t, const QString& message) {
    queue_->update(t, [&](QueueItem& item) {
      item.state = JobState::Failed;
      item.message = message;
    });
    emit jobFailed(t, message);
    end_job(t);
  });
  connect(bridge_, &EngineBridge::cancelled, this, [this](Ticket t) {
    queue_->update(t, [](QueueItem& item) { item.state = JobState::Cancelled; });
    emit jobCancelled(t);
    end_job(t);
  });
}

Ticket JobRunner::queue_render(const RenderParams& params, const QString& model_label) {
  const Ticket t = queue_->add(JobKind::Render, params, model_label);
  dispatch();
  return t;
}

Ticket JobRunner::queue_compare(const RenderParams& params, const QString& model_label) {
  const Ticket t = queue_->add(JobKind::Compare, params, model_label);
  dispatch();
  return t;
}

void JobRunner::dispatch() {
  if (running_ != 0) return;
  const QueueItem* next = queue_->next_queued();
  if (!next) {
    emit idle();
    return;
  }
  running_ = next->ticket;
  const JobKind kind = next->kind;
  const RenderParams params = next->params;
  queue_->update(running_, [](QueueItem& item) {
    item.state = JobState::Running;
    item.progress = {};
    item.message.clear();
  });
  if (kind == JobKind::Compare) {
    CompareOptions options;
    options.params = params;
    options.use_cache = true;
    options.cache_dir = dense_cache_dir_.toStdString();
    options.stage_times = true;  // the attention readouts need them
    bridge_->submit_compare(running_, options);
  } else {
    bridge_->submit_render(running_, params);
  }
}

void JobRunner::end_job(Ticket ticket) {
  if (ticket != running_) return;
  running_ = 0;
  // Let the UI show the end of this job before the next one starts.
  QTimer::singleShot(0, this, &JobRunner::dispatch);
}

void JobRunner::cancel(Ticket ticket) {
  const QueueItem* item = queue_->find(ticket);
  if (!item) return;
  if (item->state == JobState::Queued) {
    queue_->update(ticket, [](QueueItem& i) { i.state = JobState::Cancelled; });
    emit jobCancelled(ticket);
  } else if (item->state == JobState::Running && !item->cancel_requested) {
    queue_->update(ticket, [](QueueItem& i) { i.cancel_requested = true; });
    bridge_->cancel(ticket);
  }
}

void JobRunner::cancel_running() {
  if (running_ != 0) cancel(running_);
}

void JobRunner::duplicate(Ticket ticket) {
  if (queue_->duplicate(ticket) != 0) dispatch();
}

void JobRunner::retry(Ticket ticket) {
  if (queue_->requeue(ticket)) dispatch();
}

void JobRunner::remove(Ticket ticket) {
  queue_->remove(ticket);
}

void JobRunner::move(Ticket ticket, int delta) {
  queue_->move(ticket, delta);
}

void JobRunner::clear_done() {
  queue_->remove_done();
}

}  // namespace svg2::ui

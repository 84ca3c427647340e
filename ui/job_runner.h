#pragma once
// Runs the studio's queue: hands the engine the next queued job when it is idle, follows it
// through the bridge's signals (updating the queue model), stores finished renders and
// comparisons in the history, and carries out cancel / duplicate / retry / reorder requests.
#include <QObject>
#include <QString>

#include "engine_types.h"
#include "job_queue.h"

namespace svg2::ui {

class EngineBridge;
class RenderHistory;

class JobRunner : public QObject {
  Q_OBJECT
 public:
  JobRunner(JobQueueModel* queue, EngineBridge* bridge, RenderHistory* history, QObject* parent = nullptr);

  Ticket queue_render(const RenderParams& params, const QString& model_label);
  // Dense vs the params' sparse attention (SVG2 when the params say dense), same seed.
  Ticket queue_compare(const RenderParams& params, const QString& model_label);

  // Where the dense renders of comparisons are cached (empty = the engine's default).
  void set_dense_cache_dir(const QString& dir) { dense_cache_dir_ = dir; }

  Ticket running() const { return running_; }
  JobQueueModel* queue() const { return queue_; }

 public slots:
  void cancel(svg2::ui::Ticket ticket);
  void cancel_running();
  void duplicate(svg2::ui::Ticket ticket);
  void retry(svg2::ui::Ticket ticket);
  void remove(svg2::ui::Ticket ticket);
  void move(svg2::ui::Ticket ticket, int delta);
  void clear_done();

 signals:
  void jobStarted(svg2::ui::Ticket ticket);
  void jobProgress(svg2::ui::Ticket ticket, const svg2::StepProgress& progress);
  void jobPreview(svg2::ui::Ticket ticket, int step, const svg2::ui::VideoPtr& preview);
  void renderFinished(svg2::ui::Ticket ticket, const svg2::ui::RenderResultPtr& result,
                      const QString& history_id);
  void compareFinished(svg2::ui::Ticket ticket, const svg2::ui::CompareResultPtr& result,
                       const QString& history_id);
  void jobFailed(svg2::ui::Ticket ticket, const QString& message);
  void jobCancelled(svg2::ui::Ticket ticket);
  void idle();

 private:
  void dispatch();
  void end_job(Ticket ticket);

  JobQueueModel* queue_;
  EngineBridge* bridge_;
  RenderHistory* history_;
  Ticket running_ = 0;
  QString dense_cache_dir_;
};

}  // namespace svg2::ui

#pragma once
// The studio's main window: prompt, model, parameters and attention docks; the player and the
// compare view in the centre; the queue, the history gallery and the attention inspector as docks.
// It wires panels (which only show state) to the job runner, the history and the settings.
#include <QMainWindow>

#include "engine_types.h"
#include "render_history.h"
#include "studio_settings.h"

class QAction;
class QLabel;
class QTabWidget;
class QDockWidget;

namespace svg2::ui {

class AttentionPanel;
class CompareView;
class EngineBridge;
class HistoryGallery;
class JobQueueModel;
class JobRunner;
class ModelPicker;
class ParamsPanel;
class Player;
class PromptPanel;
class QueueDock;

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;

  // The render parameters the panels describe now.
  RenderParams current_params() const;
  // Empty when a render can be queued; otherwise why not (also shown in the status bar).
  QString render_problem() const;

  // Queue the current settings (what Ctrl+Enter / the Render button do). Returns 0 when a
  // problem prevents it.
  Ticket render();
  Ticket compare();
  void cancel_current();
  void export_current();
  // Opens a history entry in the player or the compare view.
  void open_history_entry(const QString& id);
  // Re-uses a saved render's settings in the panels.
  void reuse_settings(const QString& id);

  enum class CentralView { Player = 0, Compare = 1 };
  void show_view(CentralView view);
  CentralView current_view() const;

  // Parts, for tests and the app's wiring.
  PromptPanel* prompt_panel() const { return prompt_panel_; }
  ModelPicker* model_picker() const { return model_picker_; }
  ParamsPanel* params_panel() const { return params_panel_; }
  AttentionPanel* attention_panel() const { return attention_panel_; }
  Player* player() const { return player_; }
  CompareView* compare_view() const { return compare_view_; }
  HistoryGallery* gallery() const { return gallery_; }
  QueueDock* queue_dock() const { return queue_dock_; }
  JobQueueModel* queue_model() const { return queue_; }
  JobRunner* runner() const { return runner_; }
  RenderHistory* history() const { return history_; }
  EngineBridge* bridge() const { return bridge_; }
  QAction* render_action() const { return render_action_; }
  QDockWidget* inspector_dock() const { return inspector_dock_; }

  StudioSettings collect_settings() const;
  void save_settings() const;

 protected:
  void closeEvent(QCloseEvent* event) override;

 private:
  void build_docks();
  void build_actions();
  void apply_settings(const StudioSettings& settings);
  void on_model_changed();
  void refresh_render_state();
  void on_render_finished(Ticket ticket, const RenderResultPtr& result, const QString& history_id);
  void on_compare_finished(Ticket ticket, const CompareResultPtr& result, const QString& history_id);
  void on_job_failed(Ticket ticket, const QString& message);
  void show_status(const QString& text, int timeout_ms = 0);
  class PlaybackClock* active_clock() const;

  StudioSettings settings_;
  EngineBridge* bridge_;
  RenderHistory* history_;
  JobQueueModel* queue_;
  JobRunner* runner_;

  PromptPanel* prompt_panel_;
  ModelPicker* model_picker_;
  ParamsPanel* params_panel_;
  AttentionPanel* attention_panel_;
  Player* player_;
  CompareView* compare_view_;
  HistoryGallery* gallery_;
  QueueDock* queue_dock_;
  QTabWidget* central_;
  QDockWidget* inspector_dock_ = nullptr;
  QLabel* status_label_;
  QAction* render_action_ = nullptr;
  QAction* compare_action_ = nullptr;
  QAction* cancel_action_ = nullptr;
  QAction* export_action_ = nullptr;
  QString last_history_id_;     // the newest finished render/compare, for export names
  QString shown_history_id_;    // what the player shows
  QString compare_history_id_;  // what the compare view shows
  bool applying_settings_ = false;
};

}  // namespace svg2::ui

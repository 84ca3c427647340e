#include "main_window.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDesktopServices>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QShortcut>
#include <QStandardPaths>
#include <QStatusBar>
#include <QStyle>
#include <QTabWidget>
#include <QToolBar>
#include <QUrl>

#include "attention_panel.h"
#include "compare_report.h"
#include "compare_view.h"
#include "engine_bridge.h"
#include "error_dialog.h"
#include "export_dialog.h"
#include "history_gallery.h"
#include "inspector_dock.h"
#include "job_queue.h"
#include "job_runner.h"
#include "model_picker.h"
#include "params_panel.h"
#include "playback_clock.h"
#include "player.h"
#include "prompt_panel.h"
#include "queue_dock.h"
#include "scroll_panel.h"
#include "svg2/logging.h"
#include "theme.h"

namespace svg2::ui {

namespace {

QString short_prompt(const std::string& prompt) {
  QString text = QString::fromStdString(prompt).simplified();
  return text.size() > 70 ? text.left(67) + "…" : text;
}

QDockWidget* make_dock(QMainWindow* window, const QString& title, const char* name, QWidget* content) {
  auto* dock = new QDockWidget(title, window);
  dock->setObjectName(name);
  dock->setWidget(content);
  dock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable |
                    QDockWidget::DockWidgetClosable);
  return dock;
}

}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  setWindowTitle("SVG2 Studio");
  setObjectName("mainWindow");
  register_engine_types();
  {
    QSettings q;
    settings_ = StudioSettings::load(q);
  }

  bridge_ = new EngineBridge({}, this);
  history_ = new RenderHistory(settings_.renders_dir, this);
  queue_ = new JobQueueModel(this);
  runner_ = new JobRunner(queue_, bridge_, history_, this);

  prompt_panel_ = new PromptPanel(this);
  model_picker_ = new ModelPicker(this);
  params_panel_ = new ParamsPanel(this);
  attention_panel_ = new AttentionPanel(this);
  player_ = new Player(this);
  compare_view_ = new CompareView(this);
  gallery_ = new HistoryGallery(history_, this);
  queue_dock_ = new QueueDock(queue_, this);

  central_ = new QTabWidget(this);
  central_->setObjectName("centralTabs");
  central_->addTab(player_, "Player");
  central_->addTab(compare_view_, "Compare");
  central_->setDocumentMode(true);
  setCentralWidget(central_);

  status_label_ = new QLabel(this);
  status_label_->setObjectName("statusLabel");
  // A long status (a prompt) is cut at the window's edge instead of widening the window.
  status_label_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
  statusBar()->addPermanentWidget(status_label_, 1);

  build_docks();
  build_actions();

  connect(model_picker_, &ModelPicker::modelChanged, this, &MainWindow::on_model_changed);
  connect(model_picker_, &ModelPicker::foldersChanged, this, [this] { save_settings(); });
  connect(prompt_panel_, &PromptPanel::changed, this, &MainWindow::refresh_render_state);
  connect(params_panel_, &ParamsPanel::changed, this, &MainWindow::refresh_render_state);
  connect(attention_panel_, &AttentionPanel::changed, this, &MainWindow::refresh_render_state);

  connect(queue_dock_, &QueueDock::cancelRequested, runner_, &JobRunner::cancel);
  connect(queue_dock_, &QueueDock::duplicateRequested, runner_, &JobRunner::duplicate);
  connect(queue_dock_, &QueueDock::retryRequested, runner_, &JobRunner::retry);
  connect(queue_dock_, &QueueDock::removeRequested, runner_, &JobRunner::remove);
  connect(queue_dock_, &QueueDock::moveRequested, runner_, &JobRunner::move);
  connect(queue_dock_, &QueueDock::clearDoneRequested, runner_, &JobRunner::clear_done);

  connect(runner_, &JobRunner::jobStarted, this, [this](Ticket t) {
    const QueueItem* item = queue_->find(t);
    if (item) show_status("Rendering: " + item->title());
    show_view(CentralView::Player);
    player_->clear("Starting…");
  });
  connect(runner_, &JobRunner::jobProgress, this, [this](Ticket t, const StepProgress&) {
    const QueueItem* item = queue_->find(t);
    if (item) show_status(item->title() + " — " + item->progress_text());
  });
  connect(runner_, &JobRunner::jobPreview, this, [this](Ticket t, int step, const VideoPtr& preview) {
    const QueueItem* item = queue_->find(t);
    const int total = item ? item->progress.total : 0;
    QString caption = total > 0 ? QString("Live preview · step %1/%2").arg(step).arg(total)
                                : QString("Live preview · step %1").arg(step);
    if (item && item->kind == JobKind::Compare && !item->phase.isEmpty())
      caption = (item->phase.startsWith("dense") ? "Dense · " : "Sparse · ") + caption;
    player_->show_preview(preview, caption);
  });
  connect(runner_, &JobRunner::renderFinished, this, &MainWindow::on_render_finished);
  connect(runner_, &JobRunner::compareFinished, this, &MainWindow::on_compare_finished);
  connect(runner_, &JobRunner::jobFailed, this, &MainWindow::on_job_failed);
  connect(runner_, &JobRunner::jobCancelled, this, [this](Ticket t) {
    show_status("Cancelled", 5000);
    if (player_->previewing() || !player_->video()) player_->clear("Cancelled");
    (void)t;
    refresh_render_state();
  });
  connect(runner_, &JobRunner::idle, this, &MainWindow::refresh_render_state);
  connect(history_, &RenderHistory::saveFailed, this, [this](const QString& id, const QString& message) {
    show_engine_error(this, "Saving the render failed",
                      "The render finished but could not be saved to " + QDir(history_->root()).filePath(id) +
                          ":\n" + message + "\n\nIt is still open in the player: export it from there.");
  });
  connect(gallery_, &HistoryGallery::openRequested, this, &MainWindow::open_history_entry);
  connect(gallery_, &HistoryGallery::reuseRequested, this, &MainWindow::reuse_settings);
  connect(gallery_, &HistoryGallery::exportRequested, this, [this](const QString& id) {
    open_history_entry(id);
    show_status("Opened the render; press Export (Ctrl+E) once it is loaded", 5000);
  });

  apply_settings(settings_);
  resize(1280, 800);
  if (!settings_.window_geometry.isEmpty()) restoreGeometry(settings_.window_geometry);
  if (!settings_.window_state.isEmpty()) restoreState(settings_.window_state);
  refresh_render_state();
}

MainWindow::~MainWindow() {
  // Stop the engine first: no job event may reach a half-destroyed window.
  delete bridge_;
  bridge_ = nullptr;
}

void MainWindow::build_docks() {
  setCorner(Qt::BottomLeftCorner, Qt::LeftDockWidgetArea);
  setCorner(Qt::BottomRightCorner, Qt::RightDockWidgetArea);
  setDockOptions(QMainWindow::AnimatedDocks | QMainWindow::AllowTabbedDocks | QMainWindow::AllowNestedDocks);

  // Form-like panels scroll inside their docks, so every dock fits a 1280x800 screen at once.
  auto* prompt_dock = make_dock(this, "Prompt", "promptDock", prompt_panel_);
  auto* model_dock = make_dock(this, "Model", "modelDock", make_scroll_panel(model_picker_));
  auto* params_dock = make_dock(this, "Parameters", "paramsDock", make_scroll_panel(params_panel_));
  auto* attention_dock = make_dock(this, "Attention", "attentionDock", make_scroll_panel(attention_panel_));
  auto* queue_dock = make_dock(this, "Queue", "queueDock", queue_dock_);
  auto* history_dock = make_dock(this, "History", "historyDock", gallery_);
  inspector_dock_ = make_dock(this, "Attention inspector", "inspectorDock",
                              make_inspector_dock_widget(bridge_, runner_, this));

  addDockWidget(Qt::LeftDockWidgetArea, prompt_dock);
  addDockWidget(Qt::LeftDockWidgetArea, model_dock);
  addDockWidget(Qt::LeftDockWidgetArea, params_dock);
  addDockWidget(Qt::RightDockWidgetArea, attention_dock);
  addDockWidget(Qt::RightDockWidgetArea, queue_dock);
  addDockWidget(Qt::BottomDockWidgetArea, history_dock);
  addDockWidget(Qt::BottomDockWidgetArea, inspector_dock_);
  tabifyDockWidget(history_dock, inspector_dock_);
  history_dock->raise();
  resizeDocks({prompt_dock, model_dock, params_dock}, {200, 120, 420}, Qt::Vertical);
  resizeDocks({attention_dock, queue_dock}, {440, 300}, Qt::Vertical);
  resizeDocks({prompt_dock, attention_dock}, {350, 350}, Qt::Horizontal);
  resizeDocks({history_dock}, {190}, Qt::Vertical);
}

void MainWindow::build_actions() {
  auto* toolbar = addToolBar("Render");
  toolbar->setObjectName("renderToolbar");
  toolbar->setMovable(false);
  toolbar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);

  render_action_ = new QAction(style()->standardIcon(QStyle::SP_MediaPlay), "Render", this);
  render_action_->setObjectName("renderAction");
  render_action_->setShortcuts(
      {QKeySequence(Qt::CTRL | Qt::Key_Return), QKeySequence(Qt::CTRL | Qt::Key_Enter)});
  render_action_->setToolTip("Queue a render of the current settings (Ctrl+Enter)");
  connect(render_action_, &QAction::triggered, this, [this] { render(); });

  compare_action_ = new QAction("Compare dense vs SVG2", this);
  compare_action_->setObjectName("compareAction");
  compare_action_->setShortcuts({QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Return),
                                 QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Enter)});
  compare_action_->setToolTip(
      "Render with dense attention and with the chosen sparse attention, same seed and "
      "settings (a cached dense render is reused), then compare quality and speed "
      "(Ctrl+Shift+Enter)");
  connect(compare_action_, &QAction::triggered, this, [this] { compare(); });

  cancel_action_ = new QAction(style()->standardIcon(QStyle::SP_BrowserStop), "Cancel", this);
  cancel_action_->setObjectName("cancelAction");
  cancel_action_->setShortcut(QKeySequence(Qt::Key_Escape));
  cancel_action_->setToolTip("Cancel the running job; it stops within one step (Esc)");
  connect(cancel_action_, &QAction::triggered, this, &MainWindow::cancel_current);

  export_action_ = new QAction(style()->standardIcon(QStyle::SP_DialogSaveButton), "Export…", this);
  export_action_->setObjectName("exportAction");
  export_action_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
  export_action_->setToolTip("Export the clip (or the comparison) as MP4, WebM, GIF or PNG frames (Ctrl+E)");
  connect(export_action_, &QAction::triggered, this, &MainWindow::export_current);

  toolbar->addAction(render_action_);
  toolbar->addAction(compare_action_);
  toolbar->addAction(cancel_action_);
  toolbar->addSeparator();
  toolbar->addAction(export_action_);

  // Playback keys act on the visible view; text fields keep their own keys (Space types a space).
  auto* play = new QShortcut(QKeySequence(Qt::Key_Space), this);
  play->setObjectName("playShortcut");
  connect(play, &QShortcut::activated, this, [this] { active_clock()->toggle(); });
  auto* back = new QShortcut(QKeySequence(Qt::Key_Comma), this);
  connect(back, &QShortcut::activated, this, [this] { active_clock()->step(-1); });
  auto* forward = new QShortcut(QKeySequence(Qt::Key_Period), this);
  connect(forward, &QShortcut::activated, this, [this] { active_clock()->step(1); });

  auto* file = menuBar()->addMenu("&File");
  file->addAction(render_action_);
  file->addAction(compare_action_);
  file->addAction(cancel_action_);
  file->addSeparator();
  file->addAction(export_action_);
  file->addAction("Open renders folder", this,
                  [this] { QDesktopServices::openUrl(QUrl::fromLocalFile(history_->root())); });
  file->addSeparator();
  file->addAction("Quit", QKeySequence::Quit, this, &QWidget::close);

  auto* view = menuBar()->addMenu("&View");
  view->addAction("Player", QKeySequence(Qt::CTRL | Qt::Key_1), this,
                  [this] { show_view(CentralView::Player); });
  view->addAction("Compare", QKeySequence(Qt::CTRL | Qt::Key_2), this,
                  [this] { show_view(CentralView::Compare); });
  view->addSeparator();
  for (QDockWidget* dock : findChildren<QDockWidget*>()) view->addAction(dock->toggleViewAction());
  view->addSeparator();
  auto* dark = view->addAction("Dark theme");
  dark->setCheckable(true);
  dark->setChecked(settings_.dark_theme);
  connect(dark, &QAction::toggled, this, [this](bool on) {
    settings_.dark_theme = on;
    if (auto* app = qobject_cast<QApplication*>(QCoreApplication::instance())) apply_theme(*app, on);
    save_settings();
  });

  auto* help = menuBar()->addMenu("&Help");
  help->addAction("Open log folder", this, [] {
    QDesktopServices::openUrl(
        QUrl::fromLocalFile(QFileInfo(QString::fromStdString(log_file_path())).absolutePath()));
  });
  help->addAction("Keyboard shortcuts", this, [this] {
    QMessageBox::information(
        this, "Keyboard shortcuts",
        "Ctrl+Enter\trender\nCtrl+Shift+Enter\tcompare dense vs SVG2\nEsc\tcancel the running "
        "job\nSpace\tplay / pause\n, and .\tprevious / next frame\nCtrl+E\texport\nCtrl+1 / "
        "Ctrl+2\tplayer / compare\nCtrl+wheel\tzoom");
  });
  help->addAction("About SVG2 Studio", this, [this] {
    QMessageBox::about(this, "About SVG2 Studio",
                       "<b>SVG2 Studio</b><br>Text-to-video with Wan 2.1, accelerated by Sparse VideoGen2 "
                       "(semantic-aware sparse attention).<br>Log: " +
                           QString::fromStdString(log_file_path()).toHtmlEscaped());
  });
}

PlaybackClock* MainWindow::active_clock() const {
  return current_view() == CentralView::Compare ? compare_view_->clock() : player_->clock();
}

void MainWindow::show_view(CentralView view) {
  central_->setCurrentIndex(static_cast<int>(view));
}

MainWindow::CentralView MainWindow::current_view() const {
  return static_cast<CentralView>(central_->currentIndex());
}

void MainWindow::apply_settings(const StudioSettings& s) {
  applying_settings_ = true;
  model_picker_->set_folders(s.model_folders);
  model_picker_->select(s.model_dir, s.random_weights);
  applying_settings_ = false;
  on_model_changed();

  const RenderParams& d = s.defaults;
  prompt_panel_->set_histories(s.prompt_history, s.negative_history);
  prompt_panel_->set_prompt(QString::fromStdString(d.prompt));
  prompt_panel_->set_negative_prompt(QString::fromStdString(d.negative_prompt),
                                     d.use_default_negative && d.negative_prompt.empty());
  // Sizes, steps and attention settings belong to the model they were chosen for.
  const bool same_model =
      model_picker_->has_model() &&
      QString::fromStdString(d.random_weights) == model_picker_->current_random_weights() &&
      (!d.random_weights.empty() || QDir(QString::fromStdString(d.model_dir)).absolutePath() ==
                                        QDir(model_picker_->current_dir()).absolutePath());
  if (same_model) {
    params_panel_->apply(d);
    attention_panel_->set_config(d.attention);
  } else {
    RenderParams device_only = d;
    device_only.width = device_only.height = device_only.frames = device_only.steps = 0;
    device_only.guidance = device_only.shift = -1;
    device_only.use_default_sampler = true;
    params_panel_->apply(device_only);
  }
  params_panel_->set_seed(d.seed);
  params_panel_->set_seed_locked(s.seed_locked);
}

StudioSettings MainWindow::collect_settings() const {
  StudioSettings s = settings_;
  s.model_folders = model_picker_->folders();
  s.model_dir = model_picker_->current_dir();
  s.random_weights = model_picker_->current_random_weights();
  s.defaults = current_params();
  s.seed_locked = params_panel_->seed_locked();
  s.prompt_history = prompt_panel_->prompt_history();
  s.negative_history = prompt_panel_->negative_history();
  s.window_geometry = saveGeometry();
  s.window_state = saveState();
  return s;
}

void MainWindow::save_settings() const {
  QSettings q;
  collect_settings().save(q);
}

void MainWindow::closeEvent(QCloseEvent* event) {
  save_settings();
  runner_->cancel_running();
  QMainWindow::closeEvent(event);
}

void MainWindow::on_model_changed() {
  if (applying_settings_) return;
  if (!model_picker_->has_model()) {
    refresh_render_state();
    return;
  }
  const ModelInfo& m = model_picker_->current();
  params_panel_->set_model(m);
  attention_panel_->set_config(m.has_attention_defaults ? m.attention_defaults : AttentionConfig{});
  prompt_panel_->set_model_default_negative(QString::fromStdString(m.default_negative_prompt));
  refresh_render_state();
}

RenderParams MainWindow::current_params() const {
  RenderParams p;
  p.model_dir = model_picker_->current_dir().toStdString();
  p.random_weights = model_picker_->current_random_weights().toStdString();
  p.prompt = prompt_panel_->prompt().toStdString();
  p.negative_prompt = prompt_panel_->negative_prompt().toStdString();
  p.use_default_negative = prompt_panel_->use_default_negative();
  params_panel_->write_to(p);
  p.attention = attention_panel_->config();
  p.preview_every = 1;
  return p;
}

QString MainWindow::render_problem() const {
  if (!model_picker_->has_model()) return "Choose a model (Model dock → Folders → Add model folder…).";
  if (prompt_panel_->prompt().isEmpty()) return "Type a prompt.";
  if (const QString p = params_panel_->problem(); !p.isEmpty()) return p;
  if (const QString p = attention_panel_->problem(); !p.isEmpty()) return p;
  return {};
}

void MainWindow::refresh_render_state() {
  if (model_picker_->has_model()) {
    const int latent_frames = (params_panel_->frames() - 1) / 4 + 1;
    const long long tokens = static_cast<long long>(latent_frames) * (params_panel_->height() / 16) *
                             (params_panel_->width() / 16);
    attention_panel_->set_render_shape(params_panel_->steps(), model_picker_->current().layers, tokens);
  }
  const QString problem = render_problem();
  const bool ok = problem.isEmpty();
  render_action_->setEnabled(ok);
  compare_action_->setEnabled(ok);
  render_action_->setToolTip(ok ? "Queue a render of the current settings (Ctrl+Enter)"
                                : "Cannot render: " + problem);
  const bool busy = runner_->running() != 0;
  cancel_action_->setEnabled(busy);
  if (!ok) {
    status_label_->setStyleSheet("color: #ff8a80;");
    status_label_->setText("Cannot render: " + problem);
  } else if (!busy) {
    status_label_->setStyleSheet({});
    status_label_->setText("Ready · Ctrl+Enter renders");
  }
}

void MainWindow::show_status(const QString& text, int timeout_ms) {
  if (timeout_ms > 0) {
    statusBar()->showMessage(text, timeout_ms);
    return;
  }
  status_label_->setStyleSheet({});
  status_label_->setText(text);
}

Ticket MainWindow::render() {
  if (const QString problem = render_problem(); !problem.isEmpty()) {
    refresh_render_state();
    return 0;
  }
  const Ticket t = runner_->queue_render(current_params(), model_picker_->current_label());
  prompt_panel_->remember_current();
  params_panel_->advance_seed();
  save_settings();
  refresh_render_state();
  return t;
}

Ticket MainWindow::compare() {
  if (const QString problem = render_problem(); !problem.isEmpty()) {
    refresh_render_state();
    return 0;
  }
  const Ticket t = runner_->queue_compare(current_params(), model_picker_->current_label());
  prompt_panel_->remember_current();
  params_panel_->advance_seed();
  save_settings();
  refresh_render_state();
  return t;
}

void MainWindow::cancel_current() {
  if (runner_->running() == 0) return;
  runner_->cancel_running();
  show_status("Cancelling… (stops before the next step)");
}

void MainWindow::on_render_finished(Ticket, const RenderResultPtr& result, const QString& history_id) {
  last_history_id_ = history_id;
  shown_history_id_ = history_id;
  const RenderResult& r = *result;
  const QString title = QString("%1 — seed %2 · %3 · %4")
                            .arg(short_prompt(r.params.prompt))
                            .arg(r.params.seed)
                            .arg(attention_mode_label(r.params.attention.mode))
                            .arg(format_duration_ms(r.timings.total_ms));
  player_->set_video(std::shared_ptr<const Video>(result, &result->video), title);
  show_view(CentralView::Player);
  const bool sparse = r.density.sparse_calls > 0;
  attention_panel_->show_last_run(attention_mode_label(r.params.attention.mode),
                                  sparse ? r.density.mean_density : -1, r.density.overall_density,
                                  r.timings.dit_ms, -1, -1);
  show_status(QString("Finished in %1 (DiT %2)")
                  .arg(format_duration_ms(r.timings.total_ms), format_duration_ms(r.timings.dit_ms)),
              8000);
  refresh_render_state();
}

void MainWindow::on_compare_finished(Ticket, const CompareResultPtr& result, const QString& history_id) {
  last_history_id_ = history_id;
  compare_history_id_ = history_id;
  shown_history_id_ = history_id;
  const CompareReport report = compare_report_from_result(*result);
  const VideoPtr dense(result, &result->dense.video), sparse(result, &result->sparse.video);
  compare_view_->set_comparison(
      dense, sparse, report,
      QString("%1 — seed %2").arg(short_prompt(result->sparse.params.prompt)).arg(report.seed));
  player_->set_video(sparse, QString("%1 — %2, seed %3")
                                 .arg(short_prompt(result->sparse.params.prompt), report.sparse_label)
                                 .arg(report.seed));
  show_view(CentralView::Compare);
  attention_panel_->show_last_run(report.sparse_label, result->density,
                                  result->sparse.density.overall_density, result->sparse.timings.dit_ms,
                                  result->speedup_dit, result->speedup_attention);
  show_status(QString("Compared: PSNR %1, SSIM %2, DiT speedup %3")
                  .arg(format_psnr(report.mean_psnr), format_ssim(report.mean_ssim),
                       format_speedup(report.speedup_dit)),
              8000);
  refresh_render_state();
}

void MainWindow::on_job_failed(Ticket ticket, const QString& message) {
  const QueueItem* item = queue_->find(ticket);
  const QString what = item && item->kind == JobKind::Compare ? "The comparison failed" : "The render failed";
  if (player_->previewing()) player_->clear("Failed");
  show_status(what, 8000);
  show_engine_error(this, what, message);
  refresh_render_state();
}

void MainWindow::export_current() {
  ExportSource source;
  source.default_folder = QStandardPaths::writableLocation(QStandardPaths::MoviesLocation);
  if (source.default_folder.isEmpty() || !QFileInfo(source.default_folder).isDir())
    source.default_folder = QDir::homePath();
  if (current_view() == CentralView::Compare && compare_view_->has_comparison()) {
    source.video = compare_view_->sparse();
    source.dense = compare_view_->dense();
    source.report = compare_view_->report();
    source.suggested_name =
        "svg2-compare-" + (compare_history_id_.isEmpty() ? QString("clip") : compare_history_id_);
  } else if (player_->video()) {
    source.video = player_->video();
    source.suggested_name = "svg2-" + (shown_history_id_.isEmpty() ? QString("clip") : shown_history_id_);
  } else {
    show_status("Nothing to export yet: render a clip or open one from the history", 6000);
    return;
  }
  auto* dialog = new ExportDialog(source, this);
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  connect(dialog, &ExportDialog::exportFinished, this, [this](bool ok, const QString& text) {
    if (ok) show_status("Exported " + text, 8000);
  });
  dialog->open();
}

void MainWindow::open_history_entry(const QString& id) {
  const HistoryEntry* found = history_->find(id);
  if (!found) return;
  const HistoryEntry entry = *found;
  show_status("Loading " + entry.id + "…", 3000);
  history_->load(entry, this, [this, entry](VideoPtr first, VideoPtr second, QString error) {
    if (!error.isEmpty()) {
      show_engine_error(this, "Could not open the render", error);
      return;
    }
    const QString title = short_prompt(entry.prompt.toStdString()) + " — " + entry.summary;
    if (entry.kind == HistoryEntry::Kind::Compare) {
      QFile file(entry.compare_json);
      QString parse_error;
      CompareReport report;
      if (file.open(QIODevice::ReadOnly))
        report = compare_report_from_json(file.readAll(), &parse_error);
      else
        parse_error = "cannot read " + entry.compare_json;
      if (!report.valid()) {
        show_engine_error(this, "Could not open the comparison", parse_error);
        return;
      }
      compare_history_id_ = entry.id;
      compare_view_->set_comparison(first, second, report, title);
      show_view(CentralView::Compare);
    } else {
      shown_history_id_ = entry.id;
      player_->set_video(first, title);
      show_view(CentralView::Player);
    }
  });
}

void MainWindow::reuse_settings(const QString& id) {
  const HistoryEntry* entry = history_->find(id);
  if (!entry) return;
  RenderParams p;
  try {
    p = render_params_from_file(entry->sidecar.toStdString());
  } catch (const std::exception& e) {
    show_engine_error(this, "Could not read the render's settings", QString::fromStdString(e.what()));
    return;
  }
  if (!model_picker_->select(QString::fromStdString(p.model_dir), QString::fromStdString(p.random_weights)))
    show_status("The render's model is not available; keeping the current model", 6000);
  prompt_panel_->set_prompt(QString::fromStdString(p.prompt));
  prompt_panel_->set_negative_prompt(QString::fromStdString(p.negative_prompt),
                                     p.use_default_negative && p.negative_prompt.empty());
  params_panel_->apply(p);
  attention_panel_->set_config(p.attention);
  params_panel_->set_seed_locked(true);  // same settings means the same seed
  show_status("Settings of " + id + " loaded (seed locked)", 5000);
}

}  // namespace svg2::ui

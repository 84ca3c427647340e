// The studio end to end with the real engine on the tiny random model (CPU, offscreen): typing a
// prompt and pressing Ctrl+Enter queues a job whose progress, previews and finished clip reach the
// UI thread as queued signals; the clip is stored in the history and survives a restart; Esc
// cancels within a step; Space plays; bad input is blocked inline; engine errors show a dialog with
// the log path; the queue runs in its (re)ordered order; dense-vs-SVG2 compare with metrics and
// the dense cache; export (and a failing export that keeps the render).
#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QMessageBox>
#include <QOpenGLWidget>
#include <QPlainTextEdit>
#include <QSignalSpy>
#include <QSpinBox>
#include <QThread>
#include <QtTest>

#include <atomic>
#include <filesystem>

#include "attention_panel.h"
#include "compare_view.h"
#include "engine_bridge.h"
#include "export_dialog.h"
#include "frame_view.h"
#include "history_gallery.h"
#include "job_queue.h"
#include "job_runner.h"
#include "main_window.h"
#include "model_picker.h"
#include "params_panel.h"
#include "playback_clock.h"
#include "player.h"
#include "prompt_panel.h"
#include "qt_video.h"
#include "studio_test_env.h"
#include "svg2/logging.h"
#include "svg2/media.h"

using namespace svg2;
using namespace svg2::ui;
using svg2::test::studio_test_env;
using svg2::test::write_tiny_settings;

namespace {

constexpr int kRenderTimeoutMs = 300000;

// Every runner signal, checked to arrive on the UI thread.
struct Recorder {
  QVector<Ticket> started;
  QVector<StepProgress> progress;
  QVector<VideoPtr> previews;
  QVector<QPair<Ticket, RenderResultPtr>> finished;
  QVector<QString> history_ids;
  QVector<CompareResultPtr> compared;
  QVector<QString> failures;
  QVector<Ticket> cancelled;
  bool all_on_ui_thread = true;

  explicit Recorder(JobRunner* runner) {
    auto on_ui = [this] { all_on_ui_thread &= QThread::currentThread() == qApp->thread(); };
    QObject::connect(runner, &JobRunner::jobStarted, runner, [this, on_ui](Ticket t) {
      on_ui();
      started << t;
    });
    QObject::connect(runner, &JobRunner::jobProgress, runner, [this, on_ui](Ticket, const StepProgress& p) {
      on_ui();
      progress << p;
    });
    QObject::connect(runner, &JobRunner::jobPreview, runner, [this, on_ui](Ticket, int, const VideoPtr& v) {
      on_ui();
      previews << v;
    });
    QObject::connect(runner, &JobRunner::renderFinished, runner,
                     [this, on_ui](Ticket t, const RenderResultPtr& r, const QString& id) {
                       on_ui();
                       finished << qMakePair(t, r);
                       history_ids << id;
                     });
    QObject::connect(runner, &JobRunner::compareFinished, runner,
                     [this, on_ui](Ticket, const CompareResultPtr& r, const QString& id) {
                       on_ui();
                       compared << r;
                       history_ids << id;
                     });
    QObject::connect(runner, &JobRunner::jobFailed, runner, [this, on_ui](Ticket, const QString& m) {
      on_ui();
      failures << m;
    });
    QObject::connect(runner, &JobRunner::jobCancelled, runner, [this, on_ui](Ticket t) {
      on_ui();
      cancelled << t;
    });
  }

  int max_denoise_step() const {
    int best = 0;
    for (const auto& p : progress)
      if (p.stage == "denoise") best = std::max(best, p.step);
    return best;
  }
};

void show_and_activate(MainWindow& w) {
  w.show();
  w.activateWindow();
  QVERIFY(QTest::qWaitForWindowExposed(&w));
  QVERIFY(QTest::qWaitForWindowActive(&w));
}

QMessageBox* find_error_dialog() {
  for (QWidget* w : QApplication::topLevelWidgets())
    if (auto* box = qobject_cast<QMessageBox*>(w);
        box && box->objectName() == "engineErrorDialog" && box->isVisible())
      return box;
  return nullptr;
}

QJsonObject read_json(const QString& path) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) return {};
  return QJsonDocument::fromJson(file.readAll()).object();
}

}  // namespace

class GuiFlow : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    studio_test_env();
    QVERIFY(QFileInfo(studio_test_env().model_dir).isDir());
  }

  void render_flow_prompt_to_finished() {
    write_tiny_settings();
    MainWindow w;
    show_and_activate(w);
    QCOMPARE(QDir(w.model_picker()->current_dir()).absolutePath(),
             QDir(studio_test_env().model_dir).absolutePath());
    QCOMPARE(w.params_panel()->width(), 64);
    QCOMPARE(w.params_panel()->height(), 48);
    QCOMPARE(w.params_panel()->frames(), 5);
    QCOMPARE(w.params_panel()->steps(), 3);
    QVERIFY(w.render_action()->isEnabled());

    Recorder rec(w.runner());
    QPlainTextEdit* editor = w.prompt_panel()->prompt_editor();
    editor->setFocus();
    editor->clear();
    QTest::keyClicks(editor, "a blue box spins");
    QTest::keyClick(editor, Qt::Key_Return, Qt::ControlModifier);

    // Queued and returned at once: the UI thread did not run the job.
    QCOMPARE(w.queue_model()->count(), 1);
    QVERIFY(rec.finished.isEmpty());
    QCOMPARE(editor->toPlainText(), QString("a blue box spins"));  // Ctrl+Enter inserted no newline

    QTRY_COMPARE_WITH_TIMEOUT(rec.finished.size(), 1, kRenderTimeoutMs);
    QVERIFY(rec.all_on_ui_thread);
    QVERIFY(rec.failures.isEmpty());
    QCOMPARE(rec.started.size(), 1);

    // Per-step progress with speed and ETA, in order.
    QVector<int> steps;
    for (const auto& p : rec.progress)
      if (p.stage == "denoise") {
        steps << p.step;
        QCOMPARE(p.total, 3);
        QVERIFY(p.it_per_s > 0);
        QVERIFY(p.eta_s >= 0);
      }
    QCOMPARE(steps, (QVector<int>{1, 2, 3}));
    // A live preview after every step: one frame per latent frame, at latent resolution.
    QVERIFY(rec.previews.size() >= 3);
    QCOMPARE(rec.previews.last()->frames, 2);
    QCOMPARE(rec.previews.last()->width, 8);
    QCOMPARE(rec.previews.last()->height, 6);

    // The decoded clip in the player.
    const RenderResult& result = *rec.finished[0].second;
    QCOMPARE(QString::fromStdString(result.params.prompt), QString("a blue box spins"));
    QCOMPARE(result.params.seed, 7);
    QVERIFY(w.player()->video());
    QCOMPARE(w.player()->video()->frames, 5);
    QCOMPARE(w.player()->video()->width, 64);
    QCOMPARE(w.player()->video()->height, 48);
    QVERIFY(!w.player()->previewing());
    QVERIFY(!w.player()->view()->image().isNull());
    const QueueItem& item = w.queue_model()->at(0);
    QCOMPARE(item.state, JobState::Finished);
    QCOMPARE(item.history_id, rec.history_ids[0]);
    QVERIFY(!w.findChild<QLabel*>("attentionReadout")->text().contains("—"));

    // Stored on disk: clip + sidecar + thumbnail, and listed in the gallery.
    QTRY_COMPARE_WITH_TIMEOUT(w.gallery()->count(), 1, 60000);
    const HistoryEntry* entry = w.history()->find(rec.history_ids[0]);
    QVERIFY(entry);
    QVERIFY(QFileInfo(entry->video).exists());
    QVERIFY(entry->video.endsWith("clip.mp4"));
    QVERIFY(QFileInfo(entry->thumbnail).exists());
    const QJsonObject sidecar = read_json(entry->sidecar);
    QCOMPARE(sidecar.value("params").toObject().value("prompt").toString(), QString("a blue box spins"));
    QCOMPARE(sidecar.value("video").toObject().value("frames").toInt(), 5);
    QCOMPARE(entry->prompt, QString("a blue box spins"));

    // The prompt went into the history and the settings.
    QCOMPARE(w.prompt_panel()->prompt_history().value(0), QString("a blue box spins"));
  }

  void history_survives_restart() {
    MainWindow w;  // the settings and renders of the previous test
    show_and_activate(w);
    QVERIFY(w.gallery()->count() >= 1);
    QCOMPARE(w.prompt_panel()->prompt(), QString("a blue box spins"));
    const QString id = w.gallery()->id_at(0);
    w.open_history_entry(id);
    QTRY_VERIFY_WITH_TIMEOUT(w.player()->video() != nullptr, 60000);
    QCOMPARE(w.player()->video()->frames, 5);  // decoded from clip.mp4
    QCOMPARE(w.player()->video()->width, 64);
  }

  void space_plays_but_types_in_text_fields() {
    MainWindow w;
    show_and_activate(w);
    w.open_history_entry(w.gallery()->id_at(0));
    QTRY_VERIFY_WITH_TIMEOUT(w.player()->video() != nullptr, 60000);
    PlaybackClock* clock = w.player()->clock();
    clock->pause();
    w.player()->view()->setFocus();
    QTest::keyClick(w.player()->view(), Qt::Key_Space);
    QVERIFY(clock->playing());
    QTest::keyClick(w.player()->view(), Qt::Key_Space);
    QVERIFY(!clock->playing());

    QPlainTextEdit* editor = w.prompt_panel()->prompt_editor();
    editor->setFocus();
    editor->moveCursor(QTextCursor::End);
    const QString before = editor->toPlainText();
    QTest::keyClick(editor, Qt::Key_Space);
    QCOMPARE(editor->toPlainText(), before + " ");
    QVERIFY(!clock->playing());

    // Frame stepping keys.
    w.player()->view()->setFocus();
    clock->seek(0);
    QTest::keyClick(w.player()->view(), Qt::Key_Period);
    QCOMPARE(clock->frame(), 1);
    QTest::keyClick(w.player()->view(), Qt::Key_Comma);
    QCOMPARE(clock->frame(), 0);
  }

  void escape_cancels_within_one_step() {
    std::atomic<int> engine_step{0};  // outlives the window (the engine thread writes it)
    write_tiny_settings([](ui::StudioSettings& s) { s.defaults.steps = 40; });
    MainWindow w;
    show_and_activate(w);
    QCOMPARE(w.params_panel()->steps(), 40);
    const int saved_before = w.gallery()->count();
    QVERIFY(!w.findChild<QAction*>("cancelAction")->isEnabled());  // nothing to cancel
    Recorder rec(w.runner());
    // "Within one step" is counted against the engine's own count of finished steps, recorded on
    // the engine thread as it reports them. What the UI has shown so far trails it by the time the UI
    // thread needs per step: with this tiny model a step takes a few tens of milliseconds, as long as
    // one repaint under Xvfb's software OpenGL, so counting from the UI's view (as this test once
    // did) reported 3-17 "extra" steps that the engine had finished before Esc was pressed.
    auto* bridge = w.findChild<EngineBridge*>();
    QVERIFY(bridge);
    connect(
        bridge, &EngineBridge::progress, bridge,
        [&engine_step](Ticket, const StepProgress& p) {
          if (p.stage == "denoise") engine_step.store(p.step);
        },
        Qt::DirectConnection);
    QTest::keyClick(&w, Qt::Key_Return, Qt::ControlModifier);
    QTRY_VERIFY_WITH_TIMEOUT(rec.max_denoise_step() >= 2, kRenderTimeoutMs);
    QVERIFY(w.findChild<QAction*>("cancelAction")->isEnabled());
    const int ui_step = rec.max_denoise_step();
    const int engine_before = engine_step.load();
    QTest::keyClick(w.player()->view(), Qt::Key_Escape);
    // The shortcut ran synchronously: the job's cancel flag is set now. The steps finished when it
    // was set are at most `engine_at_cancel`; the step running then may still finish, no other.
    const int engine_at_cancel = engine_step.load();
    QVERIFY(w.queue_model()->at(0).cancel_requested);
    QTRY_COMPARE_WITH_TIMEOUT(rec.cancelled.size(), 1, 60000);
    qInfo("Esc: UI at step %d, engine at %d before / %d after Esc, last step %d (engine %d)", ui_step,
          engine_before, engine_at_cancel, rec.max_denoise_step(), engine_step.load());
    QVERIFY2(rec.max_denoise_step() <= engine_at_cancel + 1,
             qPrintable(
                 QString("Esc after step %1, ran to %2").arg(engine_at_cancel).arg(rec.max_denoise_step())));
    QCOMPARE(rec.max_denoise_step(), engine_step.load());  // every step's progress reached the UI
    QVERIFY(rec.max_denoise_step() < 40);
    QVERIFY(rec.finished.isEmpty());
    QCOMPARE(w.queue_model()->at(0).state, JobState::Cancelled);
    QVERIFY(!w.player()->previewing());
    QTest::qWait(200);
    QCOMPARE(w.gallery()->count(), saved_before);  // nothing saved for a cancelled job
    // The engine is free again: a retry runs to the end.
    w.params_panel()->findChild<QSpinBox*>("stepsSpin")->setValue(2);
    QVERIFY(w.render() != 0);
    QTRY_COMPARE_WITH_TIMEOUT(rec.finished.size(), 1, kRenderTimeoutMs);
  }

  void inspector_is_built_when_first_opened() {
    write_tiny_settings();
    MainWindow w;
    show_and_activate(w);
    auto* bridge = w.findChild<EngineBridge*>();
    QVERIFY(bridge);
    QDockWidget* inspector = w.inspector_dock();
    auto gl_widgets = [&w] { return w.findChildren<QOpenGLWidget*>(); };
    // Tabbed behind the history: no OpenGL widget in the window (so it is not composed through
    // OpenGL) and no telemetry asked of the engine.
    QVERIFY(!inspector->isHidden());
    QVERIFY(gl_widgets().isEmpty());
    QVERIFY(!bridge->telemetry_options().enabled);

    inspector->raise();
    QTRY_COMPARE(gl_widgets().size(), 1);
    QTRY_VERIFY(gl_widgets().first()->isVisible());
    QCOMPARE(gl_widgets().first()->objectName(), QString("inspectorPanel"));
    QTRY_VERIFY(bridge->telemetry_options().enabled);
    QTRY_VERIFY(w.isActiveWindow());  // keyboard shortcuts keep working

    // Back behind the history: telemetry off; opened again: the same panel, telemetry on.
    w.findChild<QDockWidget*>("historyDock")->raise();
    QTRY_VERIFY(!bridge->telemetry_options().enabled);
    inspector->raise();
    QTRY_VERIFY(bridge->telemetry_options().enabled);
    QCOMPARE(gl_widgets().size(), 1);
  }

  void impossible_parameters_are_blocked_inline() {
    write_tiny_settings();
    MainWindow w;
    show_and_activate(w);
    QVERIFY(w.render_action()->isEnabled());
    auto* status = w.findChild<QLabel*>("statusLabel");

    // Frames: 32 is not 4n+1; it snaps to 33 and says so.
    auto* frames = w.params_panel()->findChild<QSpinBox*>("framesSpin");
    frames->setFocus();
    frames->selectAll();
    QTest::keyClicks(frames, "32");
    QTest::keyClick(frames, Qt::Key_Enter);
    QCOMPARE(frames->value(), 33);
    auto* params_message = w.params_panel()->findChild<QLabel*>("paramsMessage");
    QVERIFY(!params_message->isHidden());
    QVERIFY(params_message->text().contains("4n+1"));
    frames->setValue(5);

    // A custom width that is not a multiple of 16 blocks rendering.
    auto* sizes = w.params_panel()->findChild<QComboBox*>("sizeCombo");
    sizes->setCurrentIndex(sizes->count() - 1);
    w.params_panel()->findChild<QSpinBox*>("customWidth")->setValue(70);
    QVERIFY(!w.render_action()->isEnabled());
    QVERIFY(status->text().contains("multiple of 16"));
    const int queued = w.queue_model()->count();
    QTest::keyClick(&w, Qt::Key_Return, Qt::ControlModifier);
    QCOMPARE(w.render(), Ticket(0));
    QCOMPARE(w.queue_model()->count(), queued);
    w.params_panel()->findChild<QSpinBox*>("customWidth")->setValue(64);
    QVERIFY(w.render_action()->isEnabled());

    // An empty prompt.
    w.prompt_panel()->set_prompt("   ");
    QVERIFY(!w.render_action()->isEnabled());
    QVERIFY(status->text().contains("Type a prompt"));
    w.prompt_panel()->set_prompt("a ball");
    QVERIFY(w.render_action()->isEnabled());

    // Offloading on the CPU.
    w.params_panel()->findChild<QCheckBox*>("offloadCheck")->setChecked(true);
    QVERIFY(!w.render_action()->isEnabled());
    QVERIFY(status->text().contains("CUDA"));
  }

  void engine_error_shows_dialog_and_keeps_finished_renders() {
    // A model folder that is fine when picked but loses its VAE before the render.
    const QString broken = QDir(studio_test_env().home).filePath("broken-model");
    std::filesystem::remove_all(broken.toStdString());
    std::filesystem::copy(studio_test_env().model_dir.toStdString(), broken.toStdString(),
                          std::filesystem::copy_options::recursive);
    write_tiny_settings([&](ui::StudioSettings& s) {
      s.model_folders = {broken};
      s.model_dir = broken;
      s.defaults.model_dir = broken.toStdString();
    });
    MainWindow w;
    show_and_activate(w);
    QCOMPARE(QDir(w.model_picker()->current_dir()).absolutePath(), QDir(broken).absolutePath());
    const int saved_before = w.history()->entries().size();
    QVERIFY(saved_before >= 1);
    QFile::rename(QDir(broken).filePath("vae.safetensors"), QDir(broken).filePath("vae.moved"));

    Recorder rec(w.runner());
    QVERIFY(w.render() != 0);
    QTRY_COMPARE_WITH_TIMEOUT(rec.failures.size(), 1, kRenderTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(find_error_dialog() != nullptr, 10000);
    QMessageBox* box = find_error_dialog();
    QVERIFY2(box->text().contains("vae", Qt::CaseInsensitive), qPrintable(box->text()));
    QVERIFY(!log_file_path().empty());
    QVERIFY2(box->informativeText().contains(QString::fromStdString(log_file_path())),
             qPrintable(box->informativeText()));
    const QueueItem& failed = w.queue_model()->at(0);
    QCOMPARE(failed.state, JobState::Failed);
    QVERIFY(!failed.message.isEmpty());
    box->close();

    // Earlier renders are untouched, on disk and in the gallery.
    QCOMPARE(w.history()->entries().size(), saved_before);
    for (const auto& e : w.history()->entries()) QVERIFY(QFileInfo(e.video).exists());

    // Fix the folder and retry the same job from the queue.
    QFile::rename(QDir(broken).filePath("vae.moved"), QDir(broken).filePath("vae.safetensors"));
    w.runner()->retry(failed.ticket);
    QTRY_COMPARE_WITH_TIMEOUT(rec.finished.size(), 1, kRenderTimeoutMs);
    QCOMPARE(rec.finished[0].first, failed.ticket);
  }

  void queue_runs_jobs_in_their_reordered_order() {
    write_tiny_settings([](ui::StudioSettings& s) { s.defaults.steps = 2; });
    MainWindow w;
    show_and_activate(w);
    Recorder rec(w.runner());
    const Ticket a = w.render();
    const Ticket b = w.render();
    const Ticket c = w.render();
    const Ticket d = w.render();
    QVERIFY(a && b && c && d);
    // While a runs: c jumps ahead of b, d is cancelled, b is duplicated.
    QVERIFY(w.queue_model()->move(c, -1));
    w.runner()->cancel(d);
    QCOMPARE(w.queue_model()->find(d)->state, JobState::Cancelled);
    w.runner()->duplicate(b);
    QTRY_COMPARE_WITH_TIMEOUT(rec.finished.size(), 4, kRenderTimeoutMs);
    QCOMPARE(rec.started.size(), 4);
    QCOMPARE(rec.started[0], a);
    QCOMPARE(rec.started[1], c);
    QCOMPARE(rec.started[2], b);
    QVERIFY(!rec.started.contains(d));
    QCOMPARE(rec.cancelled, QVector<Ticket>{d});
    for (int i = 0; i < w.queue_model()->count(); ++i)
      QVERIFY(w.queue_model()->at(i).state ==
              (w.queue_model()->at(i).ticket == d ? JobState::Cancelled : JobState::Finished));
  }

  void compare_dense_vs_svg2_with_metrics_and_cache() {
    write_tiny_settings();
    MainWindow w;
    show_and_activate(w);
    Recorder rec(w.runner());
    QVERIFY(w.compare() != 0);
    QTRY_COMPARE_WITH_TIMEOUT(rec.compared.size(), 1, kRenderTimeoutMs);
    QVERIFY(rec.failures.isEmpty());
    const CompareResult& r = *rec.compared[0];
    QCOMPARE(r.dense.params.seed, r.sparse.params.seed);
    QCOMPARE(r.dense.params.attention.mode, AttentionMode::Dense);
    QCOMPARE(r.sparse.params.attention.mode, AttentionMode::Svg2);
    QVERIFY(r.sparse.density.sparse_calls > 0);

    QCOMPARE(w.current_view(), MainWindow::CentralView::Compare);
    CompareView* view = w.compare_view();
    QVERIFY(view->has_comparison());
    const CompareReport& report = view->report();
    QCOMPARE(report.psnr.size(), 5);
    QCOMPARE(report.ssim.size(), 5);
    QVERIFY(report.mean_ssim > 0 && report.mean_ssim <= 1);
    QVERIFY(report.dense.dit_ms > 0 && report.sparse.dit_ms > 0);
    QVERIFY(report.dense.attention_ms > 0 && report.sparse.attention_ms > 0);  // stage times measured
    QVERIFY(report.speedup_dit > 0);
    QVERIFY(report.density > 0 && report.density <= 1);
    QVERIFY(!report.dense_from_cache);  // a fresh cache folder

    // The three presentations draw.
    view->set_mode(CompareView::Mode::Wipe);
    view->set_wipe_position(0.3);
    QVERIFY(!view->findChild<FrameView*>("compareWipe")->image().isNull());
    view->set_mode(CompareView::Mode::Difference);
    QVERIFY(!view->findChild<FrameView*>("compareDifference")->image().isNull());
    view->set_mode(CompareView::Mode::SideBySide);
    QVERIFY(!view->findChild<FrameView*>("compareDense")->image().isNull());
    QVERIFY(!view->findChild<FrameView*>("compareSparse")->image().isNull());
    // Synced: one clock drives both sides.
    view->clock()->seek(3);
    QCOMPARE(view->clock()->frame(), 3);

    // Stored as a comparison, and the second run reuses the cached dense render.
    QTRY_VERIFY_WITH_TIMEOUT(w.history()->find(rec.history_ids[0]) != nullptr, 60000);
    const HistoryEntry* entry = w.history()->find(rec.history_ids[0]);
    QCOMPARE(entry->kind, HistoryEntry::Kind::Compare);
    QVERIFY(QFileInfo(entry->compare_json).exists());
    QVERIFY(QFileInfo(entry->dense_video).exists());
    QVERIFY(w.compare() != 0);
    QTRY_COMPARE_WITH_TIMEOUT(rec.compared.size(), 2, kRenderTimeoutMs);
    QVERIFY(rec.compared[1]->dense_from_cache);
    QVERIFY(w.compare_view()->report().dense_from_cache);

    // Reopening the saved comparison shows the same metrics.
    w.compare_view()->clear();
    w.open_history_entry(rec.history_ids[0]);
    QTRY_VERIFY_WITH_TIMEOUT(w.compare_view()->has_comparison(), 60000);
    QCOMPARE(w.compare_view()->report().psnr.size(), 5);
    QCOMPARE(w.compare_view()->report().mean_ssim, report.mean_ssim);
  }

  void export_writes_files_and_a_failure_keeps_the_render() {
    write_tiny_settings();
    MainWindow w;
    show_and_activate(w);
    const HistoryEntry* render_entry = nullptr;
    for (const auto& e : w.history()->entries())
      if (e.kind == HistoryEntry::Kind::Render) render_entry = &e;
    QVERIFY(render_entry);
    w.open_history_entry(render_entry->id);
    QTRY_VERIFY_WITH_TIMEOUT(w.player()->video() != nullptr, 60000);
    const QString out_dir = QDir(studio_test_env().home).filePath("exports");
    QDir().mkpath(out_dir);

    ExportSource source;
    source.video = w.player()->video();
    source.suggested_name = "clip";
    source.default_folder = out_dir;
    {
      ExportDialog dialog(source);
      dialog.set_show_error_dialogs(false);
      dialog.set_format(VideoFormat::Gif);
      dialog.set_output_path(QDir(out_dir).filePath("clip.gif"));
      QSignalSpy done(&dialog, &ExportDialog::exportFinished);
      dialog.start_export();
      QTRY_COMPARE_WITH_TIMEOUT(done.size(), 1, 60000);
      QVERIFY2(done[0][0].toBool(), qPrintable(dialog.last_error()));
      QFile gif(QDir(out_dir).filePath("clip.gif"));
      QVERIFY(gif.open(QIODevice::ReadOnly));
      QCOMPARE(gif.read(3), QByteArray("GIF"));

      // A destination that cannot exist (its parent is a file): the reason is shown, the render stays.
      QFile blocker(QDir(out_dir).filePath("not-a-folder"));
      QVERIFY(blocker.open(QIODevice::WriteOnly));
      blocker.close();
      dialog.set_format(VideoFormat::Mp4H264);
      dialog.set_output_path(QDir(out_dir).filePath("not-a-folder/clip.mp4"));
      dialog.start_export();
      QTRY_COMPARE_WITH_TIMEOUT(done.size(), 2, 60000);
      QVERIFY(!done[1][0].toBool());
      QVERIFY2(dialog.last_error().contains("not-a-folder"), qPrintable(dialog.last_error()));
      QVERIFY(w.player()->video());
      QVERIFY(QFileInfo(render_entry->video).exists());
    }

    // The comparison as one labelled side-by-side video (PNG frames here, to read it back).
    const HistoryEntry* compare_entry = nullptr;
    for (const auto& e : w.history()->entries())
      if (e.kind == HistoryEntry::Kind::Compare) compare_entry = &e;
    QVERIFY(compare_entry);
    w.open_history_entry(compare_entry->id);
    QTRY_VERIFY_WITH_TIMEOUT(w.compare_view()->has_comparison(), 60000);
    source.video = w.compare_view()->sparse();
    source.dense = w.compare_view()->dense();
    source.report = w.compare_view()->report();
    ExportDialog dialog(source);
    dialog.set_show_error_dialogs(false);
    dialog.set_content(2);
    dialog.set_format(VideoFormat::PngSequence);
    dialog.set_output_path(QDir(out_dir).filePath("side-by-side"));
    QSignalSpy done(&dialog, &ExportDialog::exportFinished);
    dialog.start_export();
    QTRY_COMPARE_WITH_TIMEOUT(done.size(), 1, 60000);
    QVERIFY2(done[0][0].toBool(), qPrintable(dialog.last_error()));
    const Video composed = read_video(QDir(out_dir).filePath("side-by-side").toStdString());
    QCOMPARE(composed.frames, 5);
    QVERIFY(composed.width >= 2 * 64);
    QVERIFY(composed.height > 48);  // the label and caption strip
  }
};

QTEST_MAIN(GuiFlow)
#include "test_gui_flow.moc"

// The studio's models and panels on their own (no renders): queue operations, frame snapping,
// parameter and attention validation, playback, settings round trip, comparison JSON.
#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

#include "attention_panel.h"
#include "compare_report.h"
#include "frames_spin_box.h"
#include "job_queue.h"
#include "params_panel.h"
#include "playback_clock.h"
#include "studio_settings.h"
#include "svg2/model_info.h"

using namespace svg2;
using namespace svg2::ui;

class GuiUnits : public QObject {
  Q_OBJECT

 private:
  static std::vector<Ticket> order(const JobQueueModel& q) {
    std::vector<Ticket> out;
    for (int i = 0; i < q.count(); ++i) out.push_back(q.at(i).ticket);
    return out;
  }

 private slots:
  void queue_move_skips_done_jobs_and_keeps_running_in_place() {
    JobQueueModel q;
    RenderParams p;
    const Ticket a = q.add(JobKind::Render, p, "m"), b = q.add(JobKind::Render, p, "m"),
                 c = q.add(JobKind::Compare, p, "m"), d = q.add(JobKind::Render, p, "m");
    q.update(a, [](QueueItem& i) { i.state = JobState::Running; });
    q.update(b, [](QueueItem& i) { i.state = JobState::Finished; });
    // d moves up past c; c is the nearest queued job.
    QVERIFY(q.move(d, -1));
    QCOMPARE(order(q), (std::vector<Ticket>{a, b, d, c}));
    // d moves up again: b is done and a is running, so there is no queued job above.
    QVERIFY(!q.move(d, -1));
    QVERIFY(!q.move(a, 1));  // running jobs do not move
    QVERIFY(q.move(d, 1));
    QCOMPARE(order(q), (std::vector<Ticket>{a, b, c, d}));
    QCOMPARE(q.next_queued()->ticket, c);
    QCOMPARE(q.running()->ticket, a);
  }

  void queue_duplicate_retry_remove() {
    JobQueueModel q;
    RenderParams p;
    p.prompt = "a ball";
    p.seed = 5;
    const Ticket a = q.add(JobKind::Render, p, "m"), b = q.add(JobKind::Render, p, "m");
    const Ticket copy = q.duplicate(a);
    QCOMPARE(order(q), (std::vector<Ticket>{a, copy, b}));
    QCOMPARE(q.find(copy)->params.seed, 5);
    QCOMPARE(q.find(copy)->state, JobState::Queued);
    QVERIFY(!q.requeue(a));  // only failed or cancelled jobs are retried
    q.update(a, [](QueueItem& i) {
      i.state = JobState::Failed;
      i.message = "out of memory";
    });
    QVERIFY(q.requeue(a));
    QCOMPARE(order(q), (std::vector<Ticket>{copy, b, a}));
    QCOMPARE(q.find(a)->state, JobState::Queued);
    QVERIFY(q.find(a)->message.isEmpty());
    q.update(b, [](QueueItem& i) { i.state = JobState::Running; });
    QVERIFY(!q.remove(b));  // not while running
    q.update(copy, [](QueueItem& i) { i.state = JobState::Cancelled; });
    q.remove_done();
    QCOMPARE(order(q), (std::vector<Ticket>{b, a}));
  }

  void queue_progress_text_says_step_speed_and_eta() {
    QueueItem item;
    item.kind = JobKind::Compare;
    item.state = JobState::Running;
    item.phase = "sparse";
    item.progress.stage = "denoise";
    item.progress.step = 2;
    item.progress.total = 10;
    item.progress.it_per_s = 0.5;
    item.progress.eta_s = 16;
    const QString text = item.progress_text();
    QVERIFY2(text.contains("Sparse pass") && text.contains("step 2/10") && text.contains("2.0 s/it") &&
                 text.contains("ETA 16 s"),
             qPrintable(text));
  }

  void frames_snap_to_4n_plus_1() {
    QCOMPARE(nearest_valid_frames(32), 33);
    QCOMPARE(nearest_valid_frames(30), 29);
    QCOMPARE(nearest_valid_frames(31), 33);  // tie goes up
    QCOMPARE(nearest_valid_frames(0), 1);
    QCOMPARE(nearest_valid_frames(5000), 1001);
    FramesSpinBox box;
    QSignalSpy snapped(&box, &FramesSpinBox::snapped);
    box.setValue(81);
    auto* edit = box.findChild<QLineEdit*>();  // QAbstractSpinBox::lineEdit() is protected
    QVERIFY(edit);
    edit->selectAll();
    QTest::keyClicks(edit, "32");
    QTest::keyClick(edit, Qt::Key_Enter);
    QCOMPARE(box.value(), 33);
    QCOMPARE(snapped.count(), 1);
    QCOMPARE(snapped.at(0).at(0).toInt(), 32);
    box.stepBy(1);
    QCOMPARE(box.value(), 37);
  }

  void params_panel_offers_model_sizes_and_prevents_impossible_values() {
    ParamsPanel panel;
    ModelInfo m = random_weights_model_info("wan-1.3b");
    m.sizes = {{832, 480}, {480, 832}};
    m.default_width = 832;
    m.default_height = 480;
    m.default_frames = 81;
    m.default_steps = 50;
    panel.set_model(m);
    RenderParams p;
    panel.write_to(p);
    QCOMPARE(p.width, 832);
    QCOMPARE(p.height, 480);
    QCOMPARE(p.frames, 81);
    QCOMPARE(p.steps, 50);
    QVERIFY(panel.problem().isEmpty());
    auto* duration = panel.findChild<QLabel*>("durationLabel");
    QVERIFY(duration->text().startsWith("5.06 s at 16 fps"));

    auto* sizes = panel.findChild<QComboBox*>("sizeCombo");
    QCOMPARE(sizes->count(), 3);  // two presets + custom
    sizes->setCurrentIndex(2);
    panel.findChild<QSpinBox*>("customWidth")->setValue(830);
    panel.findChild<QSpinBox*>("customHeight")->setValue(480);
    QVERIFY2(panel.problem().contains("multiple of 16") && panel.problem().contains("832"),
             qPrintable(panel.problem()));
    auto* message = panel.findChild<QLabel*>("paramsMessage");
    QVERIFY(!message->isHidden());
    QVERIFY(message->text().contains("multiple of 16"));
    panel.findChild<QSpinBox*>("customWidth")->setValue(832);
    QVERIFY(panel.problem().isEmpty());

    panel.findChild<QComboBox*>("deviceCombo")->setCurrentIndex(2);  // CPU
    panel.findChild<QCheckBox*>("offloadCheck")->setChecked(true);
    QVERIFY(panel.problem().contains("CUDA"));
  }

  void params_panel_seed_lock_and_randomize() {
    ParamsPanel panel;
    panel.set_seed(1234);
    panel.set_seed_locked(true);
    panel.advance_seed();
    QCOMPARE(panel.seed(), 1234);
    panel.set_seed_locked(false);
    bool changed = false;
    for (int i = 0; i < 5 && !changed; ++i) {
      panel.advance_seed();
      changed = panel.seed() != 1234;
    }
    QVERIFY(changed);
  }

  void attention_panel_round_trip_and_messages() {
    AttentionPanel panel;
    AttentionConfig c;
    c.mode = AttentionMode::Svg2;
    c.top_p = 0.75;
    c.query_clusters = 100;
    c.key_clusters = 500;
    c.fixed_density = 0.3;
    c.dense_steps = 0.25;
    c.dense_final_steps = 1;
    c.dense_layers = 2;
    c.kmeans_iters_init = 20;
    c.min_kc_ratio = 0.05;  // not shown, kept
    panel.set_config(c);
    const AttentionConfig back = panel.config();
    QCOMPARE(back.top_p, 0.75);
    QCOMPARE(back.query_clusters, 100);
    QCOMPARE(back.key_clusters, 500);
    QVERIFY(back.fixed_density.has_value());
    QCOMPARE(*back.fixed_density, 0.3);
    QCOMPARE(back.dense_steps, 0.25);
    QCOMPARE(back.dense_final_steps, 1.0);
    QCOMPARE(back.dense_layers, 2);
    QCOMPARE(back.kmeans_iters_init, 20);
    QCOMPARE(back.min_kc_ratio, 0.05);
    QVERIFY(panel.problem().isEmpty());

    panel.set_render_shape(8, 30, 32760);
    // 2 leading steps (a quarter of 8) and the final one
    QCOMPARE(panel.findChild<QLabel*>("denseStepsNote")->text(), QString("→ 3 of 8 steps dense"));
    c.dense_final_steps = 0;
    panel.set_config(c);
    QCOMPARE(panel.findChild<QLabel*>("denseStepsNote")->text(), QString("→ 2 of 8 steps dense"));
    c.dense_final_steps = 6;  // with the 2 leading ones: every step
    panel.set_config(c);
    QVERIFY(panel.findChild<QLabel*>("attentionMessage")->text().contains("will not be sparse"));
    c.dense_final_steps = 0;
    c.dense_steps = 8;
    panel.set_config(c);
    auto* message = panel.findChild<QLabel*>("attentionMessage");
    QVERIFY(!message->isHidden());
    QVERIFY(message->text().contains("will not be sparse"));
    c.dense_steps = 1;
    c.query_clusters = 300;
    c.key_clusters = 1000;
    panel.set_config(c);
    panel.set_render_shape(8, 30, 240);
    QVERIFY(message->text().contains("240 attention tokens"));

    panel.show_last_run("SVG2", 0.31, 0.45, 1234, 2.1, 3.4);
    const QString readout = panel.findChild<QLabel*>("attentionReadout")->text();
    QVERIFY2(readout.contains("31%") && readout.contains("2.10×") && readout.contains("3.40×"),
             qPrintable(readout));
  }

  void playback_clock_loops_steps_and_stops() {
    PlaybackClock clock;
    QSignalSpy frames(&clock, &PlaybackClock::frameChanged);
    clock.set_clip(5, 100);
    clock.set_loop(true);
    clock.step(-1);
    QCOMPARE(clock.frame(), 4);  // wraps
    clock.step(1);
    QCOMPARE(clock.frame(), 0);
    clock.seek(10);
    QCOMPARE(clock.frame(), 4);
    clock.set_loop(false);
    clock.seek(2);
    clock.play();
    QVERIFY(clock.playing());
    QTRY_VERIFY_WITH_TIMEOUT(!clock.playing(), 5000);  // stops at the end without looping
    QCOMPARE(clock.frame(), 4);
    clock.play();  // replays from the start
    QVERIFY(clock.playing());
    clock.toggle();
    QVERIFY(!clock.playing());
  }

  void settings_round_trip_and_first_run() {
    QTemporaryDir dir;
    QSettings empty(dir.filePath("empty.ini"), QSettings::IniFormat);
    const StudioSettings first = StudioSettings::load(empty);
    QCOMPARE(first.model_dir, QString::fromStdString(bundled_demo_model_dir()));
    QVERIFY(first.renders_dir.endsWith("renders"));

    QSettings q(dir.filePath("s.ini"), QSettings::IniFormat);
    StudioSettings s = first;
    s.model_folders = {"/models/a", "/models/b"};
    s.defaults.prompt = "a cat";
    s.defaults.steps = 12;
    s.defaults.attention.mode = AttentionMode::BlockTopK;
    s.defaults.attention.fixed_density = 0.2;
    s.defaults.device = "cpu";
    s.seed_locked = true;
    StudioSettings::remember(s.prompt_history, "one");
    StudioSettings::remember(s.prompt_history, "two");
    StudioSettings::remember(s.prompt_history, "one");
    s.save(q);
    const StudioSettings back = StudioSettings::load(q);
    QCOMPARE(back.model_folders, s.model_folders);
    QCOMPARE(QString::fromStdString(back.defaults.prompt), QString("a cat"));
    QCOMPARE(back.defaults.steps, 12);
    QCOMPARE(back.defaults.attention.mode, AttentionMode::BlockTopK);
    QCOMPARE(*back.defaults.attention.fixed_density, 0.2);
    QCOMPARE(QString::fromStdString(back.defaults.device), QString("cpu"));
    QVERIFY(back.seed_locked);
    QCOMPARE(back.prompt_history, (QStringList{"one", "two"}));

    // A corrupt parameters entry falls back to defaults instead of failing.
    q.setValue("render/defaults", "{not json");
    const StudioSettings bad = StudioSettings::load(q);
    QCOMPARE(bad.defaults.steps, 0);
    QCOMPARE(bad.model_folders, s.model_folders);
  }

  void compare_report_reads_run_compare_json() {
    const QByteArray json = R"({
      "ok": true, "seed": 42, "dense_from_cache": true, "density": 0.31, "device": "cpu",
      "quality": {"mean_psnr": 30.5, "mean_ssim": 0.97,
                  "frames": [{"frame": 0, "psnr": null, "ssim": 1.0}, {"frame": 1, "psnr": 28.0, "ssim": 0.94}]},
      "speed": {"dense": {"total_ms": 2000, "denoise_ms": 1500, "dit_ms": 1200, "attention_ms": 800,
                          "per_step_ms": 500, "peak_memory_bytes": 0},
                "sparse": {"total_ms": 1000, "denoise_ms": 700, "dit_ms": 600, "attention_ms": 200,
                           "per_step_ms": 233, "peak_memory_bytes": 0},
                "speedup_total": 2.0, "speedup_dit": 2.0, "speedup_attention": 4.0},
      "sparse_params": {"attention": {"mode": "block-topk"}}
    })";
    QString error;
    const CompareReport r = compare_report_from_json(json, &error);
    QVERIFY2(r.valid(), qPrintable(error));
    QCOMPARE(r.psnr.size(), 2);
    QVERIFY(std::isinf(r.psnr[0]));
    QCOMPARE(r.psnr[1], 28.0);
    QCOMPARE(r.ssim[1], 0.94);
    QCOMPARE(r.seed, 42);
    QVERIFY(r.dense_from_cache);
    QCOMPARE(r.speedup_attention, 4.0);
    QCOMPARE(r.dense.dit_ms, 1200.0);
    QCOMPARE(r.sparse_label, QString("Block top-k"));
    QCOMPARE(format_psnr(r.psnr[0]), QString("∞ dB"));

    QVERIFY(!compare_report_from_json("{\"quality\": {}}", &error).valid());
    QVERIFY(error.contains("quality.frames"));
  }
};

QTEST_MAIN(GuiUnits)
#include "test_gui_units.moc"

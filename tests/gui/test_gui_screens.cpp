// Screenshots of the studio as a user sees it, under Xvfb at 1280x800 (xcb platform): the main
// window with a finished render, and the compare view after a dense-vs-SVG2 run. Each is saved
// under <build>/gui-screenshots and must be a real picture: many distinct colours, no single
// colour covering most of it.
#include <QDir>
#include <QDockWidget>
#include <QGuiApplication>
#include <QScreen>
#include <QtTest>

#include "compare_view.h"
#include "job_runner.h"
#include "main_window.h"
#include "playback_clock.h"
#include "player.h"
#include "studio_test_env.h"

using namespace svg2;
using namespace svg2::ui;

namespace {

QImage grab_window(QWidget& w) {
  // From the X server's framebuffer when possible: what is really on screen.
  if (QScreen* screen = w.screen()) {
    const QPixmap shot = screen->grabWindow(w.winId());
    if (!shot.isNull()) return shot.toImage();
  }
  return w.grab().toImage();
}

// What holds the window's minimum size up, for the failure message: every dock and the centre.
QString minimum_sizes(const QMainWindow& w) {
  auto text = [](const QSize& s) { return QString("%1x%2").arg(s.width()).arg(s.height()); };
  QString out = "window minimum " + text(w.minimumSizeHint()) + "; central " +
                text(w.centralWidget()->minimumSizeHint());
  for (const QDockWidget* dock : w.findChildren<QDockWidget*>())
    if (dock->isVisible()) out += "; " + dock->objectName() + " " + text(dock->minimumSizeHint());
  return out;
}

void check_and_save(const QImage& image, const QString& name, const QMainWindow& w) {
  QDir().mkpath(SVG2_SCREENSHOT_DIR);
  const QString path = QDir(SVG2_SCREENSHOT_DIR).filePath(name);
  QVERIFY(image.save(path));
  qInfo("screenshot: %s (%dx%d)", qPrintable(path), image.width(), image.height());
  // Every dock is open (history and inspector tabbed at the bottom): the window still fits.
  for (const QDockWidget* dock : w.findChildren<QDockWidget*>())
    QVERIFY2(!dock->isHidden(), qPrintable(dock->objectName() + " is closed"));
  QVERIFY2(image.size() == QSize(1280, 800),
           qPrintable(
               QString("%1x%2 screenshot; %3").arg(image.width()).arg(image.height()).arg(minimum_sizes(w))));
  const int colors = svg2::test::distinct_colors(image);
  const double dominant = svg2::test::dominant_color_fraction(image);
  qInfo("  %d distinct colours, most common colour covers %.1f%%", colors, dominant * 100);
  QVERIFY2(colors >= 500, qPrintable(QString("only %1 colours").arg(colors)));
  QVERIFY2(dominant < 0.6, qPrintable(QString("one colour covers %1%").arg(dominant * 100)));
}

}  // namespace

class GuiScreens : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    QCOMPARE(QGuiApplication::platformName(), QString("xcb"));
    svg2::test::studio_test_env();
    svg2::test::write_tiny_settings();
  }

  void main_window_and_compare_view() {
    MainWindow w;
    w.setGeometry(0, 0, 1280, 800);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));

    int finished = 0, compared = 0, failed = 0;
    connect(w.runner(), &JobRunner::renderFinished, this, [&] { ++finished; });
    connect(w.runner(), &JobRunner::compareFinished, this, [&] { ++compared; });
    connect(w.runner(), &JobRunner::jobFailed, this, [&] { ++failed; });

    QVERIFY(w.render() != 0);
    QTRY_VERIFY_WITH_TIMEOUT(finished == 1 || failed > 0, 300000);
    QCOMPARE(failed, 0);
    QTRY_VERIFY_WITH_TIMEOUT(w.history()->entries().size() == 1, 60000);  // the gallery thumbnail
    w.player()->clock()->pause();
    w.player()->clock()->seek(2);
    w.resize(1280, 800);
    QTest::qWait(300);
    check_and_save(grab_window(w), "main_window.png", w);

    QVERIFY(w.compare() != 0);
    QTRY_VERIFY_WITH_TIMEOUT(compared == 1 || failed > 0, 300000);
    QCOMPARE(failed, 0);
    QCOMPARE(w.current_view(), MainWindow::CentralView::Compare);
    w.compare_view()->clock()->pause();
    w.compare_view()->clock()->seek(2);
    QTest::qWait(300);
    check_and_save(grab_window(w), "compare_view.png", w);

    w.compare_view()->set_mode(CompareView::Mode::Difference);
    QTest::qWait(200);
    check_and_save(grab_window(w), "compare_difference.png", w);
  }
};

QTEST_MAIN(GuiScreens)
#include "test_gui_screens.moc"

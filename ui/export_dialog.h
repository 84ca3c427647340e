#pragma once
// Export a render (or a comparison) as MP4 (H.264 / H.265), WebM (VP9), GIF or a PNG sequence,
// with fps, frame range and quality; a comparison can be exported as one labelled side-by-side
// video with speed captions. Encoding runs on a worker thread and is atomic (svg2/media.h): a
// failure says why and leaves the render (and any existing file) untouched.
#include <QDialog>

#include <atomic>
#include <thread>

#include "compare_report.h"
#include "engine_types.h"

class QComboBox;
class QDialogButtonBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QSpinBox;

namespace svg2::ui {

struct ExportSource {
  VideoPtr video;          // the render (for a comparison: the sparse clip)
  QString suggested_name;  // file name stem, e.g. "svg2-20260314-101502"
  QString default_folder;  // where the file dialog starts
  // A comparison, when present, offers "Dense", "Sparse" and "Side by side".
  VideoPtr dense;
  CompareReport report;
};

class ExportDialog : public QDialog {
  Q_OBJECT
 public:
  ExportDialog(const ExportSource& source, QWidget* parent = nullptr);
  ~ExportDialog() override;  // cancels and waits for an export in flight

  void set_output_path(const QString& path);
  void set_format(VideoFormat format);
  void set_content(int index);  // 0 = the render / sparse, 1 = dense, 2 = side by side
  QString output_path() const;
  QString last_written() const { return last_written_; }
  QString last_error() const { return last_error_; }

  // Starts the export (what the Export button does).
  void start_export();
  bool exporting() const { return worker_.joinable(); }
  // Tests turn the modal error box off and read last_error().
  void set_show_error_dialogs(bool show) { show_error_dialogs_ = show; }

 signals:
  void exportFinished(bool ok, const QString& path_or_error);

 protected:
  void reject() override;

 private:
  void on_format_changed();
  void on_content_changed();
  void finish(bool ok, const QString& message, const QString& path);

  ExportSource source_;
  QComboBox* content_;
  QComboBox* format_;
  QLineEdit* path_;
  QDoubleSpinBox* fps_;
  QSpinBox* first_;
  QSpinBox* last_;
  QSpinBox* quality_;
  QLabel* quality_note_;
  QLabel* status_;
  QProgressBar* progress_;
  QDialogButtonBox* buttons_;
  std::thread worker_;
  std::atomic<bool> cancel_{false};
  QString last_written_, last_error_;
  bool show_error_dialogs_ = true;
};

}  // namespace svg2::ui

#include "export_dialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QToolButton>
#include <QVBoxLayout>

#include "svg2/error.h"
#include "svg2/logging.h"
#include "svg2/media.h"

namespace svg2::ui {

namespace {

constexpr int kContentRender = 0, kContentDense = 1, kContentSideBySide = 2;

struct FormatChoice {
  VideoFormat format;
  const char* label;
};
const FormatChoice kFormats[] = {
    {VideoFormat::Mp4H264, "MP4 — H.264"},
    {VideoFormat::Mp4H265, "MP4 — H.265 / HEVC"},
    {VideoFormat::WebmVp9, "WebM — VP9"},
    {VideoFormat::Gif, "GIF (animated)"},
    {VideoFormat::PngSequence, "PNG sequence (folder)"},
};

QString with_extension(const QString& path, VideoFormat format) {
  if (path.isEmpty()) return path;
  QFileInfo info(path);
  const QString stem = info.suffix().isEmpty() ? info.fileName() : info.completeBaseName();
  return QDir(info.path()).filePath(stem + QString::fromStdString(file_extension(format)));
}

}  // namespace

ExportDialog::ExportDialog(const ExportSource& source, QWidget* parent) : QDialog(parent), source_(source) {
  setWindowTitle("Export");
  setObjectName("exportDialog");

  content_ = new QComboBox(this);
  content_->setObjectName("exportContent");
  if (source_.dense) {
    content_->addItem(source_.report.sparse_label + " render", kContentRender);
    content_->addItem("Dense render", kContentDense);
    content_->addItem("Side by side, labelled, with speed captions", kContentSideBySide);
    content_->setCurrentIndex(2);
  } else {
    content_->addItem("This render", kContentRender);
  }
  format_ = new QComboBox(this);
  format_->setObjectName("exportFormat");
  auto* format_model = qobject_cast<QStandardItemModel*>(format_->model());
  for (const auto& choice : kFormats) {
    format_->addItem(choice.label, static_cast<int>(choice.format));
    if (!video_format_available(choice.format)) {
      auto* item = format_model->item(format_->count() - 1);
      item->setEnabled(false);
      item->setToolTip("Not available in this build (no FFmpeg encoder for it)");
    }
  }
  path_ = new QLineEdit(this);
  path_->setObjectName("exportPath");
  auto* browse = new QToolButton(this);
  browse->setText("…");
  browse->setToolTip("Choose where to write");
  auto* path_row = new QHBoxLayout;
  path_row->addWidget(path_, 1);
  path_row->addWidget(browse);

  fps_ = new QDoubleSpinBox(this);
  fps_->setObjectName("exportFps");
  fps_->setRange(1, 240);
  fps_->setDecimals(2);
  first_ = new QSpinBox(this);
  first_->setObjectName("exportFirst");
  last_ = new QSpinBox(this);
  last_->setObjectName("exportLast");
  auto* range_row = new QHBoxLayout;
  range_row->addWidget(first_);
  range_row->addWidget(new QLabel("to", this));
  range_row->addWidget(last_);
  range_row->addStretch();
  quality_ = new QSpinBox(this);
  quality_->setObjectName("exportQuality");
  quality_note_ = new QLabel(this);
  auto* quality_row = new QHBoxLayout;
  quality_row->addWidget(quality_);
  quality_row->addWidget(quality_note_, 1);

  status_ = new QLabel(this);
  status_->setObjectName("exportStatus");
  status_->setWordWrap(true);
  progress_ = new QProgressBar(this);
  progress_->setRange(0, 1);
  progress_->setValue(0);
  buttons_ = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
  auto* export_button = buttons_->addButton("Export", QDialogButtonBox::AcceptRole);
  export_button->setObjectName("exportButton");
  export_button->setDefault(true);

  auto* form = new QFormLayout;
  form->addRow("Content", content_);
  form->addRow("Format", format_);
  form->addRow("File", path_row);
  form->addRow("Frame rate", fps_);
  form->addRow("Frames", range_row);
  form->addRow("Quality (CRF)", quality_row);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(form);
  layout->addWidget(progress_);
  layout->addWidget(status_);
  layout->addWidget(buttons_);
  setMinimumWidth(520);

  const QString folder = source_.default_folder.isEmpty() ? QDir::homePath() : source_.default_folder;
  path_->setText(
      QDir(folder).filePath(source_.suggested_name.isEmpty() ? QString("render") : source_.suggested_name));
  connect(content_, &QComboBox::currentIndexChanged, this, &ExportDialog::on_content_changed);
  connect(format_, &QComboBox::currentIndexChanged, this, &ExportDialog::on_format_changed);
  connect(first_, &QSpinBox::valueChanged, this, [this](int v) { last_->setMinimum(v); });
  connect(browse, &QToolButton::clicked, this, [this] {
    const auto format = static_cast<VideoFormat>(format_->currentData().toInt());
    const QString chosen =
        format == VideoFormat::PngSequence
            ? QFileDialog::getSaveFileName(this, "Export PNG frames to a folder", path_->text())
            : QFileDialog::getSaveFileName(this, "Export video", path_->text());
    if (!chosen.isEmpty()) path_->setText(with_extension(chosen, format));
  });
  connect(export_button, &QPushButton::clicked, this, &ExportDialog::start_export);
  connect(buttons_, &QDialogButtonBox::rejected, this, &ExportDialog::reject);

  // The first available format.
  for (int i = 0; i < format_->count(); ++i)
    if (format_model->item(i)->isEnabled()) {
      format_->setCurrentIndex(i);
      break;
    }
  on_content_changed();
  on_format_changed();
}

ExportDialog::~ExportDialog() {
  cancel_ = true;
  if (worker_.joinable()) worker_.join();
}

void ExportDialog::set_output_path(const QString& path) {
  path_->setText(path);
}
QString ExportDialog::output_path() const {
  return path_->text().trimmed();
}

void ExportDialog::set_format(VideoFormat format) {
  const int index = format_->findData(static_cast<int>(format));
  if (index >= 0) format_->setCurrentIndex(index);
}

void ExportDialog::set_content(int index) {
  const int i = content_->findData(index);
  if (i >= 0) content_->setCurrentIndex(i);
}

void ExportDialog::on_content_changed() {
  const int content = content_->currentData().toInt();
  const VideoPtr& video = content == kContentDense ? source_.dense : source_.video;
  const int frames = video ? video->frames : 1;
  fps_->setValue(video && video->fps > 0 ? video->fps : 16);
  first_->setRange(0, std::max(0, frames - 1));
  last_->setRange(0, std::max(0, frames - 1));
  first_->setValue(0);
  last_->setValue(std::max(0, frames - 1));
  QString name = source_.suggested_name.isEmpty() ? QString("render") : source_.suggested_name;
  if (content == kContentDense) name += "-dense";
  if (content == kContentSideBySide) name += "-side-by-side";
  const QFileInfo current(output_path());
  path_->setText(with_extension(QDir(current.path()).filePath(name),
                                static_cast<VideoFormat>(format_->currentData().toInt())));
}

void ExportDialog::on_format_changed() {
  const auto format = static_cast<VideoFormat>(format_->currentData().toInt());
  path_->setText(with_extension(output_path(), format));
  const QualityRange range = quality_range(format);
  quality_->setEnabled(range.applies);
  if (range.applies) {
    quality_->setRange(range.best, range.worst);
    quality_->setValue(range.default_value);
    quality_note_->setText(
        QString("%1 = best (largest file) … %2 = smallest").arg(range.best).arg(range.worst));
  } else {
    quality_note_->setText(format == VideoFormat::Gif ? "GIF: 255-colour palette, quality fixed"
                                                      : "lossless");
  }
}

void ExportDialog::start_export() {
  if (exporting()) return;
  const QString path = output_path();
  if (path.isEmpty()) {
    finish(false, "Choose a file to write.", {});
    return;
  }
  const int content = content_->currentData().toInt();
  const VideoPtr video = content == kContentDense ? source_.dense : source_.video;
  if (!video || video->empty()) {
    finish(false, "There is no video to export.", {});
    return;
  }
  ExportOptions options;
  options.format = static_cast<VideoFormat>(format_->currentData().toInt());
  options.fps = fps_->value();
  options.first_frame = first_->value();
  options.last_frame = last_->value();
  options.quality = quality_->isEnabled() ? quality_->value() : -1;

  // Side by side: the panels with their labels and speed captions, composed on the worker.
  std::vector<std::pair<VideoPtr, std::pair<std::string, std::string>>> panels;
  if (content == kContentSideBySide && source_.dense) {
    const CompareReport& r = source_.report;
    panels.push_back({source_.dense, {"Dense", speed_caption(r.dense.dit_ms / 1000.0)}});
    panels.push_back(
        {source_.video,
         {r.sparse_label.toStdString(), speed_caption(r.sparse.dit_ms / 1000.0, r.speedup_dit, r.density)}});
  }

  cancel_ = false;
  last_error_.clear();
  progress_->setRange(0, std::max(1, options.last_frame - options.first_frame + 1));
  progress_->setValue(0);
  status_->setText("Exporting…");
  buttons_->button(QDialogButtonBox::Cancel)->setText("Stop");
  for (QWidget* w : std::initializer_list<QWidget*>{content_, format_, path_, fps_, first_, last_, quality_})
    w->setEnabled(false);
  for (QAbstractButton* b : buttons_->buttons())
    if (buttons_->buttonRole(b) == QDialogButtonBox::AcceptRole) b->setEnabled(false);

  worker_ = std::thread([this, video, panels, options, path]() mutable {
    options.progress = [this](int done, int total) {
      QMetaObject::invokeMethod(
          this,
          [this, done, total] {
            progress_->setRange(0, total);
            progress_->setValue(done);
          },
          Qt::QueuedConnection);
      return !cancel_.load();
    };
    bool ok = false;
    QString message, written;
    try {
      Video composed;
      const Video* source = video.get();
      if (!panels.empty()) {
        std::vector<SideBySidePanel> sides;
        for (const auto& [clip, text] : panels) sides.push_back({clip.get(), text.first, text.second});
        composed = side_by_side(sides);
        source = &composed;
      }
      const ExportResult result = export_video(*source, path.toStdString(), options);
      written = QString::fromStdString(result.path);
      message = QString("Wrote %1 (%2 frames, %3×%4, %5)")
                    .arg(written)
                    .arg(result.frames)
                    .arg(result.width)
                    .arg(result.height)
                    .arg(QLocale().formattedDataSize(static_cast<qint64>(result.bytes)));
      ok = true;
    } catch (const Cancelled&) {
      message = "Export stopped; nothing was written.";
    } catch (const std::exception& e) {
      message = QString::fromStdString(e.what());
    }
    QMetaObject::invokeMethod(
        this, [this, ok, message, written] { finish(ok, message, written); }, Qt::QueuedConnection);
  });
}

void ExportDialog::finish(bool ok, const QString& message, const QString& path) {
  if (worker_.joinable()) worker_.join();  // it has posted its last message and is returning
  for (QWidget* w : std::initializer_list<QWidget*>{content_, format_, path_, fps_, first_, last_})
    w->setEnabled(true);
  quality_->setEnabled(quality_range(static_cast<VideoFormat>(format_->currentData().toInt())).applies);
  for (QAbstractButton* b : buttons_->buttons()) b->setEnabled(true);
  buttons_->button(QDialogButtonBox::Cancel)->setText(ok ? "Close" : "Cancel");
  status_->setText(message);
  if (ok) {
    last_written_ = path;
    log_message(LogLevel::Info, "exported " + path.toStdString());
    emit exportFinished(true, path);
    return;
  }
  last_error_ = message;
  emit exportFinished(false, message);
  if (show_error_dialogs_ && !message.startsWith("Export stopped"))
    QMessageBox::critical(this, "Export failed",
                          "The export failed; the render itself is kept.\n\n" + message);
}

void ExportDialog::reject() {
  if (exporting()) {  // "Stop": the worker notices at the next frame
    cancel_ = true;
    return;
  }
  QDialog::reject();
}

}  // namespace svg2::ui

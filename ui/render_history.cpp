#include "render_history.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
#include <QSaveFile>
#include <QThreadPool>

#include "attention_panel.h"
#include "qt_video.h"
#include "svg2/error.h"
#include "svg2/logging.h"
#include "svg2/media.h"

namespace svg2::ui {

namespace {

QString find_clip(const QDir& dir, const QString& stem) {
  for (const char* ext : {".mp4", ".webm", ".gif", ".mkv"})
    if (QFileInfo::exists(dir.filePath(stem + ext))) return dir.filePath(stem + ext);
  if (QFileInfo(dir.filePath(stem)).isDir()) return dir.filePath(stem);  // PNG frames
  return {};
}

QString attention_name(const QString& mode) {
  return attention_mode_label(mode.toStdString(), mode);
}

// Writes one render's clip, falling back to PNG frames when the video encoder fails, so a finished
// render is kept whenever the disk can take it. Returns the error, or empty.
QString save_clip(const RenderResult& result, const QString& dir, const QString& stem) {
  const QString ext = RenderHistory::clip_extension();
  try {
    svg2::save_render(result, QDir(dir).filePath(stem + ext).toStdString());
    return {};
  } catch (const std::exception& e) {
    if (ext.isEmpty()) return QString::fromStdString(e.what());
    log_message(LogLevel::Warn, std::string("saving the clip as ") + ext.toStdString() + " failed (" +
                                    e.what() + "); keeping it as PNG frames");
    try {
      svg2::save_render(result, QDir(dir).filePath(stem).toStdString());
      return {};
    } catch (const std::exception& e2) {
      return QString::fromStdString(e2.what());
    }
  }
}

QString save_thumbnail(const Video& video, const QString& dir) {
  QSaveFile file(QDir(dir).filePath("thumb.png"));
  if (!file.open(QIODevice::WriteOnly) || !RenderHistory::make_thumbnail(video).save(&file, "PNG") ||
      !file.commit())
    return "could not write " + file.fileName() + ": " + file.errorString();
  return {};
}

}  // namespace

RenderHistory::RenderHistory(const QString& root, QObject* parent) : QObject(parent), root_(root) {
  qRegisterMetaType<HistoryEntry>();
  pool_.setMaxThreadCount(1);
  reload();
}

RenderHistory::~RenderHistory() {
  pool_.waitForDone();
}

QString RenderHistory::clip_extension() {
  return video_format_available(VideoFormat::Mp4H264) ? QStringLiteral(".mp4") : QString();
}

QImage RenderHistory::make_thumbnail(const Video& video) {
  if (video.empty()) return {};
  const QImage frame = frame_to_image(video, video.frames / 2);
  return frame.scaledToWidth(160, Qt::SmoothTransformation);
}

void RenderHistory::reload() {
  entries_.clear();
  QDir dir(root_);
  const auto names = dir.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name | QDir::Reversed);
  for (const QString& name : names) {
    HistoryEntry entry;
    if (read_entry(dir.filePath(name), entry)) entries_.push_back(entry);
  }
}

const HistoryEntry* RenderHistory::find(const QString& id) const {
  for (const auto& e : entries_)
    if (e.id == id) return &e;
  return nullptr;
}

QString RenderHistory::new_id() {
  const QString stamp = QDateTime::currentDateTime().toString("yyyyMMdd-HHmmss");
  QString id;
  do {
    id = QString("%1-%2").arg(stamp).arg(++id_counter_ % 1000, 3, 10, QChar('0'));
  } while (QFileInfo::exists(QDir(root_).filePath(id)) || find(id));
  return id;
}

bool RenderHistory::read_entry(const QString& path, HistoryEntry& entry) {
  const QDir dir(path);
  entry = {};
  entry.id = dir.dirName();
  entry.dir = dir.absolutePath();
  if (QFileInfo::exists(dir.filePath("compare.json"))) {
    entry.kind = HistoryEntry::Kind::Compare;
    entry.compare_json = dir.filePath("compare.json");
    entry.video = find_clip(dir, "sparse");
    entry.dense_video = find_clip(dir, "dense");
    entry.sidecar = dir.filePath("sparse.json");
    entry.dense_sidecar = dir.filePath("dense.json");
    if (entry.video.isEmpty() || entry.dense_video.isEmpty()) return false;
  } else if (QFileInfo::exists(dir.filePath("clip.json"))) {
    entry.video = find_clip(dir, "clip");
    entry.sidecar = dir.filePath("clip.json");
    if (entry.video.isEmpty()) return false;
  } else {
    return false;
  }
  if (QFileInfo::exists(dir.filePath("thumb.png"))) entry.thumbnail = dir.filePath("thumb.png");

  QFile file(entry.sidecar);
  if (!file.open(QIODevice::ReadOnly)) return false;
  const QJsonObject sidecar = QJsonDocument::fromJson(file.readAll()).object();
  const QJsonObject params = sidecar.value("params").toObject();
  const QJsonObject timings = sidecar.value("timings").toObject();
  entry.created = QDateTime::fromString(sidecar.value("created").toString(), Qt::ISODate);
  if (!entry.created.isValid()) entry.created = QFileInfo(entry.sidecar).lastModified();
  entry.prompt = params.value("prompt").toString();
  const QString mode = params.value("attention").toObject().value("mode").toString();
  QStringList parts;
  parts << QString("%1×%2").arg(params.value("width").toInt()).arg(params.value("height").toInt())
        << QString("%1 frames").arg(params.value("frames").toInt());
  if (entry.kind == HistoryEntry::Kind::Compare) {
    parts << "Dense vs " + attention_name(mode);
    QFile compare(entry.compare_json);
    if (compare.open(QIODevice::ReadOnly)) {
      const QJsonObject c = QJsonDocument::fromJson(compare.readAll()).object();
      const QJsonValue psnr = c.value("quality").toObject().value("mean_psnr");
      parts << (psnr.isNull() ? QString("∞ dB") : QString::number(psnr.toDouble(), 'f', 1) + " dB");
      const double speedup = c.value("speed").toObject().value("speedup_dit").toDouble();
      if (speedup > 0) parts << QString::number(speedup, 'f', 2) + "×";
    }
  } else {
    parts << attention_name(mode);
    const double total_ms = timings.value("total_ms").toDouble();
    if (total_ms > 0) parts << QString::number(total_ms / 1000, 'f', 1) + " s";
  }
  entry.summary = parts.join(" · ");
  return true;
}

void RenderHistory::save_render(const QString& id, const RenderResultPtr& result) {
  const QString dir = QDir(root_).filePath(id);
  pool_.start([this, id, dir, result] {
    QString error;
    if (!QDir().mkpath(dir)) {
      error = "could not create the render folder " + dir;
    } else {
      error = save_clip(*result, dir, "clip");
      if (error.isEmpty()) {
        if (const QString e = save_thumbnail(result->video, dir); !e.isEmpty())
          log_message(LogLevel::Warn, e.toStdString());
      }
    }
    QMetaObject::invokeMethod(
        this, [this, id, error] { finish_save(id, error); }, Qt::QueuedConnection);
  });
}

void RenderHistory::save_compare(const QString& id, const CompareResultPtr& result) {
  const QString dir = QDir(root_).filePath(id);
  pool_.start([this, id, dir, result] {
    QString error;
    if (!QDir().mkpath(dir)) error = "could not create the render folder " + dir;
    if (error.isEmpty()) error = save_clip(result->dense, dir, "dense");
    if (error.isEmpty()) error = save_clip(result->sparse, dir, "sparse");
    if (error.isEmpty()) {
      // Last, so a folder with compare.json always has both clips.
      QSaveFile file(QDir(dir).filePath("compare.json"));
      if (!file.open(QIODevice::WriteOnly) || file.write(QByteArray::fromStdString(result->json)) < 0 ||
          !file.commit())
        error = "could not write " + file.fileName() + ": " + file.errorString();
    }
    if (error.isEmpty()) {
      if (const QString e = save_thumbnail(result->sparse.video, dir); !e.isEmpty())
        log_message(LogLevel::Warn, e.toStdString());
    }
    QMetaObject::invokeMethod(
        this, [this, id, error] { finish_save(id, error); }, Qt::QueuedConnection);
  });
}

void RenderHistory::finish_save(const QString& id, const QString& error) {
  if (!error.isEmpty()) {
    log_message(LogLevel::Error, "saving render " + id.toStdString() + " failed: " + error.toStdString());
    emit saveFailed(id, error);
    return;
  }
  HistoryEntry entry;
  if (!read_entry(QDir(root_).filePath(id), entry)) {
    emit saveFailed(id, "the saved render in " + QDir(root_).filePath(id) + " could not be read back");
    return;
  }
  entries_.prepend(entry);
  emit entryAdded(entry);
}

bool RenderHistory::remove(const QString& id, QString* error) {
  const HistoryEntry* entry = find(id);
  if (!entry) {
    if (error) *error = "no render " + id + " in " + root_;
    return false;
  }
  QDir dir(entry->dir);
  if (QFileInfo(dir.absolutePath()).dir().absolutePath() != QDir(root_).absolutePath()) {
    if (error) *error = "refusing to delete " + dir.absolutePath() + ": it is not in " + root_;
    return false;
  }
  if (!dir.removeRecursively()) {
    if (error) *error = "could not delete " + dir.absolutePath();
    return false;
  }
  entries_.erase(
      std::remove_if(entries_.begin(), entries_.end(), [&](const HistoryEntry& e) { return e.id == id; }),
      entries_.end());
  emit entryRemoved(id);
  return true;
}

void RenderHistory::load(const HistoryEntry& entry, QObject* context, LoadDone done) const {
  auto* self = const_cast<RenderHistory*>(this);
  QPointer<QObject> guard(context);
  self->pool_.start([self, entry, guard, done = std::move(done)] {
    VideoPtr first, second;
    QString error;
    try {
      if (entry.kind == HistoryEntry::Kind::Compare) {
        first = std::make_shared<const Video>(read_video(entry.dense_video.toStdString()));
        second = std::make_shared<const Video>(read_video(entry.video.toStdString()));
      } else {
        first = std::make_shared<const Video>(read_video(entry.video.toStdString()));
      }
    } catch (const std::exception& e) {
      error = QString::fromStdString(e.what());
    }
    QMetaObject::invokeMethod(
        self,
        [guard, done, first, second, error] {
          if (guard) done(first, second, error);
        },
        Qt::QueuedConnection);
  });
}

}  // namespace svg2::ui

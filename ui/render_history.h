#pragma once
// The project folder of past renders: <root>/<id>/ holds a render (clip.mp4 + clip.json) or a
// comparison (dense.mp4/.json, sparse.mp4/.json, compare.json), plus thumb.png. Everything is
// written atomically off the UI thread, so a crash or a failed render never loses finished ones,
// and the gallery is rebuilt from disk at start-up.
#include <QDateTime>
#include <QImage>
#include <QObject>
#include <QString>
#include <QThreadPool>
#include <QVector>

#include <functional>

#include "engine_types.h"

namespace svg2::ui {

struct HistoryEntry {
  enum class Kind { Render, Compare };
  QString id;
  QString dir;
  Kind kind = Kind::Render;
  QDateTime created;
  QString prompt;
  QString summary;      // "64×48 · 5 frames · SVG2 · 1.4 s"
  QString video;        // render: the clip; compare: the sparse clip
  QString sidecar;      // its JSON sidecar
  QString dense_video;  // compare only
  QString dense_sidecar;
  QString compare_json;
  QString thumbnail;  // thumb.png, may be missing
};

class RenderHistory : public QObject {
  Q_OBJECT
 public:
  explicit RenderHistory(const QString& root, QObject* parent = nullptr);
  ~RenderHistory() override;  // waits for saves in flight

  QString root() const { return root_; }
  // Rescans the folder; newest first.
  void reload();
  const QVector<HistoryEntry>& entries() const { return entries_; }
  const HistoryEntry* find(const QString& id) const;

  // A fresh, unique entry id ("20260314-101502-003"), sortable by time.
  QString new_id();

  // Write a finished render / comparison under <root>/<id> on a worker thread; entryAdded or
  // saveFailed follows on the UI thread.
  void save_render(const QString& id, const RenderResultPtr& result);
  void save_compare(const QString& id, const CompareResultPtr& result);

  // Deletes an entry's folder (only folders under root that look like entries).
  bool remove(const QString& id, QString* error = nullptr);

  // Reads an entry's clips on a worker thread; `done` runs on the UI thread with the frames (or an
  // error message). For a compare: first = dense, second = sparse.
  using LoadDone = std::function<void(VideoPtr first, VideoPtr second, QString error)>;
  void load(const HistoryEntry& entry, QObject* context, LoadDone done) const;

  // Which clip extension saved renders get: ".mp4" when H.264 is available, else "" (PNG frames).
  static QString clip_extension();
  // Thumbnail used by the gallery (the middle frame, 160 px wide).
  static QImage make_thumbnail(const Video& video);

 signals:
  void entryAdded(const svg2::ui::HistoryEntry& entry);
  void entryRemoved(const QString& id);
  void saveFailed(const QString& id, const QString& message);

 private:
  void finish_save(const QString& id, const QString& error);
  static bool read_entry(const QString& dir, HistoryEntry& entry);

  QString root_;
  QVector<HistoryEntry> entries_;
  int id_counter_ = 0;
  // Saves and loads run here, one at a time, off the UI thread.
  mutable QThreadPool pool_;
};

}  // namespace svg2::ui

Q_DECLARE_METATYPE(svg2::ui::HistoryEntry)

#pragma once
// The gallery of past renders and comparisons (newest first) from the project folder on disk.
// Double-click opens one in the player (or the compare view); the context menu re-uses its
// settings, exports it, shows its folder or deletes it.
#include <QWidget>

#include "render_history.h"

class QListWidget;
class QListWidgetItem;
class QLabel;

namespace svg2::ui {

class HistoryGallery : public QWidget {
  Q_OBJECT
 public:
  HistoryGallery(RenderHistory* history, QWidget* parent = nullptr);

  int count() const;
  QString id_at(int row) const;
  QString selected_id() const;
  void select(const QString& id);
  QListWidget* list() const { return list_; }

 signals:
  void openRequested(const QString& id);
  void reuseRequested(const QString& id);
  void exportRequested(const QString& id);

 private:
  void rebuild();
  void add_item(const HistoryEntry& entry, bool at_top);
  void show_menu(const QPoint& pos);
  void delete_entry(const QString& id);

  RenderHistory* history_;
  QListWidget* list_;
  QLabel* footer_;
};

}  // namespace svg2::ui

#include "history_gallery.h"

#include <QDesktopServices>
#include <QLabel>
#include <QListWidget>
#include <QMenu>
#include <QMessageBox>
#include <QPainter>
#include <QUrl>
#include <QVBoxLayout>

namespace svg2::ui {

namespace {

constexpr int kIdRole = Qt::UserRole + 1;

QIcon thumbnail_icon(const HistoryEntry& entry) {
  QPixmap canvas(160, 100);
  canvas.fill(QColor(28, 28, 32));
  QPainter p(&canvas);
  QImage thumb(entry.thumbnail);
  if (!thumb.isNull()) {
    const QImage scaled = thumb.scaled(canvas.size(), Qt::KeepAspectRatio, Qt::SmoothTransformation);
    p.drawImage((canvas.width() - scaled.width()) / 2, (canvas.height() - scaled.height()) / 2, scaled);
  }
  if (entry.kind == HistoryEntry::Kind::Compare) {
    p.fillRect(QRect(0, 0, 64, 16), QColor(0, 0, 0, 170));
    p.setPen(QColor(255, 200, 90));
    p.drawText(QRect(0, 0, 64, 16), Qt::AlignCenter, "A/B");
  }
  return QIcon(canvas);
}

}  // namespace

HistoryGallery::HistoryGallery(RenderHistory* history, QWidget* parent) : QWidget(parent), history_(history) {
  list_ = new QListWidget(this);
  list_->setObjectName("historyList");
  list_->setViewMode(QListView::IconMode);
  list_->setIconSize(QSize(160, 100));
  list_->setGridSize(QSize(184, 150));
  list_->setResizeMode(QListView::Adjust);
  list_->setMovement(QListView::Static);
  list_->setWordWrap(true);
  list_->setUniformItemSizes(true);
  list_->setContextMenuPolicy(Qt::CustomContextMenu);
  list_->setToolTip("Past renders, kept in the renders folder. Double-click to open.");
  footer_ = new QLabel(this);
  footer_->setObjectName("historyFooter");
  footer_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  footer_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);  // a long path is cut, not widening
  footer_->setToolTip(history_->root());
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(list_, 1);
  layout->addWidget(footer_);

  connect(list_, &QListWidget::itemActivated, this,
          [this](QListWidgetItem* item) { emit openRequested(item->data(kIdRole).toString()); });
  connect(list_, &QListWidget::customContextMenuRequested, this, &HistoryGallery::show_menu);
  connect(history_, &RenderHistory::entryAdded, this, [this](const HistoryEntry& e) {
    add_item(e, true);
    footer_->setText(QString("%1 renders in %2").arg(count()).arg(history_->root()));
  });
  connect(history_, &RenderHistory::entryRemoved, this, [this](const QString& id) {
    for (int i = 0; i < list_->count(); ++i)
      if (list_->item(i)->data(kIdRole).toString() == id) delete list_->takeItem(i);
    footer_->setText(QString("%1 renders in %2").arg(count()).arg(history_->root()));
  });
  rebuild();
}

int HistoryGallery::count() const {
  return list_->count();
}

QString HistoryGallery::id_at(int row) const {
  auto* item = list_->item(row);
  return item ? item->data(kIdRole).toString() : QString();
}

QString HistoryGallery::selected_id() const {
  auto* item = list_->currentItem();
  return item ? item->data(kIdRole).toString() : QString();
}

void HistoryGallery::select(const QString& id) {
  for (int i = 0; i < list_->count(); ++i)
    if (list_->item(i)->data(kIdRole).toString() == id) list_->setCurrentRow(i);
}

void HistoryGallery::rebuild() {
  list_->clear();
  for (const HistoryEntry& e : history_->entries()) add_item(e, false);
  footer_->setText(QString("%1 renders in %2").arg(count()).arg(history_->root()));
}

void HistoryGallery::add_item(const HistoryEntry& entry, bool at_top) {
  auto* item = new QListWidgetItem(thumbnail_icon(entry),
                                   entry.created.toString("MMM d, HH:mm") + "\n" + entry.summary);
  item->setData(kIdRole, entry.id);
  item->setToolTip(QString("%1\n%2\n%3").arg(entry.prompt, entry.summary, entry.dir));
  item->setTextAlignment(Qt::AlignHCenter | Qt::AlignTop);
  if (at_top)
    list_->insertItem(0, item);
  else
    list_->addItem(item);
}

void HistoryGallery::show_menu(const QPoint& pos) {
  QListWidgetItem* item = list_->itemAt(pos);
  if (!item) return;
  const QString id = item->data(kIdRole).toString();
  const HistoryEntry* entry = history_->find(id);
  if (!entry) return;
  QMenu menu(this);
  menu.addAction("Open", this, [this, id] { emit openRequested(id); });
  menu.addAction("Use these settings", this, [this, id] { emit reuseRequested(id); });
  menu.addAction("Export…", this, [this, id] { emit exportRequested(id); });
  const QString dir = entry->dir;
  menu.addAction("Show folder", this, [dir] { QDesktopServices::openUrl(QUrl::fromLocalFile(dir)); });
  menu.addSeparator();
  menu.addAction("Delete…", this, [this, id] { delete_entry(id); });
  menu.exec(list_->viewport()->mapToGlobal(pos));
}

void HistoryGallery::delete_entry(const QString& id) {
  const HistoryEntry* entry = history_->find(id);
  if (!entry) return;
  if (QMessageBox::question(this, "Delete render", "Delete this render and its files?\n" + entry->dir) !=
      QMessageBox::Yes)
    return;
  QString error;
  if (!history_->remove(id, &error)) QMessageBox::warning(this, "Delete render", error);
}

}  // namespace svg2::ui

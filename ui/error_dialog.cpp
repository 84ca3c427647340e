#include "error_dialog.h"

#include <QDesktopServices>
#include <QFileInfo>
#include <QMessageBox>
#include <QPushButton>
#include <QUrl>

#include "svg2/logging.h"

namespace svg2::ui {

QMessageBox* show_engine_error(QWidget* parent, const QString& title, const QString& message) {
  const QString log = QString::fromStdString(log_file_path());
  auto* box = new QMessageBox(QMessageBox::Critical, title, message, QMessageBox::Close, parent);
  box->setObjectName("engineErrorDialog");
  box->setAttribute(Qt::WA_DeleteOnClose);
  box->setInformativeText("Details are in the log:\n" + log);
  box->setTextInteractionFlags(Qt::TextSelectableByMouse);
  auto* open_log = box->addButton("Open log folder", QMessageBox::ActionRole);
  // An action button would close the box; open the folder and keep it.
  open_log->disconnect();
  QObject::connect(open_log, &QPushButton::clicked, box,
                   [log] { QDesktopServices::openUrl(QUrl::fromLocalFile(QFileInfo(log).absolutePath())); });
  box->setWindowModality(Qt::WindowModal);
  box->open();
  return box;
}

}  // namespace svg2::ui

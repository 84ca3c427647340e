#pragma once
// How engine errors reach the user: a dialog with the message and where the log is, with a button
// that opens the log's folder.
#include <QString>

class QWidget;
class QMessageBox;

namespace svg2::ui {

// Non-blocking (the dialog is shown window-modal and deletes itself); returns it for tests.
QMessageBox* show_engine_error(QWidget* parent, const QString& title, const QString& message);

}  // namespace svg2::ui

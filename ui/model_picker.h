#pragma once
// The model picker: every model found in the configured folders plus the bundled demo model, and
// the random-weights architectures (speed tests without downloads), each with its detected
// architecture and size.
#include <QStringList>
#include <QVector>
#include <QWidget>

#include "svg2/model_info.h"

class QComboBox;
class QLabel;

namespace svg2::ui {

class ModelPicker : public QWidget {
  Q_OBJECT
 public:
  explicit ModelPicker(QWidget* parent = nullptr);

  void set_folders(const QStringList& folders);  // rescans
  QStringList folders() const { return folders_; }
  // Scans the folders (headers only) and keeps the current choice when it is still there.
  void rescan();
  // Selects a model folder (or a random-weights architecture when `random_weights` is set).
  // A folder that is not in the list is probed and added. Returns false when it is not a model.
  bool select(const QString& model_dir, const QString& random_weights = {});

  bool has_model() const;
  const ModelInfo& current() const;  // requires has_model()
  QString current_dir() const;
  QString current_random_weights() const;
  QString current_label() const;  // short, for the queue ("demo", "1.3B")
  int model_count() const { return static_cast<int>(models_.size()); }

  // "wan2.1-t2v · 1.3B · diffusers — DiT 1.42 B parameters, dim 1536, 30 layers, 12 heads"
  static QString describe(const ModelInfo& info);

 signals:
  void modelChanged();
  void foldersChanged(const QStringList& folders);

 private:
  void add_folder();
  void manage_folders();
  void fill_combo(const QString& keep_dir, const QString& keep_random);
  void show_details();

  QStringList folders_;
  QVector<ModelInfo> models_;
  QComboBox* combo_;
  QLabel* details_;
  QLabel* empty_hint_;
};

}  // namespace svg2::ui

#include "model_picker.h"

#include <algorithm>

#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QLabel>
#include <QMenu>
#include <QToolButton>
#include <QVBoxLayout>

#include "svg2/error.h"
#include "svg2/logging.h"

namespace svg2::ui {

namespace {

QString normalized(const QString& dir) {
  return dir.isEmpty() ? dir : QDir(dir).absolutePath();
}

QString parameter_count(std::int64_t n) {
  if (n >= 1'000'000'000) return QString::number(n / 1e9, 'f', 2) + " B";
  if (n >= 1'000'000) return QString::number(n / 1e6, 'f', 1) + " M";
  return QString::number(n / 1e3, 'f', 0) + " K";
}

}  // namespace

ModelPicker::ModelPicker(QWidget* parent) : QWidget(parent) {
  combo_ = new QComboBox(this);
  combo_->setObjectName("modelCombo");
  combo_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  combo_->setMinimumContentsLength(18);
  combo_->setToolTip(
      "The model to render with. Folders listed under \"Model folders…\" are scanned "
      "(each folder and its sub-folders); the bundled demo model is always listed.");

  auto* folders_button = new QToolButton(this);
  folders_button->setText("Folders");
  folders_button->setToolTip("Add, remove or rescan the folders searched for models");
  folders_button->setPopupMode(QToolButton::InstantPopup);
  auto* menu = new QMenu(folders_button);
  menu->addAction("Add model folder…", this, &ModelPicker::add_folder);
  menu->addAction("Remove model folder…", this, &ModelPicker::manage_folders);
  menu->addAction("Rescan", this, &ModelPicker::rescan);
  folders_button->setMenu(menu);

  details_ = new QLabel(this);
  details_->setObjectName("modelDetails");
  details_->setWordWrap(true);
  details_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  details_->setStyleSheet("color: palette(mid);");
  empty_hint_ = new QLabel(
      "No model found. Add a folder that holds Wan 2.1 checkpoints (original, "
      "diffusers or svg2_model.json layout).",
      this);
  empty_hint_->setWordWrap(true);
  empty_hint_->setStyleSheet("color: #e0a040;");
  empty_hint_->hide();

  auto* row = new QHBoxLayout;
  row->addWidget(combo_, 1);
  row->addWidget(folders_button);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(row);
  layout->addWidget(details_);
  layout->addWidget(empty_hint_);
  layout->addStretch();

  connect(combo_, &QComboBox::currentIndexChanged, this, [this] {
    show_details();
    emit modelChanged();
  });
}

void ModelPicker::set_folders(const QStringList& folders) {
  folders_ = folders;
  rescan();
}

void ModelPicker::rescan() {
  const QString keep_dir = current_dir(), keep_random = current_random_weights();
  std::vector<std::string> scan;
  for (const QString& f : folders_) scan.push_back(f.toStdString());
  models_.clear();
  for (auto& info : scan_models(scan)) models_.push_back(std::move(info));
  // The bundled demo model, when it is installed and not already found through a folder.
  const QString demo = normalized(QString::fromStdString(bundled_demo_model_dir()));
  const bool have_demo = std::any_of(models_.begin(), models_.end(), [&](const ModelInfo& m) {
    return normalized(QString::fromStdString(m.dir)) == demo;
  });
  if (!have_demo && QFileInfo(demo).isDir()) {
    try {
      models_.push_front(probe_model(demo.toStdString()));
    } catch (const std::exception& e) {
      log_message(LogLevel::Warn, std::string("the bundled demo model is not usable: ") + e.what());
    }
  }
  for (const auto& arch : random_weights_architectures()) {
    if (arch == "tiny") continue;  // the test suite's architecture
    models_.push_back(random_weights_model_info(arch));
  }
  fill_combo(keep_dir, keep_random);
}

void ModelPicker::fill_combo(const QString& keep_dir, const QString& keep_random) {
  QSignalBlocker block(combo_);
  combo_->clear();
  int keep = -1, first_real = -1;
  for (int i = 0; i < models_.size(); ++i) {
    const ModelInfo& m = models_[i];
    QString text;
    if (!m.random_weights.empty()) {
      text = QString("Random weights: Wan %1").arg(QString::fromStdString(m.size_name));
    } else {
      const QString name = QFileInfo(QString::fromStdString(m.dir)).fileName();
      text = QString("%1 (%2)").arg(name, QString::fromStdString(m.size_name));
      if (first_real < 0) first_real = i;
    }
    combo_->addItem(text);
    combo_->setItemData(i, describe(m) + "\n" + QString::fromStdString(m.dir), Qt::ToolTipRole);
    const bool same =
        keep_random.isEmpty()
            ? (!keep_dir.isEmpty() && normalized(QString::fromStdString(m.dir)) == normalized(keep_dir))
            : QString::fromStdString(m.random_weights) == keep_random;
    if (same) keep = i;
  }
  if (keep < 0) keep = first_real;
  combo_->setCurrentIndex(keep);
  empty_hint_->setVisible(first_real < 0);
  show_details();
  block.unblock();
  emit modelChanged();
}

bool ModelPicker::select(const QString& model_dir, const QString& random_weights) {
  for (int i = 0; i < models_.size(); ++i) {
    const ModelInfo& m = models_[i];
    const bool same =
        random_weights.isEmpty()
            ? m.random_weights.empty() && normalized(QString::fromStdString(m.dir)) == normalized(model_dir)
            : QString::fromStdString(m.random_weights) == random_weights;
    if (same) {
      combo_->setCurrentIndex(i);
      return true;
    }
  }
  if (!random_weights.isEmpty() || model_dir.isEmpty()) return false;
  try {
    models_.push_front(probe_model(model_dir.toStdString()));
  } catch (const std::exception& e) {
    log_message(LogLevel::Warn, std::string("not a model folder: ") + e.what());
    return false;
  }
  fill_combo(model_dir, {});
  return true;
}

bool ModelPicker::has_model() const {
  const int i = combo_->currentIndex();
  return i >= 0 && i < models_.size();
}

const ModelInfo& ModelPicker::current() const {
  return models_[combo_->currentIndex()];
}

QString ModelPicker::current_dir() const {
  return has_model() && current().random_weights.empty() ? QString::fromStdString(current().dir) : QString();
}

QString ModelPicker::current_random_weights() const {
  return has_model() ? QString::fromStdString(current().random_weights) : QString();
}

QString ModelPicker::current_label() const {
  if (!has_model()) return {};
  const ModelInfo& m = current();
  if (!m.random_weights.empty()) return "random " + QString::fromStdString(m.size_name);
  return QFileInfo(QString::fromStdString(m.dir)).fileName();
}

QString ModelPicker::describe(const ModelInfo& m) {
  QString text = QString("%1 · %2 · %3")
                     .arg(QString::fromStdString(m.family), QString::fromStdString(m.size_name),
                          QString::fromStdString(m.format));
  text += QString(" — DiT %1 parameters, dim %2, %3 layers, %4 heads")
              .arg(parameter_count(m.dit_params))
              .arg(m.dim)
              .arg(m.layers)
              .arg(m.heads);
  return text;
}

void ModelPicker::show_details() {
  if (!has_model()) {
    details_->setText("No model selected.");
    return;
  }
  const ModelInfo& m = current();
  QString text = describe(m);
  text += QString("\nDefault %1×%2, %3 frames, %4 steps")
              .arg(m.default_width)
              .arg(m.default_height)
              .arg(m.default_frames)
              .arg(m.default_steps);
  if (!m.random_weights.empty())
    text += "\nRandom weights: renders noise; for speed measurements only.";
  else if (!m.description.empty())
    text += "\n" + QString::fromStdString(m.description);
  details_->setText(text);
  details_->setToolTip(QString::fromStdString(m.dir));
}

void ModelPicker::add_folder() {
  const QString dir = QFileDialog::getExistingDirectory(this, "Add a model folder");
  if (dir.isEmpty() || folders_.contains(dir)) return;
  folders_ << dir;
  emit foldersChanged(folders_);
  rescan();
}

void ModelPicker::manage_folders() {
  if (folders_.isEmpty()) return;
  bool ok = false;
  const QString dir = QInputDialog::getItem(this, "Remove a model folder",
                                            "Folder to stop scanning:", folders_, 0, false, &ok);
  if (!ok) return;
  folders_.removeAll(dir);
  emit foldersChanged(folders_);
  rescan();
}

}  // namespace svg2::ui

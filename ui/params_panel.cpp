#include "params_panel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QRandomGenerator>
#include <QSpinBox>
#include <QToolButton>

#include <climits>

#include "frames_spin_box.h"

namespace svg2::ui {

namespace {

constexpr int kCustomSize = -1;

QString size_text(int w, int h, bool is_default) {
  QString text = QString("%1 × %2").arg(w).arg(h);
  if (is_default) text += "  (default)";
  return text;
}

int nearest_multiple_of_16(int v) {
  return std::clamp((v + 8) / 16 * 16, 16, 4096);
}

}  // namespace

ParamsPanel::ParamsPanel(QWidget* parent) : QWidget(parent) {
  size_combo_ = new QComboBox(this);
  size_combo_->setObjectName("sizeCombo");
  size_combo_->setToolTip("Output resolution. The presets are the sizes the model was trained for.");
  custom_width_ = new QSpinBox(this);
  custom_height_ = new QSpinBox(this);
  for (QSpinBox* box : {custom_width_, custom_height_}) {
    box->setRange(16, 4096);
    box->setSingleStep(16);
    box->setToolTip("Width and height must be multiples of 16 (8× VAE downsampling, 2× patches).");
  }
  custom_width_->setObjectName("customWidth");
  custom_height_->setObjectName("customHeight");
  custom_size_row_ = new QWidget(this);
  auto* custom_layout = new QHBoxLayout(custom_size_row_);
  custom_layout->setContentsMargins(0, 0, 0, 0);
  custom_layout->addWidget(custom_width_);
  custom_layout->addWidget(new QLabel("×", this));
  custom_layout->addWidget(custom_height_);
  custom_size_row_->hide();

  frames_ = new FramesSpinBox(this);
  frames_->setObjectName("framesSpin");
  duration_ = new QLabel(this);
  duration_->setObjectName("durationLabel");
  auto* frames_row = new QHBoxLayout;
  frames_row->addWidget(frames_);
  frames_row->addWidget(duration_, 1);

  steps_ = new QSpinBox(this);
  steps_->setObjectName("stepsSpin");
  steps_->setRange(1, 1000);
  steps_->setToolTip("Denoising steps. More steps: finer detail, proportionally slower.");
  guidance_ = new QDoubleSpinBox(this);
  guidance_->setObjectName("guidanceSpin");
  guidance_->setRange(1.0, 50.0);
  guidance_->setSingleStep(0.5);
  guidance_->setDecimals(1);
  guidance_->setToolTip(
      "Classifier-free guidance scale. 1 disables guidance (one DiT pass per step, "
      "the negative prompt is ignored); Wan uses 5.");
  shift_ = new QDoubleSpinBox(this);
  shift_->setObjectName("shiftSpin");
  shift_->setRange(0.1, 100.0);
  shift_->setSingleStep(0.5);
  shift_->setDecimals(1);
  shift_->setToolTip(
      "Flow-matching timestep shift: higher spends more steps at high noise. "
      "2–5 suits small resolutions, 7–12 large ones.");
  sampler_ = new QComboBox(this);
  sampler_->setObjectName("samplerCombo");
  sampler_->addItem("Model default", "default");
  sampler_->addItem("UniPC", "unipc");
  sampler_->addItem("Euler", "euler");
  sampler_->setToolTip("UniPC (multistep predictor-corrector, Wan's default) or flow-matching Euler.");

  seed_ = new QSpinBox(this);
  seed_->setObjectName("seedSpin");
  seed_->setRange(0, INT_MAX);
  seed_->setToolTip("The same seed and settings give the same video.");
  seed_lock_ = new QToolButton(this);
  seed_lock_->setObjectName("seedLock");
  seed_lock_->setCheckable(true);
  seed_lock_->setText("Lock");
  seed_lock_->setToolTip(
      "Locked: every render uses this seed. Unlocked: a new random seed is drawn "
      "after each queued render.");
  seed_random_ = new QToolButton(this);
  seed_random_->setObjectName("seedRandomize");
  seed_random_->setText("Random");
  seed_random_->setToolTip("Draw a new random seed now");
  auto* seed_row = new QHBoxLayout;
  seed_row->addWidget(seed_, 1);
  seed_row->addWidget(seed_lock_);
  seed_row->addWidget(seed_random_);

  device_ = new QComboBox(this);
  device_->setObjectName("deviceCombo");
  device_->addItem("Auto (GPU when available)", "auto");
  device_->addItem("CUDA GPU", "cuda");
  device_->addItem("CPU", "cpu");
  dtype_ = new QComboBox(this);
  dtype_->setObjectName("dtypeCombo");
  dtype_->addItem("Auto (bf16 on GPU, fp32 on CPU)", "auto");
  dtype_->addItem("bf16", "bf16");
  dtype_->addItem("fp16", "fp16");
  dtype_->addItem("fp32", "fp32");
  offload_ = new QCheckBox("Offload DiT blocks to the CPU", this);
  offload_->setObjectName("offloadCheck");
  offload_->setToolTip(
      "Keeps only the running DiT block on the GPU: large models fit in less memory, "
      "at some speed cost. CUDA only.");
  tiled_vae_ = new QCheckBox("Tiled VAE decode", this);
  tiled_vae_->setToolTip("Decode the video in spatial tiles: lower peak memory at large resolutions.");

  message_ = new QLabel(this);
  message_->setObjectName("paramsMessage");
  message_->setWordWrap(true);
  message_->hide();

  auto* form = new QFormLayout(this);
  form->addRow("Resolution", size_combo_);
  form->addRow("", custom_size_row_);
  form->addRow("Frames", frames_row);
  form->addRow("Steps", steps_);
  form->addRow("Guidance", guidance_);
  form->addRow("Shift", shift_);
  form->addRow("Sampler", sampler_);
  form->addRow("Seed", seed_row);
  form->addRow("Device", device_);
  form->addRow("Precision", dtype_);
  form->addRow("", offload_);
  form->addRow("", tiled_vae_);
  form->addRow(message_);

  auto notify = [this] {
    update_messages();
    emit changed();
  };
  connect(size_combo_, &QComboBox::currentIndexChanged, this, [this, notify] {
    custom_size_row_->setVisible(size_combo_->currentData().toInt() == kCustomSize);
    notify();
  });
  for (QSpinBox* box : {custom_width_, custom_height_, steps_, seed_})
    connect(box, &QSpinBox::valueChanged, this, notify);
  connect(frames_, &QSpinBox::valueChanged, this, [this, notify] {
    update_duration();
    notify();
  });
  connect(frames_, &FramesSpinBox::snapped, this, [this](int typed, int valid) {
    snap_note_ = QString("Frames must be 4n+1: %1 became %2.").arg(typed).arg(valid);
    update_messages();
  });
  for (QDoubleSpinBox* box : {guidance_, shift_}) connect(box, &QDoubleSpinBox::valueChanged, this, notify);
  for (QComboBox* combo : {sampler_, device_, dtype_})
    connect(combo, &QComboBox::currentIndexChanged, this, notify);
  for (QCheckBox* check : {offload_, tiled_vae_}) connect(check, &QCheckBox::toggled, this, notify);
  connect(seed_random_, &QToolButton::clicked, this,
          [this] { seed_->setValue(QRandomGenerator::global()->bounded(INT_MAX)); });
  connect(seed_lock_, &QToolButton::toggled, this, [this](bool locked) {
    seed_random_->setEnabled(!locked);
    seed_->setEnabled(!locked);
    emit changed();
  });
  update_duration();
}

void ParamsPanel::set_model(const ModelInfo& model) {
  model_ = model;
  {
    QSignalBlocker block(size_combo_);
    size_combo_->clear();
    auto sizes = model.sizes;
    if (sizes.empty()) sizes.emplace_back(model.default_width, model.default_height);
    for (const auto& [w, h] : sizes)
      size_combo_->addItem(size_text(w, h, w == model.default_width && h == model.default_height),
                           QSize(w, h));
    size_combo_->addItem("Custom…", kCustomSize);
  }
  select_size(model.default_width, model.default_height);
  frames_->setValue(nearest_valid_frames(model.default_frames > 0 ? model.default_frames : 81));
  steps_->setValue(model.default_steps > 0 ? model.default_steps : 50);
  guidance_->setValue(model.default_guidance);
  shift_->setValue(model.default_shift);
  sampler_->setItemText(0, QString("Model default (%1)").arg(QString::fromStdString(model.default_sampler)));
  sampler_->setCurrentIndex(0);
  snap_note_.clear();
  update_duration();
  update_messages();
  emit changed();
}

void ParamsPanel::select_size(int width, int height) {
  for (int i = 0; i < size_combo_->count(); ++i) {
    if (size_combo_->itemData(i).toSize() == QSize(width, height)) {
      size_combo_->setCurrentIndex(i);
      custom_size_row_->hide();
      return;
    }
  }
  size_combo_->setCurrentIndex(size_combo_->count() - 1);  // custom
  custom_size_row_->show();
  custom_width_->setValue(width);
  custom_height_->setValue(height);
}

void ParamsPanel::apply(const RenderParams& p) {
  if (p.width > 0 && p.height > 0) select_size(p.width, p.height);
  if (p.frames > 0) frames_->setValue(nearest_valid_frames(p.frames));
  if (p.steps > 0) steps_->setValue(p.steps);
  if (p.guidance >= 1.0) guidance_->setValue(p.guidance);
  if (p.shift > 0) shift_->setValue(p.shift);
  sampler_->setCurrentIndex(p.use_default_sampler ? 0 : (p.sampler == SamplerKind::UniPC ? 1 : 2));
  if (p.seed >= 0 && p.seed <= INT_MAX) seed_->setValue(static_cast<int>(p.seed));
  const int device = device_->findData(QString::fromStdString(p.device));
  device_->setCurrentIndex(device >= 0 ? device : 0);
  const int dtype = dtype_->findData(QString::fromStdString(p.dtype));
  dtype_->setCurrentIndex(dtype >= 0 ? dtype : 0);
  offload_->setChecked(p.offload_blocks);
  tiled_vae_->setChecked(p.tiled_vae);
  update_messages();
}

int ParamsPanel::width() const {
  const QVariant data = size_combo_->currentData();
  return data.typeId() == QMetaType::QSize ? data.toSize().width() : custom_width_->value();
}

int ParamsPanel::height() const {
  const QVariant data = size_combo_->currentData();
  return data.typeId() == QMetaType::QSize ? data.toSize().height() : custom_height_->value();
}

int ParamsPanel::frames() const {
  return frames_->value();
}
int ParamsPanel::steps() const {
  return steps_->value();
}

void ParamsPanel::write_to(RenderParams& p) const {
  p.width = width();
  p.height = height();
  p.frames = frames();
  p.steps = steps();
  p.guidance = guidance_->value();
  p.shift = shift_->value();
  const QString sampler = sampler_->currentData().toString();
  p.use_default_sampler = sampler == "default";
  if (!p.use_default_sampler) p.sampler = sampler_from_string(sampler.toStdString());
  p.seed = seed();
  p.device = device_->currentData().toString().toStdString();
  p.dtype = dtype_->currentData().toString().toStdString();
  p.offload_blocks = offload_->isChecked();
  p.tiled_vae = tiled_vae_->isChecked();
}

QString ParamsPanel::problem() const {
  const int w = width(), h = height();
  if (w % 16 != 0)
    return QString("Width must be a multiple of 16 (got %1; nearest valid: %2).")
        .arg(w)
        .arg(nearest_multiple_of_16(w));
  if (h % 16 != 0)
    return QString("Height must be a multiple of 16 (got %1; nearest valid: %2).")
        .arg(h)
        .arg(nearest_multiple_of_16(h));
  if ((frames() - 1) % 4 != 0) return QString("Frames must be 4n+1 (got %1).").arg(frames());
  if (offload_->isChecked() && device_->currentData().toString() == "cpu")
    return "Offloading DiT blocks needs a CUDA device: choose Auto or CUDA, or turn offloading off.";
  return {};
}

qint64 ParamsPanel::seed() const {
  return seed_->value();
}
void ParamsPanel::set_seed(qint64 seed) {
  seed_->setValue(static_cast<int>(std::clamp<qint64>(seed, 0, INT_MAX)));
}
bool ParamsPanel::seed_locked() const {
  return seed_lock_->isChecked();
}
void ParamsPanel::set_seed_locked(bool locked) {
  seed_lock_->setChecked(locked);
}

void ParamsPanel::advance_seed() {
  if (!seed_locked()) seed_->setValue(QRandomGenerator::global()->bounded(INT_MAX));
}

void ParamsPanel::update_duration() {
  const double seconds = frames_->value() / kFps;
  const int latent_frames = (frames_->value() - 1) / 4 + 1;
  duration_->setText(QString("%1 s at %2 fps · %3 latent frames")
                         .arg(seconds, 0, 'f', 2)
                         .arg(kFps, 0, 'f', 0)
                         .arg(latent_frames));
}

void ParamsPanel::update_messages() {
  const QString error = problem();
  QString text;
  if (!error.isEmpty()) {
    message_->setStyleSheet("color: #ff6b6b;");
    text = error;
  } else if (!snap_note_.isEmpty()) {
    message_->setStyleSheet("color: #e0a040;");
    text = snap_note_;
  } else if (!model_.sizes.empty() && size_combo_->currentData().toInt() == kCustomSize) {
    message_->setStyleSheet("color: #e0a040;");
    text = "A size the model was not trained for: expect weaker results.";
  }
  message_->setText(text);
  message_->setVisible(!text.isEmpty());
}

}  // namespace svg2::ui

#include "attention_panel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSpinBox>
#include <QVBoxLayout>

#include "compare_report.h"
#include "svg2/error.h"

namespace svg2::ui {

QString attention_mode_label(AttentionMode mode) {
  switch (mode) {
    case AttentionMode::Dense:
      return "Dense";
    case AttentionMode::Svg2:
      return "SVG2";
    case AttentionMode::BlockTopK:
      return "Block top-k";
    case AttentionMode::Svg1:
      return "SVG1";
  }
  return {};
}

QString attention_mode_label(const std::string& name, const QString& fallback) {
  try {
    return attention_mode_label(attention_mode_from_string(name));
  } catch (const std::exception&) {
    return fallback;
  }
}

AttentionPanel::AttentionPanel(QWidget* parent) : QWidget(parent) {
  mode_ = new QComboBox(this);
  mode_->setObjectName("attentionMode");
  mode_->addItem("SVG2 — semantic-aware sparse", static_cast<int>(AttentionMode::Svg2));
  mode_->addItem("Dense — exact attention", static_cast<int>(AttentionMode::Dense));
  mode_->addItem("Block top-k (baseline)", static_cast<int>(AttentionMode::BlockTopK));
  mode_->addItem("SVG1 (baseline)", static_cast<int>(AttentionMode::Svg1));
  mode_->setToolTip(
      "SVG2 clusters queries and keys by meaning (k-means) and computes only the cluster "
      "pairs that carry most of the attention mass. Dense computes everything. The "
      "baselines are for comparison: fixed position blocks, and SVG1's spatial/temporal "
      "head patterns.");

  top_p_ = new QDoubleSpinBox(this);
  top_p_->setObjectName("topP");
  top_p_->setRange(0.01, 1.0);
  top_p_->setSingleStep(0.05);
  top_p_->setDecimals(2);
  top_p_->setToolTip(
      "Top-p: for each query cluster, key clusters are added (largest estimated "
      "attention first) until this share of the attention mass is covered. Lower = "
      "sparser and faster, higher = closer to dense.");
  query_clusters_ = new QSpinBox(this);
  query_clusters_->setObjectName("queryClusters");
  query_clusters_->setRange(1, 100000);
  query_clusters_->setToolTip(
      "QC: number of k-means clusters for the queries (reference: 300 for "
      "Wan 720p). More clusters = finer selection, more k-means work.");
  key_clusters_ = new QSpinBox(this);
  key_clusters_->setObjectName("keyClusters");
  key_clusters_->setRange(1, 100000);
  key_clusters_->setToolTip(
      "KC: number of k-means clusters for the keys (reference: 1000). Key "
      "clusters are the unit of selection: more of them = more precise "
      "sparsity.");
  fixed_density_on_ = new QCheckBox("Fixed density", this);
  fixed_density_on_->setObjectName("fixedDensityOn");
  fixed_density_ = new QDoubleSpinBox(this);
  fixed_density_->setObjectName("fixedDensity");
  fixed_density_->setRange(0.01, 1.0);
  fixed_density_->setSingleStep(0.05);
  fixed_density_->setDecimals(2);
  fixed_density_->setValue(0.25);
  const QString fixed_tip =
      "Benchmark mode: keep the highest-mass cluster pairs until this fraction of "
      "all query×key pairs is computed, whatever the attention looks like. "
      "Replaces top-p.";
  fixed_density_on_->setToolTip(fixed_tip);
  fixed_density_->setToolTip(fixed_tip);
  auto* fixed_row = new QHBoxLayout;
  fixed_row->addWidget(fixed_density_on_);
  fixed_row->addWidget(fixed_density_, 1);
  kmeans_init_ = new QSpinBox(this);
  kmeans_init_->setRange(1, 1000);
  kmeans_init_->setToolTip("k-means iterations of the first sparse step (cold start).");
  kmeans_step_ = new QSpinBox(this);
  kmeans_step_->setRange(0, 100);
  kmeans_step_->setToolTip(
      "k-means iterations of later steps, warm-started from the previous "
      "step's centroids.");
  auto* kmeans_row = new QHBoxLayout;
  kmeans_row->addWidget(new QLabel("first", this));
  kmeans_row->addWidget(kmeans_init_);
  kmeans_row->addWidget(new QLabel("then", this));
  kmeans_row->addWidget(kmeans_step_);

  svg2_group_ = new QGroupBox("SVG2", this);
  auto* svg2_form = new QFormLayout(svg2_group_);
  svg2_form->addRow("Top-p", top_p_);
  svg2_form->addRow("Query clusters (QC)", query_clusters_);
  svg2_form->addRow("Key clusters (KC)", key_clusters_);
  svg2_form->addRow(fixed_row);
  svg2_form->addRow("k-means iterations", kmeans_row);

  dense_steps_ = new QDoubleSpinBox(this);
  dense_steps_->setObjectName("denseSteps");
  dense_steps_->setRange(0, 1000);
  dense_steps_->setDecimals(2);
  dense_steps_->setSingleStep(1);
  dense_steps_->setToolTip(
      "Dense warm-up: the first steps decide the layout of the video and run "
      "with exact attention. A value of 1 or more is a step count; a value "
      "below 1 is a fraction of the steps (reference: 0.2 = first 20%).");
  dense_steps_note_ = new QLabel(this);
  dense_steps_note_->setObjectName("denseStepsNote");
  auto* dense_row = new QHBoxLayout;
  dense_row->addWidget(dense_steps_);
  dense_row->addWidget(dense_steps_note_, 1);
  dense_final_steps_ = new QDoubleSpinBox(this);
  dense_final_steps_->setObjectName("denseFinalSteps");
  dense_final_steps_->setRange(0, 1000);
  dense_final_steps_->setDecimals(2);
  dense_final_steps_->setSingleStep(1);
  dense_final_steps_->setToolTip(
      "Dense finish: the last steps draw fine detail (thin points, sharp "
      "corners) and can run with exact attention again. Counted like the "
      "dense steps; 0 = none (the reference's schedule).");
  dense_layers_ = new QSpinBox(this);
  dense_layers_->setObjectName("denseLayers");
  dense_layers_->setRange(0, 1000);
  dense_layers_->setToolTip(
      "The first layers always run dense (their attention is the least "
      "sparse). Reference: 1.");
  block_size_ = new QComboBox(this);
  block_size_->addItem("64 tokens", 64);
  block_size_->addItem("128 tokens", 128);
  block_size_->setToolTip("Token block size of the block top-k baseline.");
  policy_group_ = new QGroupBox("Policy", this);
  auto* policy_form = new QFormLayout(policy_group_);
  policy_form->addRow("Dense steps", dense_row);
  policy_form->addRow("Dense final steps", dense_final_steps_);
  policy_form->addRow("Dense layers", dense_layers_);
  policy_form->addRow("Block size", block_size_);

  message_ = new QLabel(this);
  message_->setObjectName("attentionMessage");
  message_->setWordWrap(true);
  message_->hide();

  readout_ = new QLabel("Last run: —", this);
  readout_->setObjectName("attentionReadout");
  readout_->setWordWrap(true);
  readout_->setTextFormat(Qt::RichText);
  readout_->setToolTip(
      "Density: the share of query×key pairs the sparse attention computed (100% "
      "= dense). Speedup: against the dense render of the same settings (run "
      "Compare to measure it).");

  auto* layout = new QVBoxLayout(this);
  auto* mode_form = new QFormLayout;
  mode_form->addRow("Attention", mode_);
  layout->addLayout(mode_form);
  layout->addWidget(svg2_group_);
  layout->addWidget(policy_group_);
  layout->addWidget(message_);
  layout->addWidget(readout_);
  layout->addStretch();

  set_config(AttentionConfig{});

  auto notify = [this] {
    update_state();
    emit changed();
  };
  connect(mode_, &QComboBox::currentIndexChanged, this, notify);
  connect(block_size_, &QComboBox::currentIndexChanged, this, notify);
  connect(fixed_density_on_, &QCheckBox::toggled, this, notify);
  for (QDoubleSpinBox* box : {top_p_, fixed_density_, dense_steps_, dense_final_steps_})
    connect(box, &QDoubleSpinBox::valueChanged, this, notify);
  for (QSpinBox* box : {query_clusters_, key_clusters_, kmeans_init_, kmeans_step_, dense_layers_})
    connect(box, &QSpinBox::valueChanged, this, notify);
}

void AttentionPanel::set_config(const AttentionConfig& c) {
  hidden_ = c;
  const QSignalBlocker blockers[] = {QSignalBlocker(mode_),
                                     QSignalBlocker(top_p_),
                                     QSignalBlocker(query_clusters_),
                                     QSignalBlocker(key_clusters_),
                                     QSignalBlocker(fixed_density_on_),
                                     QSignalBlocker(fixed_density_),
                                     QSignalBlocker(kmeans_init_),
                                     QSignalBlocker(kmeans_step_),
                                     QSignalBlocker(dense_steps_),
                                     QSignalBlocker(dense_final_steps_),
                                     QSignalBlocker(dense_layers_),
                                     QSignalBlocker(block_size_)};
  mode_->setCurrentIndex(std::max(0, mode_->findData(static_cast<int>(c.mode))));
  top_p_->setValue(c.top_p);
  query_clusters_->setValue(c.query_clusters);
  key_clusters_->setValue(c.key_clusters);
  fixed_density_on_->setChecked(c.fixed_density.has_value());
  if (c.fixed_density) fixed_density_->setValue(*c.fixed_density);
  kmeans_init_->setValue(c.kmeans_iters_init);
  kmeans_step_->setValue(c.kmeans_iters_step);
  dense_steps_->setValue(c.dense_steps);
  dense_final_steps_->setValue(c.dense_final_steps);
  dense_layers_->setValue(c.dense_layers);
  block_size_->setCurrentIndex(std::max(0, block_size_->findData(c.block_size)));
  update_state();
  emit changed();
}

AttentionConfig AttentionPanel::config() const {
  AttentionConfig c = hidden_;
  c.mode = static_cast<AttentionMode>(mode_->currentData().toInt());
  c.top_p = top_p_->value();
  c.query_clusters = query_clusters_->value();
  c.key_clusters = key_clusters_->value();
  c.fixed_density =
      fixed_density_on_->isChecked() ? std::optional<double>(fixed_density_->value()) : std::nullopt;
  c.kmeans_iters_init = kmeans_init_->value();
  c.kmeans_iters_step = kmeans_step_->value();
  c.dense_steps = dense_steps_->value();
  c.dense_final_steps = dense_final_steps_->value();
  c.dense_layers = dense_layers_->value();
  c.block_size = block_size_->currentData().toInt();
  return c;
}

void AttentionPanel::set_render_shape(int steps, int layers, long long tokens) {
  steps_ = steps;
  layers_ = layers;
  tokens_ = tokens;
  update_state();
}

QString AttentionPanel::problem() const {
  try {
    validate(config());
  } catch (const std::exception& e) {
    return QString::fromStdString(e.what());
  }
  return {};
}

void AttentionPanel::update_state() {
  const AttentionConfig c = config();
  const bool sparse = c.mode != AttentionMode::Dense;
  svg2_group_->setEnabled(c.mode == AttentionMode::Svg2);
  policy_group_->setEnabled(sparse);
  block_size_->setEnabled(c.mode == AttentionMode::BlockTopK);
  top_p_->setEnabled(!c.fixed_density);
  fixed_density_->setEnabled(c.fixed_density.has_value());

  int dense_steps = 0;  // leading and final dense steps of a schedule of steps_
  for (int step = 0; step < steps_; ++step) dense_steps += step_runs_dense(c, step, steps_);
  if (steps_ > 0 && sparse) {
    dense_steps_note_->setText(QString("→ %1 of %2 steps dense").arg(dense_steps).arg(steps_));
  } else {
    dense_steps_note_->clear();
  }

  QString text, color = "#e0a040";
  if (const QString error = problem(); !error.isEmpty()) {
    text = error;
    color = "#ff6b6b";
  } else if (sparse && steps_ > 0 && dense_steps >= steps_) {
    text = "Every step runs dense with these settings: this render will not be sparse.";
  } else if (sparse && layers_ > 0 && c.dense_layers >= layers_) {
    text =
        QString("All %1 layers run dense with these settings: this render will not be sparse.").arg(layers_);
  } else if (c.mode == AttentionMode::Svg2 && tokens_ > 0 &&
             std::max(c.query_clusters, c.key_clusters) > tokens_) {
    text = QString(
               "This size has only %1 attention tokens: the cluster counts are scaled down "
               "proportionally.")
               .arg(tokens_);
  }
  message_->setStyleSheet("color: " + color + ";");
  message_->setText(text);
  message_->setVisible(!text.isEmpty());
}

void AttentionPanel::show_last_run(const QString& mode_label, double density, double overall_density,
                                   double dit_ms, double speedup_dit, double speedup_attention) {
  QString text = QString("<b>Last run</b> (%1): DiT %2").arg(mode_label, format_duration_ms(dit_ms));
  if (density >= 0)
    text += QString("<br>density %1 of sparse calls, %2 overall")
                .arg(format_percent(density), format_percent(overall_density));
  if (speedup_dit > 0) {
    text += QString("<br>speedup vs dense: DiT %1").arg(format_speedup(speedup_dit));
    if (speedup_attention > 0) text += QString(", attention %1").arg(format_speedup(speedup_attention));
  } else {
    text += "<br>speedup: run <i>Compare</i> for a dense reference";
  }
  readout_->setText(text);
}

}  // namespace svg2::ui

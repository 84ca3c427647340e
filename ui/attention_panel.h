#pragma once
// Self-attention settings: dense, SVG2, or a baseline (block top-k, SVG1), SVG2's knobs (top-p,
// query/key cluster counts, fixed-density mode, k-means iterations), the dense warm-up policy
// (steps and layers), and the density and speedup of the last run.
#include <QWidget>

#include "svg2/attention_config.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QGroupBox;
class QLabel;
class QSpinBox;

namespace svg2::ui {

class AttentionPanel : public QWidget {
  Q_OBJECT
 public:
  explicit AttentionPanel(QWidget* parent = nullptr);

  void set_config(const AttentionConfig& config);
  AttentionConfig config() const;

  // What the policy does for these settings: steps of the render, the model's layers and the
  // number of attention tokens at the chosen size (for cluster counts larger than that).
  void set_render_shape(int steps, int layers, long long tokens);

  // Empty when the config is valid; otherwise what to fix (also shown inline).
  QString problem() const;

  // Readouts of the last finished run. speedup <= 0 = unknown (no dense reference yet).
  void show_last_run(const QString& mode_label, double density, double overall_density, double dit_ms,
                     double speedup_dit, double speedup_attention);

 signals:
  void changed();

 private:
  void update_state();

  QComboBox* mode_;
  QGroupBox* svg2_group_;
  QDoubleSpinBox* top_p_;
  QSpinBox* query_clusters_;
  QSpinBox* key_clusters_;
  QCheckBox* fixed_density_on_;
  QDoubleSpinBox* fixed_density_;
  QSpinBox* kmeans_init_;
  QSpinBox* kmeans_step_;
  QGroupBox* policy_group_;
  QDoubleSpinBox* dense_steps_;
  QLabel* dense_steps_note_;
  QDoubleSpinBox* dense_final_steps_;
  QSpinBox* dense_layers_;
  QComboBox* block_size_;
  QLabel* message_;
  QLabel* readout_;
  int steps_ = 0, layers_ = 0;
  long long tokens_ = 0;
  AttentionConfig hidden_;  // fields this panel does not show, kept as given
};

QString attention_mode_label(AttentionMode mode);
// The same for a mode's name ("dense", "svg2", "block-topk", "svg1"); `fallback` when unknown.
QString attention_mode_label(const std::string& name, const QString& fallback);

}  // namespace svg2::ui

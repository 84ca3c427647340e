#pragma once
// Prompt and negative prompt editors with their histories (newest first, kept in the settings).
#include <QStringList>
#include <QWidget>

class QCheckBox;
class QPlainTextEdit;
class QToolButton;

namespace svg2::ui {

class PromptPanel : public QWidget {
  Q_OBJECT
 public:
  explicit PromptPanel(QWidget* parent = nullptr);

  QString prompt() const;
  void set_prompt(const QString& text);
  QString negative_prompt() const;  // empty when the model's default is used
  void set_negative_prompt(const QString& text, bool use_model_default);
  bool use_default_negative() const;
  // Shown greyed when the model's default negative prompt is in use.
  void set_model_default_negative(const QString& text);

  void set_histories(const QStringList& prompts, const QStringList& negatives);
  QStringList prompt_history() const { return prompt_history_; }
  QStringList negative_history() const { return negative_history_; }
  // Records the current texts (when a render is queued).
  void remember_current();

  QPlainTextEdit* prompt_editor() const { return prompt_; }

 signals:
  void changed();

 private:
  void show_history_menu(QToolButton* button, bool negative);

  QPlainTextEdit* prompt_;
  QPlainTextEdit* negative_;
  QCheckBox* default_negative_;
  QStringList prompt_history_, negative_history_;
  QString model_default_negative_;
};

}  // namespace svg2::ui

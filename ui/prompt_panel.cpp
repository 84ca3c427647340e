#include "prompt_panel.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenu>
#include <QPlainTextEdit>
#include <QToolButton>
#include <QVBoxLayout>

#include "studio_settings.h"

namespace svg2::ui {

namespace {

QString menu_text(const QString& text) {
  QString line = text.simplified();
  if (line.size() > 80) line = line.left(77) + "…";
  return line.replace('&', "&&");
}

QToolButton* history_button(QWidget* parent, const QString& name) {
  auto* button = new QToolButton(parent);
  button->setObjectName(name);
  button->setText("History");
  button->setToolTip("Recent prompts (newest first)");
  return button;
}

}  // namespace

PromptPanel::PromptPanel(QWidget* parent) : QWidget(parent) {
  prompt_ = new QPlainTextEdit(this);
  prompt_->setObjectName("promptEdit");
  prompt_->setPlaceholderText("Describe the video: subject, motion, scene, camera, style…");
  prompt_->setTabChangesFocus(true);
  prompt_->setToolTip("The prompt. Ctrl+Enter renders.");
  negative_ = new QPlainTextEdit(this);
  negative_->setObjectName("negativeEdit");
  negative_->setTabChangesFocus(true);
  negative_->setMaximumHeight(70);
  negative_->setToolTip("What the video should not show. Only used with guidance above 1.");
  default_negative_ = new QCheckBox("Model default", this);
  default_negative_->setObjectName("defaultNegative");
  default_negative_->setToolTip("Use the negative prompt the model was trained with");
  default_negative_->setChecked(true);
  negative_->setEnabled(false);

  auto* prompt_history = history_button(this, "promptHistory");
  auto* negative_history = history_button(this, "negativeHistory");
  connect(prompt_history, &QToolButton::clicked, this,
          [this, prompt_history] { show_history_menu(prompt_history, false); });
  connect(negative_history, &QToolButton::clicked, this,
          [this, negative_history] { show_history_menu(negative_history, true); });

  auto* prompt_header = new QHBoxLayout;
  prompt_header->addWidget(new QLabel("<b>Prompt</b>", this), 1);
  prompt_header->addWidget(prompt_history);
  auto* negative_header = new QHBoxLayout;
  negative_header->addWidget(new QLabel("<b>Negative prompt</b>", this), 1);
  negative_header->addWidget(default_negative_);
  negative_header->addWidget(negative_history);

  auto* layout = new QVBoxLayout(this);
  layout->addLayout(prompt_header);
  layout->addWidget(prompt_, 3);
  layout->addLayout(negative_header);
  layout->addWidget(negative_, 1);

  connect(prompt_, &QPlainTextEdit::textChanged, this, &PromptPanel::changed);
  connect(negative_, &QPlainTextEdit::textChanged, this, &PromptPanel::changed);
  connect(default_negative_, &QCheckBox::toggled, this, [this](bool use_default) {
    negative_->setEnabled(!use_default);
    negative_->setPlaceholderText(use_default ? model_default_negative_ : QString());
    emit changed();
  });
}

QString PromptPanel::prompt() const {
  return prompt_->toPlainText().trimmed();
}
void PromptPanel::set_prompt(const QString& text) {
  prompt_->setPlainText(text);
}

QString PromptPanel::negative_prompt() const {
  return use_default_negative() ? QString() : negative_->toPlainText().trimmed();
}

bool PromptPanel::use_default_negative() const {
  return default_negative_->isChecked();
}

void PromptPanel::set_negative_prompt(const QString& text, bool use_model_default) {
  negative_->setPlainText(text);
  default_negative_->setChecked(use_model_default);
}

void PromptPanel::set_model_default_negative(const QString& text) {
  model_default_negative_ = text.isEmpty() ? QString("(the model has no default negative prompt)") : text;
  if (use_default_negative()) negative_->setPlaceholderText(model_default_negative_);
}

void PromptPanel::set_histories(const QStringList& prompts, const QStringList& negatives) {
  prompt_history_ = prompts;
  negative_history_ = negatives;
}

void PromptPanel::remember_current() {
  StudioSettings::remember(prompt_history_, prompt());
  if (!use_default_negative()) StudioSettings::remember(negative_history_, negative_prompt());
}

void PromptPanel::show_history_menu(QToolButton* button, bool negative) {
  const QStringList& history = negative ? negative_history_ : prompt_history_;
  QMenu menu(button);
  if (history.isEmpty()) menu.addAction("(no history yet)")->setEnabled(false);
  for (const QString& text : history) {
    QAction* action = menu.addAction(menu_text(text));
    action->setToolTip(text);
    connect(action, &QAction::triggered, this, [this, text, negative] {
      if (negative)
        set_negative_prompt(text, false);
      else
        set_prompt(text);
    });
  }
  menu.exec(button->mapToGlobal(QPoint(0, button->height())));
}

}  // namespace svg2::ui

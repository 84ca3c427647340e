#include "job_queue.h"

#include "svg2/attention_config.h"

namespace svg2::ui {

QString to_display_string(JobState state) {
  switch (state) {
    case JobState::Queued:
      return "Queued";
    case JobState::Running:
      return "Running";
    case JobState::Finished:
      return "Finished";
    case JobState::Failed:
      return "Failed";
    case JobState::Cancelled:
      return "Cancelled";
  }
  return {};
}

namespace {

QString attention_name(AttentionMode mode) {
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

}  // namespace

QString QueueItem::title() const {
  QString text = QString::fromStdString(params.prompt).simplified();
  if (text.isEmpty()) text = "(empty prompt)";
  if (text.size() > 60) text = text.left(57) + "…";
  return kind == JobKind::Compare ? "Compare: " + text : text;
}

QString QueueItem::summary() const {
  QStringList parts;
  if (!model_label.isEmpty()) parts << model_label;
  if (params.width > 0) parts << QString("%1×%2").arg(params.width).arg(params.height);
  if (params.frames > 0) parts << QString("%1 frames").arg(params.frames);
  if (params.steps > 0) parts << QString("%1 steps").arg(params.steps);
  parts << (kind == JobKind::Compare
                ? "Dense vs " + attention_name(params.attention.mode == AttentionMode::Dense
                                                   ? AttentionMode::Svg2
                                                   : params.attention.mode)
                : attention_name(params.attention.mode));
  parts << QString("seed %1").arg(params.seed);
  return parts.join(" · ");
}

QString QueueItem::progress_text() const {
  if (state != JobState::Running) {
    if (state == JobState::Failed && !message.isEmpty()) return "Failed: " + message.section('\n', 0, 0);
    return to_display_string(state);
  }
  QStringList parts;
  if (kind == JobKind::Compare && !phase.isEmpty()) {
    if (phase == "dense")
      parts << "Dense pass";
    else if (phase == "dense-cached")
      parts << "Dense from cache";
    else if (phase == "sparse")
      parts << "Sparse pass";
    else if (phase == "metrics")
      parts << "Measuring PSNR/SSIM";
    else
      parts << phase;
  }
  const std::string& stage = progress.stage;
  if (stage.empty())
    parts << "Starting";
  else if (stage == "text")
    parts << "Encoding the prompt";
  else if (stage == "decode")
    parts << "Decoding video";
  else if (stage == "encode")
    parts << "Saving";
  else if (stage == "load")
    parts << "Loading the model";
  else if (progress.total > 0) {
    parts << QString("step %1/%2").arg(progress.step).arg(progress.total);
    if (progress.it_per_s > 0) {
      parts << (progress.it_per_s >= 1 ? QString("%1 it/s").arg(progress.it_per_s, 0, 'f', 2)
                                       : QString("%1 s/it").arg(1.0 / progress.it_per_s, 0, 'f', 1));
      if (progress.step < progress.total) parts << QString("ETA %1 s").arg(qRound(progress.eta_s));
    }
  }
  return parts.join(" · ");
}

JobQueueModel::JobQueueModel(QObject* parent) : QAbstractListModel(parent) {}

Ticket JobQueueModel::add(JobKind kind, const RenderParams& params, const QString& model_label) {
  QueueItem item;
  item.ticket = next_ticket_++;
  item.kind = kind;
  item.params = params;
  item.model_label = model_label;
  item.queued_at = QDateTime::currentDateTime();
  const int row = count();
  beginInsertRows({}, row, row);
  items_.push_back(item);
  endInsertRows();
  return item.ticket;
}

Ticket JobQueueModel::duplicate(Ticket ticket) {
  const int row = row_of(ticket);
  if (row < 0) return 0;
  QueueItem copy = items_[row];
  copy.ticket = next_ticket_++;
  copy.state = JobState::Queued;
  copy.progress = {};
  copy.phase.clear();
  copy.message.clear();
  copy.history_id.clear();
  copy.cancel_requested = false;
  copy.queued_at = QDateTime::currentDateTime();
  beginInsertRows({}, row + 1, row + 1);
  items_.insert(row + 1, copy);
  endInsertRows();
  return copy.ticket;
}

bool JobQueueModel::requeue(Ticket ticket) {
  const int row = row_of(ticket);
  if (row < 0) return false;
  const JobState state = items_[row].state;
  if (state != JobState::Failed && state != JobState::Cancelled) return false;
  QueueItem item = items_[row];
  item.state = JobState::Queued;
  item.progress = {};
  item.phase.clear();
  item.message.clear();
  item.cancel_requested = false;
  item.queued_at = QDateTime::currentDateTime();
  beginRemoveRows({}, row, row);
  items_.remove(row);
  endRemoveRows();
  beginInsertRows({}, count(), count());
  items_.push_back(item);
  endInsertRows();
  return true;
}

bool JobQueueModel::remove(Ticket ticket) {
  const int row = row_of(ticket);
  if (row < 0 || items_[row].state == JobState::Running) return false;
  beginRemoveRows({}, row, row);
  items_.remove(row);
  endRemoveRows();
  return true;
}

void JobQueueModel::remove_done() {
  for (int row = count() - 1; row >= 0; --row) {
    const JobState s = items_[row].state;
    if (s == JobState::Finished || s == JobState::Failed || s == JobState::Cancelled) {
      beginRemoveRows({}, row, row);
      items_.remove(row);
      endRemoveRows();
    }
  }
}

bool JobQueueModel::move(Ticket ticket, int delta) {
  const int row = row_of(ticket);
  if (row < 0 || items_[row].state != JobState::Queued || (delta != -1 && delta != 1)) return false;
  // The nearest queued job in that direction; done and running jobs are stepped over.
  int other = row + delta;
  while (other >= 0 && other < count() && items_[other].state != JobState::Queued) other += delta;
  if (other < 0 || other >= count()) return false;
  const int low = std::min(row, other), high = std::max(row, other);
  // Qt's move semantics: the destination row is the index before which the item lands.
  beginMoveRows({}, high, high, {}, low);
  items_.move(high, low);
  endMoveRows();
  if (high - low > 1) {  // the other job goes where the moved one was
    beginMoveRows({}, low + 1, low + 1, {}, high + 1);
    items_.move(low + 1, high);
    endMoveRows();
  }
  return true;
}

int JobQueueModel::row_of(Ticket ticket) const {
  for (int row = 0; row < count(); ++row)
    if (items_[row].ticket == ticket) return row;
  return -1;
}

const QueueItem* JobQueueModel::find(Ticket ticket) const {
  const int row = row_of(ticket);
  return row < 0 ? nullptr : &items_[row];
}

const QueueItem* JobQueueModel::next_queued() const {
  for (const auto& item : items_)
    if (item.state == JobState::Queued) return &item;
  return nullptr;
}

const QueueItem* JobQueueModel::running() const {
  for (const auto& item : items_)
    if (item.state == JobState::Running) return &item;
  return nullptr;
}

int JobQueueModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : count();
}

QVariant JobQueueModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= count()) return {};
  const QueueItem& item = items_[index.row()];
  switch (role) {
    case Qt::DisplayRole:
      return item.title();
    case Qt::ToolTipRole: {
      QString tip = QString::fromStdString(item.params.prompt) + "\n" + item.summary();
      if (!item.message.isEmpty()) tip += "\n" + item.message;
      return tip;
    }
    case TicketRole:
      return QVariant::fromValue(item.ticket);
    case StateRole:
      return static_cast<int>(item.state);
    case KindRole:
      return static_cast<int>(item.kind);
    case ProgressRole:
      return item.progress.total > 0 ? static_cast<double>(item.progress.step) / item.progress.total : 0.0;
    case SummaryRole:
      return item.summary();
    default:
      return {};
  }
}

}  // namespace svg2::ui

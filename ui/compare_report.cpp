#include "compare_report.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cmath>
#include <limits>

#include "attention_panel.h"
#include "svg2/media.h"

namespace svg2::ui {

namespace {

SpeedReadout speed_from_json(const QJsonObject& o) {
  SpeedReadout s;
  s.total_ms = o.value("total_ms").toDouble();
  s.denoise_ms = o.value("denoise_ms").toDouble();
  s.dit_ms = o.value("dit_ms").toDouble();
  s.attention_ms = o.value("attention_ms").toDouble();
  s.per_step_ms = o.value("per_step_ms").toDouble();
  s.peak_memory_bytes = o.value("peak_memory_bytes").toDouble();
  return s;
}

QString label_for_mode(const std::string& mode) {
  return attention_mode_label(mode, "SVG2");
}

}  // namespace

CompareReport compare_report_from_result(const CompareResult& r) {
  CompareReport report;
  report.sparse_label = label_for_mode(to_string(r.sparse.params.attention.mode));
  report.psnr = QVector<double>(r.quality.psnr.begin(), r.quality.psnr.end());
  report.ssim = QVector<double>(r.quality.ssim.begin(), r.quality.ssim.end());
  report.mean_psnr = r.quality.mean_psnr;
  report.mean_ssim = r.quality.mean_ssim;
  report.dense = r.dense_speed;
  report.sparse = r.sparse_speed;
  report.speedup_total = r.speedup_total;
  report.speedup_dit = r.speedup_dit;
  report.speedup_attention = r.speedup_attention;
  report.density = r.density;
  report.dense_from_cache = r.dense_from_cache;
  report.seed = r.sparse.params.seed;
  report.device = QString::fromStdString(r.sparse.device);
  return report;
}

CompareReport compare_report_from_json(const QByteArray& json, QString* error) {
  QJsonParseError parse_error;
  const QJsonDocument doc = QJsonDocument::fromJson(json, &parse_error);
  CompareReport report;
  if (!doc.isObject()) {
    if (error) *error = "not a comparison JSON: " + parse_error.errorString();
    return report;
  }
  const QJsonObject root = doc.object();
  const QJsonObject quality = root.value("quality").toObject();
  const QJsonArray frames = quality.value("frames").toArray();
  if (frames.isEmpty()) {
    if (error) *error = "the comparison JSON has no per-frame metrics (quality.frames)";
    return report;
  }
  constexpr double kInf = std::numeric_limits<double>::infinity();
  for (const QJsonValue& f : frames) {
    const QJsonObject o = f.toObject();
    // run_compare writes identical frames' PSNR (+infinity) as null.
    report.psnr.push_back(o.value("psnr").isNull() ? kInf : o.value("psnr").toDouble());
    report.ssim.push_back(o.value("ssim").toDouble());
  }
  report.mean_psnr = quality.value("mean_psnr").isNull() ? kInf : quality.value("mean_psnr").toDouble();
  report.mean_ssim = quality.value("mean_ssim").toDouble();
  const QJsonObject speed = root.value("speed").toObject();
  report.dense = speed_from_json(speed.value("dense").toObject());
  report.sparse = speed_from_json(speed.value("sparse").toObject());
  report.speedup_total = speed.value("speedup_total").toDouble();
  report.speedup_dit = speed.value("speedup_dit").toDouble();
  report.speedup_attention = speed.value("speedup_attention").toDouble();
  report.density = root.value("density").toDouble(-1);
  report.dense_from_cache = root.value("dense_from_cache").toBool();
  report.seed = root.value("seed").toInteger();
  report.device = root.value("device").toString();
  const QJsonObject sparse_params = root.value("sparse_params").toObject();
  report.sparse_label = label_for_mode(
      sparse_params.value("attention").toObject().value("mode").toString("svg2").toStdString());
  return report;
}

QString format_psnr(double db) {
  if (std::isinf(db)) return QStringLiteral("∞ dB");
  return QString::number(db, 'f', 2) + " dB";
}

QString format_ssim(double ssim) {
  return QString::number(ssim, 'f', 4);
}

QString format_speedup(double ratio) {
  if (!(ratio > 0)) return QStringLiteral("—");
  return QString::number(ratio, 'f', 2) + "×";
}

QString format_duration_ms(double ms) {
  if (!(ms > 0)) return QStringLiteral("—");
  if (ms < 1000) return QString::number(ms, 'f', ms < 10 ? 1 : 0) + " ms";
  if (ms < 60'000) return QString::number(ms / 1000, 'f', 2) + " s";
  const int seconds = static_cast<int>(std::round(ms / 1000));
  return QString("%1 min %2 s").arg(seconds / 60).arg(seconds % 60);
}

QString format_percent(double fraction) {
  if (fraction < 0) return QStringLiteral("—");
  return QString::number(fraction * 100, 'f', fraction < 0.1 ? 1 : 0) + "%";
}

}  // namespace svg2::ui

#pragma once
// What the compare view shows about a dense-vs-sparse pair: per-frame quality, totals and speed
// readouts. Built from a live svg2::CompareResult or read back from a saved compare.json, so a
// comparison in the history gallery looks exactly like a fresh one.
#include <QString>
#include <QVector>

#include "engine_types.h"

namespace svg2::ui {

struct CompareReport {
  QString sparse_label = "SVG2";  // "SVG2", "Block top-k", "SVG1"
  QVector<double> psnr, ssim;     // per frame; PSNR may be +infinity (identical frames)
  double mean_psnr = 0, mean_ssim = 0;
  SpeedReadout dense, sparse;
  double speedup_total = 0, speedup_dit = 0, speedup_attention = 0;  // 0 = unknown
  double density = -1;  // sparse render's mean density over sparse calls; -1 = unknown
  bool dense_from_cache = false;
  qint64 seed = 0;
  QString device;

  bool valid() const { return !psnr.isEmpty(); }
};

CompareReport compare_report_from_result(const CompareResult& result);
// Parses the JSON that svg2::run_compare produces (CompareResult::json, saved as compare.json).
// Returns an invalid report (and sets *error) when the text is not such a JSON.
CompareReport compare_report_from_json(const QByteArray& json, QString* error = nullptr);

// "31.4 dB" / "∞ dB" (identical), "0.982", "2.13×", "412 ms" / "3.2 s", "31%".
QString format_psnr(double db);
QString format_ssim(double ssim);
QString format_speedup(double ratio);
QString format_duration_ms(double ms);
QString format_percent(double fraction);

}  // namespace svg2::ui

#pragma once
// Engine data as it crosses into Qt: shared, immutable pointers (frames are large; queued signals
// copy their arguments) and the Qt metatype declarations queued connections need.
#include <QMetaType>
#include <QString>

#include <memory>

#include "svg2/compare.h"
#include "svg2/engine.h"
#include "svg2/model_info.h"
#include "svg2/telemetry.h"
#include "svg2/video.h"

namespace svg2::ui {

using VideoPtr = std::shared_ptr<const Video>;
using RenderResultPtr = std::shared_ptr<const RenderResult>;
using CompareResultPtr = std::shared_ptr<const CompareResult>;
using TelemetryPtr = std::shared_ptr<const TelemetrySnapshot>;

// The UI's id of a queued job (stable across retries; the engine's JobId is per attempt).
using Ticket = quint64;

// Registers the types above with Qt's meta-type system; call once before any queued signal.
void register_engine_types();

}  // namespace svg2::ui

Q_DECLARE_METATYPE(svg2::StepProgress)
Q_DECLARE_METATYPE(svg2::ModelInfo)
Q_DECLARE_METATYPE(svg2::RenderParams)
Q_DECLARE_METATYPE(svg2::ui::VideoPtr)
Q_DECLARE_METATYPE(svg2::ui::RenderResultPtr)
Q_DECLARE_METATYPE(svg2::ui::CompareResultPtr)
Q_DECLARE_METATYPE(svg2::ui::TelemetryPtr)

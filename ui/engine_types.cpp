#include "engine_types.h"

namespace svg2::ui {

void register_engine_types() {
  qRegisterMetaType<svg2::StepProgress>();
  qRegisterMetaType<svg2::ModelInfo>();
  qRegisterMetaType<svg2::RenderParams>();
  qRegisterMetaType<VideoPtr>();
  qRegisterMetaType<RenderResultPtr>();
  qRegisterMetaType<CompareResultPtr>();
  qRegisterMetaType<TelemetryPtr>();
}

}  // namespace svg2::ui

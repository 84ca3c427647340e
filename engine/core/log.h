#pragma once
// Formatted logging for engine code. Engine translation units see LibTorch's bundled fmt, which
// Debian's spdlog cannot use, so formatting happens here and the text goes to the torch-free
// sink svg2::log_message (engine/log/logging.cpp, spdlog).
#include <fmt/format.h>

#include <utility>

#include "svg2/logging.h"

namespace svg2 {

template <typename... Args>
void log_debug(fmt::format_string<Args...> f, Args&&... args) {
  log_message(LogLevel::Debug, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void log_info(fmt::format_string<Args...> f, Args&&... args) {
  log_message(LogLevel::Info, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void log_warn(fmt::format_string<Args...> f, Args&&... args) {
  log_message(LogLevel::Warn, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void log_error(fmt::format_string<Args...> f, Args&&... args) {
  log_message(LogLevel::Error, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace svg2

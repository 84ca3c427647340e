#include "svg2/logging.h"

#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <vector>

namespace svg2 {
namespace {
std::string g_log_path;
}

std::string user_data_dir() {
  namespace fs = std::filesystem;
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg) return (fs::path(xdg) / "svg2-studio").string();
  if (const char* home = std::getenv("HOME"); home && *home)
    return (fs::path(home) / ".local" / "share" / "svg2-studio").string();
  return (fs::temp_directory_path() / "svg2-studio").string();
}

std::string log_file_path() { return g_log_path; }

void init_logging(const LogOptions& options) {
  namespace fs = std::filesystem;
  std::vector<spdlog::sink_ptr> sinks;
  if (options.console) {
    auto console = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    console->set_level(options.verbose ? spdlog::level::debug
                                       : (options.quiet ? spdlog::level::warn : spdlog::level::info));
    console->set_pattern("%^[%l]%$ %v");
    sinks.push_back(console);
  }
  fs::path dir = fs::path(user_data_dir()) / "logs";
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (!ec) {
    g_log_path = (dir / (options.app_name + ".log")).string();
    try {
      auto file = std::make_shared<spdlog::sinks::rotating_file_sink_mt>(g_log_path, 5 * 1024 * 1024, 3);
      file->set_level(spdlog::level::debug);
      file->set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%t] [%l] %v");
      sinks.push_back(file);
    } catch (const spdlog::spdlog_ex&) {
      g_log_path.clear();  // read-only home: log to the console only
    }
  }
  auto logger = std::make_shared<spdlog::logger>(options.app_name, sinks.begin(), sinks.end());
  logger->set_level(spdlog::level::debug);
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(logger);
}

void log_message(LogLevel level, std::string_view message) {
  switch (level) {
    case LogLevel::Debug: spdlog::debug("{}", message); break;
    case LogLevel::Info: spdlog::info("{}", message); break;
    case LogLevel::Warn: spdlog::warn("{}", message); break;
    case LogLevel::Error: spdlog::error("{}", message); break;
  }
}

}  // namespace svg2

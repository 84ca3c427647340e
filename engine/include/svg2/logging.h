#pragma once
// One logging setup for CLI and GUI: console + rotating file in the user's data directory.
#include <string>
#include <string_view>

namespace svg2 {

struct LogOptions {
  bool verbose = false;       // debug level on the console
  bool quiet = false;         // warnings and errors only on the console
  bool console = true;
  std::string app_name = "svg2";
};

void init_logging(const LogOptions& options);
std::string log_file_path();  // where the rotating log is written
std::string user_data_dir();  // $XDG_DATA_HOME/svg2-studio or ~/.local/share/svg2-studio

enum class LogLevel { Debug, Info, Warn, Error };
// The one sink every part of the program logs through (engine code uses core/log.h's
// formatting wrappers; this signature carries no fmt types, so fmt versions never mix).
void log_message(LogLevel level, std::string_view message);

}  // namespace svg2

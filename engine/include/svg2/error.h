#pragma once
// The one exception type the engine throws for user-facing failures: bad input, bad files,
// invalid settings. Messages name the problem (file, key, parameter, allowed range).
#include <stdexcept>
#include <string>

namespace svg2 {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// Thrown when a job is cancelled by the user; not an error to report.
class Cancelled : public std::runtime_error {
 public:
  Cancelled() : std::runtime_error("cancelled") {}
};

}  // namespace svg2

#include "cli/attention_options.h"

#include <sstream>

#include "svg2/error.h"

namespace svg2::cli {

std::vector<std::string> split_comma_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

std::vector<double> parse_fraction_list(const std::string& text, const std::string& flag,
                                        const std::string& example) {
  std::vector<double> out;
  for (const std::string& item : split_comma_list(text)) {
    try {
      std::size_t used = 0;
      const double v = std::stod(item, &used);
      if (used == item.size() && v > 0 && v <= 1) {
        out.push_back(v);
        continue;
      }
    } catch (const std::exception&) {
    }
    throw Error(flag + " takes comma-separated fractions in (0, 1], e.g. " + example + " (got '" + item +
                "')");
  }
  if (out.empty()) throw Error(flag + " names no value (got '" + text + "')");
  return out;
}

}  // namespace svg2::cli
